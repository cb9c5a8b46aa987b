using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Risk;

/// <summary>
/// Archives the day's market data for risk (<see cref="RiskMarketData.RecordName"/>) before the first book closes: the
/// price window, FX fixings, securities' terms and books' base currencies, taken from the price history source and reference
/// data. The reports then compute VaR and stress from the day's records alone, and <c>backoffice replay</c> reproduces them.
/// Written once: a later close finds the record there (same bytes: nothing happens; different bytes, because a source changed
/// during the day: the archived one stays and is the one every book of the day uses).
/// </summary>
public sealed class RiskMarketDataArchiver(IArchiveStore archive, IPriceHistorySource prices, IReferenceDataSource referenceData)
{
    /// <summary>Writes the day's record unless it is there.</summary>
    public async Task<ArchiveWriteResult> ArchiveAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        var existing = await archive.OpenAsync(businessDate, RiskMarketData.RecordName, cancellationToken);
        if (existing is not null)
        {
            await existing.DisposeAsync();
            return ArchiveWriteResult.AlreadyArchived;
        }

        var history = await prices.GetAsync(cancellationToken);
        var reference = await referenceData.GetCurrentAsync(cancellationToken);
        var content = RiskMarketData.From(reference, history, businessDate).ToJson();
        return await archive.WriteAsync(new ArchiveRecord(businessDate, RiskMarketData.RecordName, content, "application/json"), cancellationToken);
    }
}
