using System.Text.Json;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.Pipeline.Contracts;

/// <summary>Trade events and affirmations with valid defaults, shared by the confirmation stage's tests.</summary>
public static class ConfirmationSamples
{
    /// <summary>Goldman Sachs International in the sample reference data (tolerance 1 bp, 1.00 net).</summary>
    public const string CounterpartyLei = "W22LROWP2IHZNBB6K528";

    /// <summary>16:00 New York on trade date 24 November 2026; the US cut-off is 21:00 New York (02:00 UTC next day).</summary>
    public static DateTimeOffset Now { get; } = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);

    /// <summary>The US-EQUITY cut-off of trade date 24 November 2026.</summary>
    public static DateTimeOffset UsCutoff { get; } = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    /// <summary>A trade event of Apple shares with Goldman Sachs International.</summary>
    public static TradeEventWire TradeEvent(
        string tradeId = "T-1",
        long version = 1,
        string eventType = "TradeCaptured",
        string quantity = "100",
        string price = "230.10",
        string net = "23021.51",
        string book = "US-EQ",
        string status = "Live") => new(
        $"{tradeId}:{version}:{eventType}", eventType, tradeId, version, status, book, "ACC-US-001", "buy", "US0378331005", "Equity", "XNAS",
        quantity, price, "perUnit", "USD", CounterpartyLei, "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", "23010.00", "11.51", [new FeeLineWire("SEC31", "0.00", "SEC fee rate notice")], "0", net,
        "HalfAwayFromZeroToMinorUnits", $"CORR-{tradeId}");

    /// <summary>An affirmation echoing a trade event's terms (what the counterparty simulator sends).</summary>
    public static AffirmationWire AffirmationOf(TradeEventWire trade, string affirmationId = "AFF-1", long? version = null)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return new(1, affirmationId, trade.TradeId, version ?? trade.Version, trade.Account, trade.CounterpartyLei, trade.Isin,
            trade.Side == "buy" ? "Buy" : "Sell", trade.Quantity, trade.Price, trade.Currency, trade.TradeDate, trade.SettlementDate, trade.Net);
    }

    /// <summary>The JSON body of a trade event.</summary>
    public static byte[] Json(TradeEventWire trade) => JsonSerializer.SerializeToUtf8Bytes(trade, CaptureJsonContext.Default.TradeEventWire);

    /// <summary>The JSON body of an affirmation.</summary>
    public static byte[] Json(AffirmationWire affirmation) => JsonSerializer.SerializeToUtf8Bytes(affirmation, ConfirmationJsonContext.Default.AffirmationWire);

    /// <summary>A confirmed document for a trade, as the confirmation handler would write it.</summary>
    public static ConfirmationDocument Confirmed(string tradeId = "T-1", DateTimeOffset? now = null) =>
        ConfirmationRules.ApplyTradeEvent(
            ConfirmationDocument.Empty(tradeId), TradeEvent(tradeId), $"{tradeId}:1:TradeCaptured", ReferenceDataJson.LoadEmbedded(),
            AffirmationCutoffSchedule.Default, now ?? Now).Next;
}
