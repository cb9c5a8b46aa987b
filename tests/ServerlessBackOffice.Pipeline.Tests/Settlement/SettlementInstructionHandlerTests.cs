using System.Globalization;
using System.Text;
using System.Xml.Linq;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;
using static ServerlessBackOffice.Pipeline.Tests.Settlement.SettlementStageHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Settlement;

public sealed class SettlementInstructionHandlerTests
{
    private static readonly XNamespace Sese = Sese023.Namespace;

    [Fact]
    public async Task Affirmed_GrossTrade_PublishesOneInstructionToTheAccountsCustodian()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);

        var result = await h.AffirmAsync("T-1");

        Assert.Equal(SettlementOutcomes.Instructed, result.Outcome);
        var message = Assert.Single(h.ToCustodian);
        var wire = Instruction(message);
        Assert.Equal(wire.InstructionId, message.MessageId);
        Assert.Equal("corr-1", message.CorrelationId);
        Assert.Equal(SampleData.ReferenceData.Accounts["ACC-US-004"].CustodianLei, message.ApplicationProperties[SettlementRules.CustodianLeiProperty]);
        Assert.Equal(("RECE", "APMT", "DBIT", "100", "UNIT"), (wire.Movement, wire.Payment, wire.CreditDebit, wire.Quantity, wire.QuantityType));
        Assert.Equal(["T-1"], wire.TradeIds);
        Assert.False(wire.Netted);
        var issued = Assert.Single(h.Events(SettlementEventTypes.InstructionIssued));
        Assert.Equal(wire.InstructionId, issued.InstructionId);
    }

    [Fact]
    public async Task Instruction_Sese023_CarriesEveryMandatoryElement()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");

        var wire = Instruction(Assert.Single(h.ToCustodian));
        var xml = XDocument.Parse(wire.Sese023!);
        var body = xml.Root!.Element(Sese + "SctiesSttlmTxInstr")!;
        Assert.Equal(wire.InstructionId, body.Element(Sese + "TxId")!.Value);
        Assert.Equal("RECE", body.Element(Sese + "SttlmTpAndAddtlParams")!.Element(Sese + "SctiesMvmntTp")!.Value);
        Assert.Equal("APMT", body.Element(Sese + "SttlmTpAndAddtlParams")!.Element(Sese + "Pmt")!.Value);
        Assert.Equal(wire.TradeDate, body.Element(Sese + "TradDtls")!.Element(Sese + "TradDt")!.Value);
        Assert.Equal(wire.SettlementDate, body.Element(Sese + "TradDtls")!.Element(Sese + "SttlmDt")!.Value);
        Assert.Equal("US0378331005", body.Element(Sese + "FinInstrmId")!.Element(Sese + "ISIN")!.Value);
        Assert.Equal("100", body.Element(Sese + "QtyAndAcctDtls")!.Element(Sese + "SttlmQty")!.Element(Sese + "Qty")!.Element(Sese + "Unit")!.Value);
        Assert.Equal("ACC-US-004", body.Element(Sese + "QtyAndAcctDtls")!.Element(Sese + "SfkpgAcct")!.Value);
        Assert.NotNull(body.Element(Sese + "DlvrgSttlmPties")!.Element(Sese + "Dpstry"));
        Assert.NotNull(body.Element(Sese + "RcvgSttlmPties")!.Element(Sese + "Pty1"));
        var amount = body.Element(Sese + "SttlmAmt")!;
        Assert.Equal(wire.SettlementAmount, amount.Element(Sese + "Amt")!.Value);
        Assert.Equal("USD", amount.Element(Sese + "Amt")!.Attribute("Ccy")!.Value);
        Assert.Equal("DBIT", amount.Element(Sese + "CdtDbtInd")!.Value);
    }

    [Fact]
    public async Task Affirmed_RedeliveredOrDuplicated_NeverIssuesASecondInstruction()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);

        await h.AffirmAsync("T-1");
        var redelivered = await h.AffirmAsync("T-1");
        var duplicate = await h.AffirmAsync("T-1", messageId: "another-copy");

        Assert.Equal(SettlementOutcomes.Duplicate, redelivered.Outcome);
        Assert.Equal(SettlementOutcomes.Duplicate, duplicate.Outcome);
        Assert.Single(h.ToCustodian);
        Assert.Single(h.InMemory.Instructions);
    }

    [Fact]
    public async Task Affirmed_BeforeCaptureStoredIt_IsRetried()
    {
        var h = new SettlementStageHarness();

        var result = await h.AffirmAsync("T-404");

        Assert.Equal(SettlementDisposition.Retry, result.Disposition);
        Assert.Equal(SettlementInstructionHandler.TradeNotYetStoredReason, result.Reason);
    }

    [Fact]
    public async Task AffirmationOfAnAmendment_ArrivingBeforeTheAmendment_IsRememberedAndInstructedWhenTheAmendmentArrives()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");
        var amended = await h.CaptureAsync("T-1", GrossCounterparty, "buy", "120", version: 2);

        var early = await h.AffirmAsync("T-1", version: 2);
        var amendment = await h.DeliverTradeEventAsync(amended);
        var affirmationAgain = await h.AffirmAsync("T-1", version: 2);
        var amendmentAgain = await h.DeliverTradeEventAsync(amended);

        // Completed, not given back: a retry loop would spend the message's deliveries in milliseconds and dead-letter it
        // whenever the amendment is slower than that (seen in a 10,000-trade day).
        Assert.Equal((SettlementDisposition.Complete, SettlementOutcomes.AwaitingAmendment), (early.Disposition, early.Outcome));
        Assert.Equal(SettlementOutcomes.Instructed, amendment.Outcome);
        Assert.Equal(SettlementOutcomes.Duplicate, affirmationAgain.Outcome);
        Assert.Equal(SettlementOutcomes.Duplicate, amendmentAgain.Outcome);
        var instructions = h.ToCustodian.Where(m => m.Subject == SettlementRules.InstructionSubject).Select(Instruction).ToList();
        Assert.Equal(["100", "120"], instructions.Select(i => i.Quantity));
        var document = await h.Store.GetTradeAsync("T-1", Ct);
        Assert.Equal((TradeSettlementStatus.Instructed, 2L, 2L, (long?)null), (document!.Status, document.Version, document.TermsVersion, document.AffirmedAhead));
    }

    [Theory]
    [InlineData(GrossCounterparty)]
    [InlineData(NettingCounterparty)]
    public async Task AmendmentAndItsAffirmation_InEitherOrder_LeaveTheSameInstructionsMessagesAndState(string counterparty)
    {
        async Task<(string[] Messages, string[] Instructions, TradeSettlementDocument Trade)> RunAsync(bool affirmationFirst)
        {
            var h = new SettlementStageHarness();
            var first = await h.CaptureAsync("T-1", counterparty);
            await h.AffirmAsync("T-1", counterparty: counterparty);
            if (counterparty == NettingCounterparty)
            {
                await h.Instructions.RunNettingAsync(DateOnly.Parse(first.SettlementDate, CultureInfo.InvariantCulture), Ct);
            }

            var amended = await h.CaptureAsync("T-1", counterparty, "buy", "120", version: 2);
            if (affirmationFirst)
            {
                await h.AffirmAsync("T-1", version: 2, counterparty: counterparty);
                await h.DeliverTradeEventAsync(amended);
            }
            else
            {
                await h.DeliverTradeEventAsync(amended);
                await h.AffirmAsync("T-1", version: 2, counterparty: counterparty);
            }

            if (counterparty == NettingCounterparty)
            {
                await h.Instructions.RunNettingAsync(DateOnly.Parse(amended.SettlementDate, CultureInfo.InvariantCulture), Ct);
            }

            var trade = (await h.Store.GetTradeAsync("T-1", Ct))!;
            return ([.. h.Bus.Delivered.Select(m => $"{m.Destination} {m.MessageId} {m.Body}").Order(StringComparer.Ordinal)],
                [.. h.InMemory.Instructions.Select(i => $"{i.InstructionId} {i.Phase} {string.Join(",", i.Trades.Select(t => $"{t.TradeId}v{t.Version}"))}").Order(StringComparer.Ordinal)],
                trade with { ETag = null, RecentInboundMessageIds = [.. trade.RecentInboundMessageIds.Order(StringComparer.Ordinal)] });
        }

        var inOrder = await RunAsync(affirmationFirst: false);
        var overtaken = await RunAsync(affirmationFirst: true);

        Assert.Equal(inOrder.Messages, overtaken.Messages);
        Assert.Equal(inOrder.Instructions, overtaken.Instructions);
        Assert.Equal(inOrder.Trade.Status, overtaken.Trade.Status);
        Assert.Equal((inOrder.Trade.Version, inOrder.Trade.TermsVersion, inOrder.Trade.InstructionId), (overtaken.Trade.Version, overtaken.Trade.TermsVersion, overtaken.Trade.InstructionId));
        Assert.Equal(inOrder.Trade.RecentInboundMessageIds, overtaken.Trade.RecentInboundMessageIds);
        Assert.Null(overtaken.Trade.AffirmedAhead);
    }

    [Fact]
    public async Task AffirmationOfANonEconomicAmendment_ArrivingFirst_KeepsTheInstructionAndIsSpentByTheAmendment()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");
        var v1 = Instruction(Assert.Single(h.ToCustodian));
        var sameTerms = await h.CaptureAsync("T-1", GrossCounterparty, version: 2);

        var early = await h.AffirmAsync("T-1", version: 2);
        var amendment = await h.DeliverTradeEventAsync(sameTerms);

        Assert.Equal(SettlementOutcomes.AwaitingAmendment, early.Outcome);
        Assert.Equal(SettlementOutcomes.VersionUpdated, amendment.Outcome);
        Assert.Equal(v1.InstructionId, Instruction(Assert.Single(h.ToCustodian)).InstructionId);
        var document = await h.Store.GetTradeAsync("T-1", Ct);
        Assert.Equal((TradeSettlementStatus.Instructed, 2L, (long?)null), (document!.Status, document.Version, document.AffirmedAhead));
    }

    [Fact]
    public async Task AffirmationOfALaterAmendment_OutlivesAnEarlierAmendment_AndIsActedOnWhenItsOwnArrives()
    {
        var h = new SettlementStageHarness();
        await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");
        var v2 = await h.CaptureAsync("T-1", GrossCounterparty, "buy", "120", version: 2);
        var v3 = await h.CaptureAsync("T-1", GrossCounterparty, "buy", "130", version: 3);

        var early = await h.AffirmAsync("T-1", version: 3);
        var second = await h.DeliverTradeEventAsync(v2);
        var waiting = await h.Store.GetTradeAsync("T-1", Ct);
        var third = await h.DeliverTradeEventAsync(v3);

        Assert.Equal(SettlementOutcomes.AwaitingAmendment, early.Outcome);
        Assert.Equal(SettlementOutcomes.AwaitingAffirmation, second.Outcome);
        Assert.Equal((TradeSettlementStatus.AwaitingAffirmation, (long?)3), (waiting!.Status, waiting.AffirmedAhead));
        Assert.Equal(SettlementOutcomes.Instructed, third.Outcome);
        Assert.Equal("130", Instruction(h.ToCustodian.Last(m => m.Subject == SettlementRules.InstructionSubject)).Quantity);
    }

    [Fact]
    public async Task Netting_TradesOfOneCounterpartyInstrumentAndDate_NetIntoOneInstructionAtTheRun()
    {
        var h = new SettlementStageHarness();
        var buy = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "100");
        await h.CaptureAsync("T-2", NettingCounterparty, "sell", "30");
        await h.CaptureAsync("T-3", NettingCounterparty, "buy", "5");

        foreach (var id in new[] { "T-1", "T-2", "T-3" })
        {
            Assert.Equal(SettlementOutcomes.AwaitingNetting, (await h.AffirmAsync(id, counterparty: NettingCounterparty)).Outcome);
        }

        Assert.Empty(h.ToCustodian);
        var issued = await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct);
        var again = await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct);

        Assert.Equal(1, issued);
        Assert.Equal(0, again);
        var wire = Instruction(Assert.Single(h.ToCustodian));
        Assert.True(wire.Netted);
        Assert.Equal(["T-1", "T-2", "T-3"], wire.TradeIds);
        Assert.Equal(("RECE", "75"), (wire.Movement, wire.Quantity));
        Assert.Equal(3, h.Events(SettlementEventTypes.InstructionIssued).Count);
        Assert.All(h.InMemory.Trades, t => Assert.Equal((TradeSettlementStatus.Instructed, wire.InstructionId), (t.Status, t.InstructionId)));
    }

    [Fact]
    public async Task Netting_AFinishedRunsInstructions_AreNotSentAgainByLaterRuns_AndGoLiveWithOneWrite()
    {
        var store = new MarkerFaultStore(new InMemorySettlementStore(), failMarkerWrites: 0);
        var h = new SettlementStageHarness(store);
        var buy = await NettingSetAsync(h);

        Assert.Equal(1, await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct));
        Assert.Equal(0, await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct));
        Assert.Equal(0, await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate).AddDays(1), Ct));

        // Published counts every publish call, duplicates included: the later runs sent nothing.
        Assert.Single(h.Bus.Published, m => m.Subject == SettlementRules.InstructionSubject);
        Assert.Equal(2, store.InstructionWrites); // the draft, then live; no clearing write (decision 0066)
        Assert.Equal(3, (await store.GetNettingRunMarkerAsync(Ct))!.CompletedRuns);
    }

    [Fact]
    public async Task Netting_ARunThatDiedBeforeFinishing_HasItsInstructionsSentAgainByTheNextRunOnly()
    {
        var store = new MarkerFaultStore(new InMemorySettlementStore(), failMarkerWrites: 1);
        var h = new SettlementStageHarness(store);
        var buy = await NettingSetAsync(h);
        var through = DateOnly.Parse(buy.SettlementDate);

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Instructions.RunNettingAsync(through, Ct));
        Assert.Null(await store.GetNettingRunMarkerAsync(Ct));
        Assert.Equal(0, await h.Instructions.RunNettingAsync(through, Ct));
        Assert.Equal(0, await h.Instructions.RunNettingAsync(through, Ct));

        // The died run's instruction went out, was sent again (same message id) by the run after it, and never after that.
        var sent = h.Bus.Published.Where(m => m.Subject == SettlementRules.InstructionSubject).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Single(sent.Select(m => m.MessageId).Distinct());
        Assert.Single(h.ToCustodian);
        Assert.Equal(1, Assert.Single(store.InMemoryInstructions).NettingRun);
        Assert.Equal(2, (await store.GetNettingRunMarkerAsync(Ct))!.CompletedRuns);
    }

    private static async Task<TradeEventWire> NettingSetAsync(SettlementStageHarness h)
    {
        var buy = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "100");
        await h.CaptureAsync("T-2", NettingCounterparty, "sell", "30");
        foreach (var id in new[] { "T-1", "T-2" })
        {
            Assert.Equal(SettlementOutcomes.AwaitingNetting, (await h.AffirmAsync(id, counterparty: NettingCounterparty)).Outcome);
        }

        return buy;
    }

    /// <summary>Counts instruction writes and fails the first <c>failMarkerWrites</c> marker writes, as a run dying just before it finishes.</summary>
    private sealed class MarkerFaultStore(InMemorySettlementStore inner, int failMarkerWrites) : ISettlementStore
    {
        private int _failures = failMarkerWrites;

        public int InstructionWrites { get; private set; }

        public IReadOnlyList<SettlementInstructionDocument> InMemoryInstructions => inner.Instructions;

        public Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken) => inner.GetTradeAsync(tradeId, cancellationToken);

        public Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken) => inner.TryWriteTradeAsync(document, expectedETag, cancellationToken);

        public Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken) => inner.GetInstructionAsync(instructionId, cancellationToken);

        public Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken)
        {
            InstructionWrites++;
            return inner.TryWriteInstructionAsync(document, expectedETag, cancellationToken);
        }

        public Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken) => inner.GetNettingRunMarkerAsync(cancellationToken);

        public Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken) =>
            _failures-- > 0 ? throw new InvalidOperationException("The run died before it finished.") : inner.TryWriteNettingRunMarkerAsync(marker, expectedETag, cancellationToken);

        public IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken) => inner.AwaitingNettingAsync(through, cancellationToken);

        public IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken) => inner.DraftInstructionsAsync(cancellationToken);

        public IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken) => inner.OpenInstructionsAsync(cancellationToken);
    }

    [Fact]
    public async Task Netting_TradesThatOffset_SettleByOffsetWithoutAnInstruction()
    {
        var h = new SettlementStageHarness();
        var buy = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "100");
        var sell = await h.CaptureAsync("T-2", NettingCounterparty, "sell", "100");
        if (buy.Net != sell.Net)
        {
            // Commission makes the cash legs differ; then the set still nets to one free-of-securities cash instruction.
            await h.AffirmAsync("T-1", counterparty: NettingCounterparty);
            await h.AffirmAsync("T-2", counterparty: NettingCounterparty);
            await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct);
            Assert.Equal("0", Instruction(Assert.Single(h.ToCustodian)).Quantity);
            return;
        }

        await h.AffirmAsync("T-1", counterparty: NettingCounterparty);
        await h.AffirmAsync("T-2", counterparty: NettingCounterparty);
        await h.Instructions.RunNettingAsync(DateOnly.Parse(buy.SettlementDate), Ct);
        Assert.Empty(h.ToCustodian);
        Assert.Equal(2, h.Events(SettlementEventTypes.TradeSettled).Count);
    }

    [Fact]
    public async Task Netting_AnAmendmentAfterTheRun_CancelsTheSetAndReleasesTheOtherTrades()
    {
        var h = new SettlementStageHarness();
        var first = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "100");
        await h.CaptureAsync("T-2", NettingCounterparty, "buy", "50");
        await h.AffirmAsync("T-1", counterparty: NettingCounterparty);
        await h.AffirmAsync("T-2", counterparty: NettingCounterparty);
        await h.Instructions.RunNettingAsync(DateOnly.Parse(first.SettlementDate), Ct);
        var netted = Instruction(Assert.Single(h.ToCustodian));

        var amended = await h.CaptureAsync("T-1", NettingCounterparty, "buy", "120", version: 2);
        var result = await h.DeliverTradeEventAsync(amended);

        Assert.Equal(SettlementOutcomes.AwaitingAffirmation, result.Outcome);
        var cancellation = h.ToCustodian.Single(m => m.Subject == SettlementRules.CancellationSubject);
        Assert.Equal(netted.InstructionId + "-CANC", cancellation.MessageId);
        Assert.Equal(2, h.Events(SettlementEventTypes.InstructionCancelled).Count);
        Assert.Equal(TradeSettlementStatus.AwaitingNetting, (await h.Store.GetTradeAsync("T-2", Ct))!.Status);

        await h.AffirmAsync("T-1", version: 2, counterparty: NettingCounterparty);
        await h.Instructions.RunNettingAsync(DateOnly.Parse(first.SettlementDate), Ct);
        var renetted = Instruction(h.ToCustodian.Last(m => m.Subject == SettlementRules.InstructionSubject));
        Assert.NotEqual(netted.InstructionId, renetted.InstructionId);
        Assert.Equal("170", renetted.Quantity);
    }

    [Fact]
    public async Task Cancelled_AfterInstruction_SendsTheCancellation()
    {
        var h = new SettlementStageHarness();
        var trade = await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");

        var result = await h.DeliverTradeEventAsync(trade with { EventId = "T-1:2:TradeCancelled", EventType = "TradeCancelled", Version = 2, Status = "Cancelled" });
        var late = await h.AffirmAsync("T-1", messageId: "late-copy");

        Assert.Equal(SettlementOutcomes.Cancelled, result.Outcome);
        Assert.Equal(SettlementOutcomes.Stale, late.Outcome);
        var cancellation = Assert.Single(h.ToCustodian, m => m.Subject == SettlementRules.CancellationSubject);
        Assert.Equal(SettlementRules.CancellationSubject, cancellation.Subject);
        Assert.Equal(SettlementInstructionWire.CancellationKind, Instruction(cancellation).Kind);
    }

    [Fact]
    public async Task Amended_WithoutSettlementChange_KeepsTheInstructionAndMovesItsVersion()
    {
        var h = new SettlementStageHarness();
        var trade = await h.CaptureAsync("T-1", GrossCounterparty);
        await h.AffirmAsync("T-1");

        var result = await h.DeliverTradeEventAsync(trade with { EventId = "T-1:2:TradeAmended", EventType = "TradeAmended", Version = 2, BookId = trade.BookId });

        Assert.Equal(SettlementOutcomes.VersionUpdated, result.Outcome);
        Assert.Single(h.ToCustodian);
        Assert.Equal(2, Assert.Single(h.InMemory.Instructions).Trades[0].Version);
    }

    [Fact]
    public async Task Malformed_OrUnexpectedEvents_AreDeadLetteredWithAReason()
    {
        var h = new SettlementStageHarness();

        var malformed = await h.Instructions.HandleAsync(new InboundMessage("m-1", Encoding.UTF8.GetBytes("{not json"), 1), Ct);
        var unexpected = await h.Instructions.HandleAsync(new InboundMessage("m-2", Encoding.UTF8.GetBytes("""{"eventType":"TradeCaptured"}"""), 1), Ct);

        Assert.Equal((SettlementDisposition.DeadLetter, SettlementInstructionHandler.MalformedEventReason), (malformed.Disposition, malformed.Reason));
        Assert.Equal((SettlementDisposition.DeadLetter, SettlementInstructionHandler.UnexpectedEventReason), (unexpected.Disposition, unexpected.Reason));
    }
}
