using System.Text.Json;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;

namespace ServerlessBackOffice.Pipeline.Tests.Confirmation;

/// <summary>The cut-off watch: one UnaffirmedAtCutoff per unaffirmed confirmed version, however often it runs.</summary>
public sealed class AffirmationCutoffHandlerTests
{
    private readonly ConfirmationStageHarness _stage = new();

    [Fact]
    public async Task AffirmationHeldForATradeThatNeverArrives_ExpiresAfterFiveBusinessDays_ArchivedThenDeleted()
    {
        var trade = ConfirmationSamples.TradeEvent("T-9");
        Assert.Equal(ConfirmationRules.Outcomes.Held, (await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade))).Outcome);

        // Held on Tuesday 24 November at 21:00: five business days later is Tuesday 1 December at 21:00.
        _stage.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 21, 0, 0, TimeSpan.Zero));
        Assert.Equal(0, (await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct)).ExpiredHeld);
        Assert.NotNull(await _stage.Store.GetAsync("T-9", ConfirmationStageHarness.Ct));

        _stage.Clock.Advance(TimeSpan.FromSeconds(1));
        var run = await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        Assert.Equal(1, run.ExpiredHeld);
        Assert.Null(await _stage.Store.GetAsync("T-9", ConfirmationStageHarness.Ct));
        var record = JsonSerializer.Deserialize(
            (await _stage.ArchivedAsync(ServerlessBackOffice.Pipeline.Archive.ArchiveRecordNames.State(ConfirmationRules.ArchiveStage, "expired-held/MSG-AFF-1.json")))!,
            ConfirmationJsonContext.Default.ExpiredHeldAffirmationRecord)!;
        Assert.Equal(("T-9", AffirmationCutoffHandler.HeldAffirmationExpiredReason, "2026-11-24T21:00:00.0000000Z"), (record.TradeId, record.Reason, record.HeldAt));
        Assert.Equal("AFF-1", record.Affirmation.AffirmationId);
        Assert.Equal(0, (await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct)).ExpiredHeld);
    }

    [Fact]
    public async Task AffirmationHeldForATradeThatArrivesWithinTheLimit_IsMatchedAndNeverExpires()
    {
        var trade = ConfirmationSamples.TradeEvent("T-8");
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));
        _stage.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 21, 0, 0, TimeSpan.Zero)); // four business days later
        Assert.Equal(0, (await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct)).ExpiredHeld);

        await _stage.Deliver(trade);
        _stage.Clock.Advance(TimeSpan.FromDays(30));

        Assert.Equal(0, (await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct)).ExpiredHeld);
        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
        Assert.Equal(ConfirmationStatus.Affirmed, (await _stage.DocumentAsync("T-8")).Status);
    }

    [Fact]
    public void BusinessDaysBefore_SkipsWeekends() =>
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero), AffirmationCutoffHandler.BusinessDaysBefore(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), 5));

    [Fact]
    public async Task BeforeTheCutoff_ReportsNothing()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());
        _stage.Clock.SetUtcNow(ConfirmationSamples.UsCutoff.AddTicks(-1));

        var run = await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        Assert.Equal(new CutoffRunResult(0, 0), run);
        Assert.Empty(_stage.Events(ConfirmationRules.UnaffirmedAtCutoffEvent));
    }

    [Fact]
    public async Task AtTheCutoff_ReportsEachUnaffirmedTradeOnce()
    {
        var unanswered = ConfirmationSamples.TradeEvent("T-1");
        var disputed = ConfirmationSamples.TradeEvent("T-2");
        var affirmed = ConfirmationSamples.TradeEvent("T-3");
        foreach (var trade in new[] { unanswered, disputed, affirmed })
        {
            await _stage.Deliver(trade);
        }

        await _stage.Deliver(ConfirmationSamples.AffirmationOf(disputed, "AFF-2") with { Quantity = "1" });
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(affirmed, "AFF-3"));
        _stage.Clock.SetUtcNow(ConfirmationSamples.UsCutoff);

        var first = await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);
        var second = await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        Assert.Equal(new CutoffRunResult(2, 2), first);
        Assert.Equal(new CutoffRunResult(0, 0), second);
        var events = _stage.Events(ConfirmationRules.UnaffirmedAtCutoffEvent);
        Assert.Equal(["T-1:1:UnaffirmedAtCutoff", "T-2:1:UnaffirmedAtCutoff"], events.Select(e => e.MessageId).Order(StringComparer.Ordinal));
        var wire = JsonSerializer.Deserialize(events.Single(e => e.MessageId.StartsWith("T-2", StringComparison.Ordinal)).Body, ConfirmationJsonContext.Default.UnaffirmedAtCutoffWire)!;
        Assert.Equal(("Mismatched", "US-EQUITY", "2026-11-25T02:00:00.0000000Z", "CONF-T-2-v1", "US-EQ"), (wire.Status, wire.Market, wire.CutoffAt, wire.ConfirmationId, wire.BookId));
    }

    [Fact]
    public async Task AnEconomicAmendmentAfterTheReport_IsReportedAgainForTheNewVersion()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());
        _stage.Clock.SetUtcNow(ConfirmationSamples.UsCutoff);
        await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "50", net: "11516.51"));
        var run = await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        Assert.Equal(1, run.Reported);
        Assert.Equal(["T-1:1:UnaffirmedAtCutoff", "T-1:2:UnaffirmedAtCutoff"], _stage.Events(ConfirmationRules.UnaffirmedAtCutoffEvent).Select(e => e.MessageId));
    }

    [Fact]
    public async Task ALateAffirmation_StillAffirms()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        _stage.Clock.SetUtcNow(ConfirmationSamples.UsCutoff.AddMinutes(10));
        await _stage.Cutoff.RunAsync(ConfirmationStageHarness.Ct);

        var late = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, late.Outcome);
        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
    }
}
