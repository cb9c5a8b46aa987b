using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Capture;

/// <summary>Capture end to end over the in-memory adapters: reordering, redelivery, crashes and the accounting identity.</summary>
public sealed class CaptureFlowTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Capture_AmendBeforeNew_AppliesTheAmendAndAnswersTheLateNewAsStale()
    {
        var capture = new InMemoryCapture();
        var amend = await capture.Handler.HandleAsync(new OmsJsonBuilder().Version(2).With(m => m with { Quantity = "150" }).Inbound("m-2"), _ct);
        var late = await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-1"), _ct);

        Assert.Equal(CaptureOutcomeKind.Accepted, amend.Outcome);
        Assert.Equal(CaptureOutcomeKind.Stale, late.Outcome);
        Assert.Equal(150m, capture.Trades.Documents.Single().State.Trade.Terms.Quantity);
    }

    [Fact]
    public async Task Capture_PublishesTheFullTradeWithDecimalStringsFeeSourcesAndTheRoundingRule()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().With(m => m with { Isin = "GB0005405286", Mic = "XLON", Currency = "GBP", Account = "ACC-UK-001", Quantity = "10000", Price = "9.874", CorrelationId = "corr-uk" }).Inbound("m-uk"), _ct);

        var published = Assert.Single(capture.Publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        var tradeEvent = System.Text.Json.JsonSerializer.Deserialize(published.Body, CaptureJsonContext.Default.TradeEventWire)!;

        Assert.Equal(("TradeCaptured", "corr-uk", "corr-uk"), (published.Subject, published.CorrelationId, tradeEvent.CorrelationId));
        Assert.Equal("98740.00", tradeEvent.Gross);
        Assert.Equal("98.74", tradeEvent.Commission); // PB-10BP: 10 bp of 98,740
        var sdrt = Assert.Single(tradeEvent.Fees);
        Assert.Equal(("UK_SDRT", "493.70"), (sdrt.Code, sdrt.Amount)); // 0.5% of 98,740
        Assert.Contains("Finance Act 1986", sdrt.Source, StringComparison.Ordinal);
        Assert.Equal(98_740.00m + 98.74m + 493.70m, decimal.Parse(tradeEvent.Net, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("2026-11-26", "LDN-CASH", "HPFHU0OQ28E4N0NFVK49"), (tradeEvent.SettlementDate, tradeEvent.BookId, tradeEvent.CustodianLei)); // T+2 in CREST
        Assert.Equal(Domain.Trading.MoneyRounding.RuleName, tradeEvent.RoundingRule);
    }

    [Fact]
    public async Task Capture_SameVersionResentWithDifferentContent_IsRejectedAsAConflict()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-1"), _ct);
        var resent = await capture.Handler.HandleAsync(new OmsJsonBuilder().With(m => m with { Price = "187.26" }).Inbound("m-1b"), _ct);
        var same = await capture.Handler.HandleAsync(new OmsJsonBuilder().With(m => m with { CorrelationId = "corr-resend" }).Inbound("m-1c"), _ct);

        Assert.Equal(ReasonCode.VersionConflict, resent.ReasonCode);
        Assert.Equal(CaptureOutcomeKind.Duplicate, same.Outcome);
    }

    [Fact]
    public async Task Capture_WhenTheProcessDiesAfterTheStateWrite_TheRedeliveryPublishesExactlyOnceAndKeepsOneOutcome()
    {
        var failing = new FailOncePublisher();
        var capture = new InMemoryCapture(publisher: failing);
        var inbound = new OmsJsonBuilder().Inbound("m-1");

        await Assert.ThrowsAsync<TimeoutException>(() => capture.Handler.HandleAsync(inbound, _ct));
        Assert.True(capture.Trades.Documents.Single().HasPendingWork); // state stored, publication pending
        Assert.Empty(capture.Archive.Entries);

        var redelivered = await capture.Handler.HandleAsync(inbound with { DeliveryCount = 2 }, _ct);

        Assert.Equal(CaptureOutcomeKind.Accepted, redelivered.Outcome);
        Assert.Single(capture.Archive.Entries);
        Assert.Single(failing.Inner.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        Assert.Single(failing.Inner.Delivered, m => m.Destination == Entities.OmsReplies.Name);
        Assert.Equal(new CaptureTally(1, 0, 0, 0, 0), capture.Tally());
    }

    [Fact]
    public async Task Capture_APendingPublicationIsFinishedBeforeTheNextVersionIsDecided_SoEventsLeaveInVersionOrder()
    {
        var failing = new FailOncePublisher();
        var capture = new InMemoryCapture(publisher: failing);
        await Assert.ThrowsAsync<TimeoutException>(() => capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-1"), _ct));

        await capture.Handler.HandleAsync(new OmsJsonBuilder().Version(2).Inbound("m-2"), _ct);

        var events = failing.Inner.Delivered.Where(m => m.Destination == Entities.TradeEvents.Name).Select(m => m.MessageId);
        Assert.Equal(["T-1:1:TradeCaptured", "T-1:2:TradeAmended"], events);
    }

    [Fact]
    public async Task Capture_CancelAfterSettlement_IsRejectedWithItsOwnCode()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-1"), _ct);
        var stored = capture.Trades.Documents.Single();
        await capture.Trades.TryWriteAsync(stored with { State = stored.State with { Status = TradeStatus.Settled } }, stored.ETag, _ct);

        var cancel = await capture.Handler.HandleAsync(new OmsJsonBuilder().Version(2, "cancel").Inbound("m-2"), _ct);

        Assert.Equal(ReasonCode.CancelAfterSettlement, cancel.ReasonCode);
    }

    [Fact]
    public void AnyArrivalOrderWithRedeliveries_EndsOnTheHighestVersion_PublishesEachStateChangeOnce_AndBalancesTheTally()
    {
        var scenarios = Gen.Choose(1, 5).SelectMany(versions => Gen.Choose(0, int.MaxValue).Select(seed => (versions, seed))).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(scenarios, s => Run(s.versions, s.seed).GetAwaiter().GetResult()));
    }

    private async Task<bool> Run(int versions, int seed)
    {
        var random = new Random(seed);
        var capture = new InMemoryCapture();
        var cancelLast = versions > 1 && random.Next(2) == 0;
        var messages = Enumerable.Range(1, versions)
            .Select(v => new OmsJsonBuilder().Version(v, v == versions && cancelLast ? "cancel" : "amend").With(m => m with { Quantity = (100 + v).ToString(System.Globalization.CultureInfo.InvariantCulture) }).Inbound($"m-{v}"))
            .ToList();

        // The OMS sometimes resends a version under a new message id, and Service Bus sometimes redelivers the same message.
        var resends = messages.Where(_ => random.Next(4) == 0).Select(m => m with { MessageId = m.MessageId + "-resend" }).ToList();
        var stream = messages.Concat(resends).ToList();
        stream.AddRange(stream.Where(_ => random.Next(3) == 0).Select(m => m with { DeliveryCount = 2 }).ToList());
        var shuffled = stream.OrderBy(_ => random.Next()).ToList();

        foreach (var inbound in shuffled)
        {
            await capture.Handler.HandleAsync(inbound, _ct);
        }

        var published = shuffled.Select(m => m.MessageId).Distinct().Count();
        var tally = capture.Tally();
        var events = capture.Publisher.Delivered.Where(m => m.Destination == Entities.TradeEvents.Name).ToList();
        var replies = capture.Publisher.Delivered.Where(m => m.Destination == Entities.OmsReplies.Name).ToList();
        var final = capture.Trades.Documents.Single();

        return final.State.Version == versions
            && tally.Total == published
            && replies.Count == published
            && events.Count == tally.Accepted
            && events.Select(e => e.MessageId).Distinct().Count() == events.Count;
    }

    /// <summary>Fails the first event publication, as a process dying between the state write and the publish would.</summary>
    private sealed class FailOncePublisher : IMessagePublisher
    {
        private bool _failed;

        public InMemory.InMemoryMessagePublisher Inner { get; } = new();

        public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            if (!_failed && message.Destination == Entities.TradeEvents.Name)
            {
                _failed = true;
                throw new TimeoutException("Service Bus unavailable");
            }

            return Inner.PublishAsync(message, cancellationToken);
        }
    }
}
