using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;
using static ServerlessBackOffice.Pipeline.Tests.Settlement.SettlementStageHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Settlement;

public sealed class CustodianStatusHandlerTests
{
    private static async Task<(SettlementStageHarness Harness, SettlementInstructionWire Instruction)> InstructedAsync()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");
        return (h, Instruction(Assert.Single(h.ToCustodian)));
    }

    [Fact]
    public async Task Statuses_MatchedPartialSettled_PublishIncrementsAndCumulativeAmounts()
    {
        var (h, i) = await InstructedAsync();
        var half = (decimal.Parse(i.SettlementAmount, System.Globalization.CultureInfo.InvariantCulture) / 2m).ToString(System.Globalization.CultureInfo.InvariantCulture);

        await h.StatusAsync(i.InstructionId, "S-1", "Matched", 0);
        await h.StatusAsync(i.InstructionId, "S-2", "PartiallySettled", 1, "40", half);
        await h.StatusAsync(i.InstructionId, "S-3", "Settled", 2, "100", i.SettlementAmount);

        Assert.Single(h.Events(SettlementEventTypes.SettlementMatched));
        var partial = Assert.Single(h.Events(SettlementEventTypes.TradePartiallySettled));
        var settled = Assert.Single(h.Events(SettlementEventTypes.TradeSettled));
        Assert.Equal(("40", "40"), (partial.SettledQuantity, partial.CumulativeQuantity));
        Assert.Equal(("60", "100"), (settled.SettledQuantity, settled.CumulativeQuantity));
        Assert.Equal(i.SettlementAmount, settled.CumulativeCash);
        var document = (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!;
        Assert.Equal(SettlementStatus.Settled, document.Lifecycle.Status);
        Assert.Equal(3, document.Lifecycle.History.Count);
    }

    [Fact]
    public async Task Statuses_StartFromTheInstructionThisInstanceWrote_AndPublishNothingTwice()
    {
        var (h, i) = await InstructedAsync();

        await h.StatusAsync(i.InstructionId, "S-1", "Matched", 0);
        await h.StatusAsync(i.InstructionId, "S-2", "Settled", 1, "100", i.SettlementAmount);

        // Decision 0075: no instruction read at all (the issue created it without one), and what was published once — the
        // instruction, the match — is not published again before the next change.
        Assert.Equal(0, h.InMemory.InstructionReads);
        Assert.Equal(h.Bus.Delivered.Count, h.Bus.Published.Count);
        Assert.Equal(SettlementStatus.Settled, (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!.Lifecycle.Status);
    }

    [Fact]
    public async Task Statuses_WhenAnotherInstanceChangedTheInstruction_ReadItAndApplyOnTopOfIt()
    {
        var (h, i) = await InstructedAsync();
        var another = new CustodianStatusHandler(h.Store, h.Bus, h.Capture.Clock, NullLogger<CustodianStatusHandler>.Instance);
        await another.HandleAsync(new InboundMessage("S-1", Encoding.UTF8.GetBytes(StatusJson(i.InstructionId, "S-1", "Matched", 0)), 1), Ct);

        var result = await h.StatusAsync(i.InstructionId, "S-2", "Settled", 1, "100", i.SettlementAmount);

        Assert.Equal(SettlementOutcomes.StatusApplied, result.Outcome);
        var document = (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!;
        Assert.Equal(SettlementStatus.Settled, document.Lifecycle.Status);
        Assert.Equal(["S-1", "S-2"], document.Lifecycle.History.Select(e => e.Report.StatusId));
        Assert.Single(h.Events(SettlementEventTypes.SettlementMatched));
        Assert.Single(h.Events(SettlementEventTypes.TradeSettled));
    }

    [Theory]
    [InlineData(GrossCounterparty)]
    [InlineData(NettingCounterparty)]
    public async Task OnALaterDay_WhatIsPublishedDoesNotDependOnWhatTheInstanceRemembers(string counterparty)
    {
        // Decision 0075 skips publishing a last change again only on the day it was published, so every day's archive of
        // outbound messages is the same whether the status handler remembered the instruction or read it.
        async Task<IReadOnlyList<string>> PublishedAsync(bool remembered)
        {
            var h = new SettlementStageHarness();
            var t = await h.CaptureAsync("T-1", counterparty);
            await h.AffirmAsync("T-1", counterparty: counterparty);
            await h.Instructions.RunNettingAsync(DateOnly.Parse(t.SettlementDate, System.Globalization.CultureInfo.InvariantCulture), Ct);
            var i = Instruction(Assert.Single(h.ToCustodian));
            await h.StatusAsync(i.InstructionId, "S-1", "Matched", 0);
            h.Capture.Clock.Advance(TimeSpan.FromDays(1));
            var statuses = remembered ? h.Statuses : new CustodianStatusHandler(h.Store, h.Bus, h.Capture.Clock, NullLogger<CustodianStatusHandler>.Instance);
            var settled = await statuses.HandleAsync(new InboundMessage("S-2", Encoding.UTF8.GetBytes(StatusJson(i.InstructionId, "S-2", "Settled", 1, "100", i.SettlementAmount)), 1), Ct);
            Assert.Equal(SettlementOutcomes.StatusApplied, settled.Outcome);
            return [.. h.Bus.Published.Select(m => m.Destination + "/" + m.MessageId)];
        }

        Assert.Equal(await PublishedAsync(remembered: false), await PublishedAsync(remembered: true));
    }

    [Fact]
    public async Task AnOlderInstructionInTheMemory_IsNeverPublishedAgain()
    {
        // Two writers of one instruction can tell the memory in either order: here the "published" lands after the
        // match was written, so the memory holds the instruction as issued while the store holds it matched.
        var (h, i) = await InstructedAsync();
        var issued = (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!;
        await h.StatusAsync(i.InstructionId, "S-1", "Matched", 0);
        var day = ServerlessBackOffice.Pipeline.Archive.ArchiveRecordNames.DayOf(h.Capture.Clock.GetUtcNow());
        h.Memory.Remember(i.InstructionId, issued, issued.ETag!, day);

        await h.StatusAsync(i.InstructionId, "S-2", "PartiallySettled", 1, "40", "1");
        h.Memory.Remember(i.InstructionId, issued, issued.ETag!, day);
        h.Capture.Clock.Advance(TimeSpan.FromDays(1));
        await h.StatusAsync(i.InstructionId, "S-3", "Settled", 2, "100", i.SettlementAmount);

        // The instruction went to the custodian once; the old guess was refused by its write and the stored one read.
        Assert.Single(h.Bus.Published, m => m.Destination == ServerlessBackOffice.Topology.Entities.CustodianOutbound.Name);
        Assert.Equal(SettlementStatus.Settled, (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!.Lifecycle.Status);
    }

    [Fact]
    public async Task ReportDatedFarInTheFuture_IsDeadLettered_AndLaterGenuineReportsStillApply()
    {
        var (h, i) = await InstructedAsync();
        var future = Encoding.UTF8.GetBytes(StatusJson(i.InstructionId, "S-F", "Unmatched", 0).Replace("2026-11-25T10:00:00Z", "9999-12-31T23:59:59Z", StringComparison.Ordinal));

        var result = await h.Statuses.HandleAsync(new InboundMessage("S-F", future, 1), Ct);

        Assert.Equal((SettlementDisposition.DeadLetter, CustodianStatusHandler.ReportedInFutureReason), (result.Disposition, result.Reason));
        Assert.Contains("9999-12-31T23:59:59Z", result.Description, StringComparison.Ordinal);
        Assert.Equal(SettlementOutcomes.StatusApplied, (await h.StatusAsync(i.InstructionId, "S-1", "Matched", 0)).Outcome);
        var document = (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!;
        Assert.Equal(SettlementStatus.Matched, document.Lifecycle.Status);
        Assert.DoesNotContain(document.Lifecycle.History, e => e.Report.StatusId == "S-F");
    }

    [Fact]
    public async Task ReportDatedWithinADayAhead_IsAccepted_OneBeyondIsNot()
    {
        var (h, i) = await InstructedAsync();
        var now = h.Capture.Clock.GetUtcNow();
        byte[] At(string statusId, TimeSpan ahead) => Encoding.UTF8.GetBytes(StatusJson(i.InstructionId, statusId, "Matched", 0)
            .Replace("2026-11-25T10:00:00Z", (now + ahead).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var beyond = await h.Statuses.HandleAsync(new InboundMessage("S-2", At("S-2", CustodianStatusHandler.MaximumReportedAhead + TimeSpan.FromSeconds(1)), 1), Ct);
        var within = await h.Statuses.HandleAsync(new InboundMessage("S-1", At("S-1", CustodianStatusHandler.MaximumReportedAhead), 1), Ct);

        Assert.Equal(CustodianStatusHandler.ReportedInFutureReason, beyond.Reason);
        Assert.Equal(SettlementOutcomes.StatusApplied, within.Outcome);
    }

    [Fact]
    public async Task Failed_WithLack_PublishesTheFailWithQuantityAndFailingParty()
    {
        var (h, i) = await InstructedAsync();

        await h.StatusAsync(i.InstructionId, "S-1", "Failed", 0, reason: "LACK");

        var failed = Assert.Single(h.Events(SettlementEventTypes.SettlementFailed));
        Assert.Equal(("LACK", "100", "Counterparty"), (failed.ReasonCode, failed.FailedQuantity, failed.FailingParty));
        Assert.Equal(i.SettlementDate, failed.IntendedSettlementDate);
    }

    [Fact]
    public async Task StaleAndInvalidStatuses_AreKeptInHistoryWithoutChange()
    {
        var (h, i) = await InstructedAsync();

        await h.StatusAsync(i.InstructionId, "S-2", "Settled", 5, "100", i.SettlementAmount);
        var stale = await h.StatusAsync(i.InstructionId, "S-1", "Matched", 1);
        var duplicate = await h.StatusAsync(i.InstructionId, "S-2", "Settled", 5, "100", i.SettlementAmount);

        Assert.Equal((SettlementOutcomes.StatusIgnored, nameof(StatusDisposition.Stale)), (stale.Outcome, stale.Reason));
        Assert.Equal(SettlementOutcomes.StatusIgnored, duplicate.Outcome);
        var document = (await h.Store.GetInstructionAsync(i.InstructionId, Ct))!;
        Assert.Equal(SettlementStatus.Settled, document.Lifecycle.Status);
        Assert.Equal(2, document.Lifecycle.History.Count);
        Assert.Empty(h.Events(SettlementEventTypes.SettlementMatched));
    }

    [Fact]
    public async Task UnknownInstruction_IsRetriedThenDeadLettered()
    {
        var h = new SettlementStageHarness();

        var first = await h.StatusAsync("SI-NOPE", "S-1", "Matched", 0);
        var last = await h.StatusAsync("SI-NOPE", "S-1", "Matched", 0, deliveryCount: CustodianStatusHandler.UnknownInstructionDeliveries);

        Assert.Equal((SettlementDisposition.Retry, CustodianStatusHandler.UnknownInstructionReason), (first.Disposition, first.Reason));
        Assert.Equal((SettlementDisposition.DeadLetter, CustodianStatusHandler.UnknownInstructionReason), (last.Disposition, last.Reason));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"schemaVersion":1,"statusId":"S","instructionId":"I","status":"Exploded","reportedAt":"2026-11-25T10:00:00Z"}""")]
    [InlineData("""{"schemaVersion":1,"statusId":"S","instructionId":"I","status":"Settled","reportedAt":"yesterday"}""")]
    [InlineData("""{"schemaVersion":1,"statusId":"S","instructionId":"I","status":"Settled","reportedAt":"2026-11-25T10:00:00Z","extra":1}""")]
    public async Task Unreadable_IsDeadLetteredWithReason(string body)
    {
        var h = new SettlementStageHarness();

        var result = await h.Statuses.HandleAsync(new InboundMessage("m", Encoding.UTF8.GetBytes(body), 1), Ct);

        Assert.Equal((SettlementDisposition.DeadLetter, CustodianStatusHandler.MalformedStatusReason), (result.Disposition, result.Reason));
    }

    [Fact]
    public async Task Netted_PartialSettlement_IsAllocatedToEachTradeInProportion()
    {
        var h = new SettlementStageHarness();
        var t1 = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "100");
        await h.CaptureAsync("T-2", NettingCounterparty, "buy", "300");
        await h.AffirmAsync("T-1", counterparty: NettingCounterparty);
        await h.AffirmAsync("T-2", counterparty: NettingCounterparty);
        await h.Instructions.RunNettingAsync(DateOnly.Parse(t1.SettlementDate), Ct);
        var i = Instruction(Assert.Single(h.ToCustodian));

        await h.StatusAsync(i.InstructionId, "S-1", "PartiallySettled", 0, "200", "1");
        await h.StatusAsync(i.InstructionId, "S-2", "Settled", 1, "400", i.SettlementAmount);

        var partial = h.Events(SettlementEventTypes.TradePartiallySettled).ToDictionary(e => e.TradeId, e => e.CumulativeQuantity);
        Assert.Equal(("50", "150"), (partial["T-1"], partial["T-2"]));
        var settled = h.Events(SettlementEventTypes.TradeSettled).ToDictionary(e => e.TradeId, e => e.CumulativeQuantity);
        Assert.Equal(("100", "300"), (settled["T-1"], settled["T-2"]));

        // The statuses started from the instruction the netting run issued (decision 0075): no read of it.
        Assert.Equal(0, h.InMemory.InstructionReads);
    }

    [Fact]
    public void Statuses_RedeliveredDuplicatedOrReordered_NeverChangeTheOutcome()
    {
        var deliveries = new (string Id, string Status, int Minute, string? Quantity)[]
        {
            ("S-1", "Matched", 0, null),
            ("S-2", "Failed", 1, null),
            ("S-3", "PartiallySettled", 2, "40"),
            ("S-4", "Settled", 3, "100"),
        };
        var orders = Gen.Shuffle(Enumerable.Range(0, deliveries.Length).Concat(Enumerable.Range(0, deliveries.Length)).ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(orders, order =>
        {
            var (h, i) = InstructedAsync().GetAwaiter().GetResult();
            foreach (var index in order)
            {
                var d = deliveries[index];
                h.StatusAsync(i.InstructionId, d.Id, d.Status, d.Minute, d.Quantity, d.Quantity is null ? null : "1").GetAwaiter().GetResult();
            }

            var document = h.Store.GetInstructionAsync(i.InstructionId, Ct).GetAwaiter().GetResult()!;
            var settled = h.Events(SettlementEventTypes.TradeSettled).Concat(h.Events(SettlementEventTypes.TradePartiallySettled)).ToList();
            return document.Lifecycle.Status == SettlementStatus.Settled
                && document.Lifecycle.SettledQuantity == 100m
                && document.Trades[0].CumulativeQuantity == 100m
                && settled.Sum(e => decimal.Parse(e.SettledQuantity!, System.Globalization.CultureInfo.InvariantCulture)) == 100m
                && h.Events(SettlementEventTypes.TradeSettled).Count == 1;
        }));
    }

    [Fact]
    public async Task Ledger_PostsTheSettlementEventsOnce()
    {
        var (h, i) = await InstructedAsync();
        var ledger = new LedgerPostingHandler(new InMemoryLedgerStore(), NullLogger<LedgerPostingHandler>.Instance);
        var captured = h.Capture.Publisher.Delivered.Single(m => m.Destination == ServerlessBackOffice.Topology.Entities.TradeEvents.Name);
        Assert.Equal(PostingResult.Posted, (await ledger.HandleAsync(LedgerEventMapper.FromTradeEvent(Encoding.UTF8.GetBytes(captured.Body)).Command!, Ct)).Result);

        await h.StatusAsync(i.InstructionId, "S-1", "PartiallySettled", 0, "40", "1");
        await h.StatusAsync(i.InstructionId, "S-2", "Settled", 1, "100", i.SettlementAmount);
        var events = h.Bus.Delivered.Where(m => m.Subject is SettlementEventTypes.TradePartiallySettled or SettlementEventTypes.TradeSettled).ToList();

        var results = new List<PostingResult>();
        foreach (var message in events.Concat(events))
        {
            var (command, problem) = LedgerEventMapper.FromTradeEvent(Encoding.UTF8.GetBytes(message.Body));
            Assert.Null(problem);
            var settle = Assert.IsType<RecordSettlement>(command);
            Assert.Equal("T-1", settle.TradeId);
            results.Add((await ledger.HandleAsync(settle, Ct)).Result);
        }

        Assert.Equal([PostingResult.Posted, PostingResult.Posted, PostingResult.Duplicate, PostingResult.Duplicate], results);
        Assert.Equal(100m, JsonSerializer.Deserialize(events[^1].Body, SettlementJsonContext.Default.SettlementEventWire)!.CumulativeQuantity is { } c ? decimal.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : 0m);
    }
}
