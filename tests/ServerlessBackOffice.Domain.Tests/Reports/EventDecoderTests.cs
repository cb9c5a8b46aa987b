using System.Text.Json;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>One known answer per event type the reports read, and the problem reported for a body missing its trade id.</summary>
public sealed class EventDecoderTests
{
    private static DayFact Decode(string eventType, string body)
    {
        var decoder = EventDecoders.All.Single(d => d.EventType == eventType);
        using var document = JsonDocument.Parse(body);
        Assert.True(decoder.TryDecode(document.RootElement.Clone(), out var fact, out var problem), problem);
        return fact!;
    }

    [Fact]
    public void Decoders_CoverEachEventTypeOnce() =>
        Assert.Equal(EventDecoders.All.Count, EventDecoders.All.Select(d => d.EventType).Distinct(StringComparer.Ordinal).Count());

    [Theory]
    [InlineData("TradeCaptured")]
    [InlineData("TradeAmended")]
    [InlineData("TradeCancelled")]
    public void TradeEvents_DecodeTheFullTrade(string eventType)
    {
        var record = SampleDay.Records().First(r => r.Key.Contains("/P-", StringComparison.Ordinal) && r.Key.Contains(":" + eventType, StringComparison.Ordinal));
        using var envelope = JsonDocument.Parse(record.Value);

        var fact = Assert.IsType<TradeEventFact>(Decode(eventType, envelope.RootElement.GetProperty("body").GetRawText()));

        Assert.Equal(eventType, fact.EventType);
        Assert.Equal("PAR-CASH", fact.BookId);
        Assert.Equal(1.50m, fact.Fees);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 15, 0, TimeSpan.Zero), fact.ExecutedAt);
        Assert.Equal(eventType == "TradeCancelled", fact.IsCancellation);
    }

    [Fact]
    public void TradeAffirmed_Decodes() =>
        Assert.Equal(new TradeAffirmedFact("T-1", 2, "2026-11-25T11:00:00Z", "NY-CASH"), Decode("TradeAffirmed", """{"tradeId":"T-1","version":2,"affirmedAt":"2026-11-25T11:00:00Z","bookId":"NY-CASH","extra":1}"""));

    [Fact]
    public void TradeMismatched_KeepsTheDiscrepanciesAsText() =>
        Assert.Equal(new TradeMismatchedFact("T-1", 1, """[{"field":"price"}]""", null), Decode("TradeMismatched", """{"tradeId":"T-1","version":1,"discrepancies":[{"field":"price"}]}"""));

    [Fact]
    public void UnaffirmedAtCutoff_Decodes() =>
        Assert.Equal(new UnaffirmedAtCutoffFact("T-1", 1, "2026-11-26T02:00:00Z", null), Decode("UnaffirmedAtCutoff", """{"tradeId":"T-1","version":1,"cutoff":"2026-11-26T02:00:00Z"}"""));

    [Theory]
    [InlineData("InstructionIssued", SettlementProgress.Instructed)]
    [InlineData("InstructionCancelled", SettlementProgress.InstructionCancelled)]
    public void Instructions_Decode(string eventType, SettlementProgress progress) =>
        Assert.Equal(
            new SettlementStatusFact("T-1", progress, null, new DateOnly(2026, 11, 26), null, null, "PAR-CASH"),
            Decode(eventType, """{"tradeId":"T-1","intendedSettlementDate":"2026-11-26","bookId":"PAR-CASH"}"""));

    [Theory]
    [InlineData("SettlementMatched", SettlementProgress.Matched)]
    [InlineData("SettlementUnmatched", SettlementProgress.Unmatched)]
    [InlineData("SettlementFailed", SettlementProgress.Failed)]
    public void SettlementStatuses_Decode(string eventType, SettlementProgress progress) =>
        Assert.Equal(
            new SettlementStatusFact("T-1", progress, "LACK", new DateOnly(2026, 11, 26), 40m, "us", null),
            Decode(eventType, """{"tradeId":"T-1","reasonCode":"LACK","intendedSettlementDate":"2026-11-26","failedQuantity":"40","failingParty":"us"}"""));

    [Theory]
    [InlineData("TradeSettled", false)]
    [InlineData("TradePartiallySettled", true)]
    public void Settlements_DecodeQuantityAndCash(string eventType, bool partial) =>
        Assert.Equal(new SettledFact("T-1", "E-1", partial, 60m, 1200.50m, null), Decode(eventType, """{"eventId":"E-1","tradeId":"T-1","settledQuantity":"60","settledCash":"1200.50"}"""));

    [Fact]
    public void ComplianceAlertRaised_DecodesWithItsSummaryAsTheDescriptionAndItsBook() =>
        Assert.Equal(
            new AlertFact("AL-2", "LateBooking", "Low", "T-2", "Booked 3 h after execution.", "NY-CASH"),
            Decode("ComplianceAlertRaised", """{"eventId":"AL-2","eventType":"ComplianceAlertRaised","alertId":"AL-2","rule":"LateBooking","severity":"Low","summary":"Booked 3 h after execution.","evidence":{},"tradeIds":["T-2"],"tradeId":"T-2","version":1,"bookId":"NY-CASH","account":"A","beneficialOwner":"O","isin":"US0378331005","tradeDate":"2026-11-24","detectedAt":"2026-11-24T20:00:00.0000000Z","correlationId":null}"""));

    [Fact]
    public void AlertRaised_Decodes() =>
        Assert.Equal(new AlertFact("AL-1", "RestrictedList", "high", "T-1", "on the list", null), Decode("AlertRaised", """{"alertId":"AL-1","rule":"RestrictedList","severity":"high","tradeId":"T-1","description":"on the list"}"""));

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void EveryDecoder_WhenTheTradeIdIsMissing_SaysSo(string eventType)
    {
        var decoder = EventDecoders.All.Single(d => d.EventType == eventType);
        using var document = JsonDocument.Parse("""{"version":1}""");

        Assert.False(decoder.TryDecode(document.RootElement, out var fact, out var problem));
        Assert.Null(fact);
        Assert.NotNull(problem);
    }

    public static TheoryData<string> EventTypes() => [.. EventDecoders.All.Select(d => d.EventType)];
}
