using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Risk;

/// <summary>
/// Where the daily closes come from: compliance reads recent closes for the price-reasonability rule, the end of day
/// reads the 250-day window for VaR. Read-only, so the per-trade path writes nothing for prices.
/// </summary>
public interface IPriceHistorySource
{
    /// <summary>The history (cached by the adapter).</summary>
    ValueTask<PriceHistory> GetAsync(CancellationToken cancellationToken);
}

/// <summary>A history loaded once: from a vendor CSV, or the deterministic sample.</summary>
public sealed class FixedPriceHistorySource(PriceHistory history) : IPriceHistorySource
{
    /// <inheritdoc />
    public ValueTask<PriceHistory> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(history);
}

/// <summary>
/// The deterministic sample history of the reference securities (<see cref="SamplePriceHistory"/>), ending on the business
/// day before the first use (New York date of the clock), built once.
/// </summary>
public sealed class SamplePriceHistorySource(IReferenceDataSource referenceData, TimeProvider clock) : IPriceHistorySource
{
    private PriceHistory? _history;

    /// <inheritdoc />
    public async ValueTask<PriceHistory> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _history) is { } ready)
        {
            return ready;
        }

        // Two first callers may both build it: harmless, the sample is deterministic and the first one stored wins.
        var reference = await referenceData.GetCurrentAsync(cancellationToken);
        var built = SamplePriceHistory.Create(reference.Securities.Values, Archive.ArchiveRecordNames.DayOf(clock.GetUtcNow()).AddDays(-1));
        return Interlocked.CompareExchange(ref _history, built, null) ?? built;
    }
}
