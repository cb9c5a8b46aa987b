using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Risk;

namespace ServerlessBackOffice.Pipeline.Contracts.Compliance;

/// <summary>A clock that stands still unless moved.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    /// <summary>The current instant.</summary>
    public DateTimeOffset Now { get; set; } = now;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Trade events with valid defaults against the sample reference data and the sample compliance configuration.</summary>
public static class ComplianceEvents
{
    /// <summary>Tuesday 24 November 2026, 15:30 UTC.</summary>
    public static readonly DateTimeOffset Executed = new(2026, 11, 24, 15, 30, 0, TimeSpan.Zero);

    /// <summary>Apple: the instrument with the controlled close history of <see cref="ComplianceKit.Prices"/>.</summary>
    public const string Isin = "US0378331005";

    /// <summary>A trade event; gross is quantity × price.</summary>
    public static TradeEventWire Event(
        string tradeId = "T-1", long version = 1, string account = "ACC-US-003", string side = "buy", decimal quantity = 100m, decimal price = 100m,
        int minutes = 0, string isin = Isin, string? eventType = null, string status = "Live")
    {
        var type = eventType ?? (version == 1 ? "TradeCaptured" : "TradeAmended");
        var gross = (quantity * price).ToString("0.00", CultureInfo.InvariantCulture);
        return new TradeEventWire(
            $"{tradeId}:{version}:{type}", type, tradeId, version, status, "NY-CASH", account, side, isin, "Equity", "XNAS",
            quantity.ToString(CultureInfo.InvariantCulture), price.ToString(CultureInfo.InvariantCulture), "perUnit", "USD",
            "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
            Executed.AddMinutes(minutes).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            "2026-11-24", "2026-11-25", gross, "0.00", [], "0", gross, "HalfAwayFromZeroToMinorUnits", "CORR-" + tradeId);
    }

    /// <summary>The inbound message of an event, enqueued <paramref name="captureDelay"/> after execution (2 s by default).</summary>
    public static ComplianceInbound Inbound(TradeEventWire wire, TimeSpan? captureDelay = null, string? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var executed = DateTimeOffset.Parse(wire.ExecutionTimestamp, CultureInfo.InvariantCulture);
        return new ComplianceInbound(messageId ?? wire.EventId, wire.CorrelationId, JsonSerializer.SerializeToUtf8Bytes(wire, CaptureJsonContext.Default.TradeEventWire),
            executed + (captureDelay ?? TimeSpan.FromSeconds(2)));
    }
}

/// <summary>The compliance handler over in-memory adapters (or a given store), with the sample configuration.</summary>
public sealed class ComplianceKit
{
    /// <summary>Creates a kit over a store (in memory by default) with a configuration (the sample's by default).</summary>
    public ComplianceKit(
        IComplianceStore? store = null, IMessagePublisher? publisher = null, Microsoft.Extensions.Logging.ILogger<ComplianceHandler>? logger = null,
        ComplianceConfiguration? configuration = null)
    {
        Store = store ?? new InMemoryComplianceStore();
        Publisher = publisher ?? Published;
        Handler = new ComplianceHandler(Store, Archive, Publisher, new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()),
            new FixedPriceHistorySource(Prices), configuration ?? SampleComplianceConfiguration.Load(), Clock, logger ?? NullLogger<ComplianceHandler>.Instance);
    }

    /// <summary>
    /// Closes of the sample instrument on the 30 weekdays before the trade date: 99, 100, 101 repeating — median 100,
    /// median absolute deviation 1, so with the sample's maximum score of 8 a price beyond 100 ± 11.86 is an outlier.
    /// </summary>
    public static PriceHistory Prices { get; } = CreatePrices();

    /// <summary>The store.</summary>
    public IComplianceStore Store { get; }

    /// <summary>The archive.</summary>
    public InMemoryArchiveStore Archive { get; } = new();

    /// <summary>What was published (when no other publisher was given).</summary>
    public InMemoryMessagePublisher Published { get; } = new();

    /// <summary>The publisher the handler uses.</summary>
    public IMessagePublisher Publisher { get; }

    /// <summary>The clock: 16:00 UTC on the trade date.</summary>
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero));

    /// <summary>The handler.</summary>
    public ComplianceHandler Handler { get; }

    /// <summary>Handles an event.</summary>
    public Task<ComplianceOutcome> HandleAsync(TradeEventWire wire, TimeSpan? captureDelay = null, string? messageId = null) =>
        Handler.HandleAsync(ComplianceEvents.Inbound(wire, captureDelay, messageId), Xunit.TestContext.Current.CancellationToken);

    /// <summary>Reads an archived record as text, or null.</summary>
    public async Task<string?> ArchivedAsync(DateOnly day, string name)
    {
        await using var stream = await Archive.OpenAsync(day, name, Xunit.TestContext.Current.CancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Xunit.TestContext.Current.CancellationToken);
    }

    private static PriceHistory CreatePrices()
    {
        var history = new PriceHistory();
        var day = new DateOnly(2026, 11, 23);
        for (var i = 0; i < 30; day = day.AddDays(-1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                continue;
            }

            history.Add(ComplianceEvents.Isin, day, 99m + (i % 3));
            i++;
        }

        return history;
    }
}
