using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Capture;

/// <summary>The handler's side effects at its ports, in order, with strict mocks: anything not set up is a failure.</summary>
public sealed class CaptureHandlerTests
{
    private readonly Mock<ITradeStore> _trades = new(MockBehavior.Strict);
    private readonly Mock<IMessagePublisher> _publisher = new(MockBehavior.Strict);
    private readonly Mock<ICaptureArchive> _archive = new(MockBehavior.Strict);
    private readonly MockSequence _sequence = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private CaptureHandler Handler() => new(
        _trades.Object, new InMemoryReferenceDataSource(SampleData.ReferenceData), _publisher.Object, _archive.Object,
        new FakeTimeProvider(SampleData.Now), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);

    [Fact]
    public async Task Capture_WhenNewTradeIsValid_StoresStateWithOutboxThenPublishesReplyAndEventThenArchives_InOneWrite()
    {
        TradeDocument? written = null;
        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _trades.InSequence(_sequence).Setup(t => t.TryWriteAsync(It.Is<TradeDocument>(d => d.Outbox.Count == 2 && d.PendingArchive != null), null, _ct))
            .Callback<TradeDocument, string?, CancellationToken>((d, _, _) => written = d).ReturnsAsync(new StoreWriteResult(true, "e1"));
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Destination == Entities.OmsReplies.Name && m.MessageId == "m-1:reply"), _ct)).Returns(Task.CompletedTask);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Destination == Entities.TradeEvents.Name && m.MessageId == "T-1:1:TradeCaptured"
            && m.ApplicationProperties[CaptureHandler.EventTypeProperty] == "TradeCaptured"), _ct)).Returns(Task.CompletedTask);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.InboundMessageId == "m-1" && e.Outcome == CaptureOutcomeKind.Accepted), _ct))
            .ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-1"), _ct);

        // Decision 0065: no second write clears the outbox (the strict mock would fail on it).
        _trades.Verify(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), It.IsAny<string?>(), _ct), Times.Once);

        Assert.Equal(CaptureOutcomeKind.Accepted, result.Outcome);
        Assert.Equal(MessageDisposition.Complete, result.Disposition);
        Assert.Equal(["m-1"], written!.RecentInboundMessageIds);
        Assert.Equal(new DateOnly(2026, 11, 25), written.State.Trade.SettlementDate);
        _trades.VerifyAll();
        _publisher.VerifyAll();
        _archive.VerifyAll();
    }

    [Fact]
    public async Task Capture_WhenIsinCheckDigitIsWrong_ArchivesThenRepliesRejectedWithoutTouchingTheStoreOrTheEventTopic()
    {
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.Outcome == CaptureOutcomeKind.Rejected && e.ReasonCode == ReasonCode.InvalidIsin), _ct))
            .ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Destination == Entities.OmsReplies.Name && m.Body.Contains("\"reasonCode\":\"InvalidIsin\"", StringComparison.Ordinal)), _ct))
            .Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().With(m => m with { Isin = "US0378331006" }).Inbound("m-2"), _ct);

        Assert.Equal((CaptureOutcomeKind.Rejected, ReasonCode.InvalidIsin), (result.Outcome, result.ReasonCode));
        _publisher.VerifyAll();
    }

    [Fact]
    public async Task Capture_WhenBodyIsNotJson_RejectsWithMalformedMessageWithoutReadingTheStore()
    {
        _archive.Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.ReasonCode == ReasonCode.MalformedMessage), _ct)).ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Destination == Entities.OmsReplies.Name), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(InMemoryCapture.Raw("m-3", "{ not json"), _ct);

        Assert.Equal(ReasonCode.MalformedMessage, result.ReasonCode);
    }

    [Fact]
    public async Task Capture_WhenRedeliveredAfterAnEarlierRejection_RepeatsTheArchivedOutcome()
    {
        // The archive already holds this message's first outcome (say the trade date was still in range then).
        var first = new CaptureArchiveEntry("m-4", SampleData.Now, Array.Empty<byte>(), CaptureOutcomeKind.Duplicate, null, "{\"outcome\":\"duplicate\"}");
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _archive.Setup(a => a.ArchiveAsync(It.IsAny<CaptureArchiveEntry>(), _ct)).ReturnsAsync(first);
        _publisher.Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Body == first.ReplyBody && m.MessageId == "m-4:reply"), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().With(m => m with { Isin = "US0378331006" }).Inbound("m-4", deliveryCount: 2), _ct);

        Assert.Equal(CaptureOutcomeKind.Duplicate, result.Outcome);
    }

    [Fact]
    public async Task Capture_WhenTheStoredDocumentAlreadyHasThisMessage_FinishesItsPendingPublicationAndAnswersNothingNew()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-5"), _ct);
        var stored = capture.Trades.Documents.Single();
        var pending = stored with
        {
            Outbox = [new OutboundMessage(Entities.TradeEvents.Name, "T-1:1:TradeCaptured", "TradeCaptured", "corr-1", new Dictionary<string, string> { [CaptureHandler.EventTypeProperty] = "TradeCaptured" }, "{}")],
        };

        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync(pending);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(pending.Outbox[0], _ct)).Returns(Task.CompletedTask);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(pending.PendingArchive!, _ct)).ReturnsAsync(pending.PendingArchive!);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-5", deliveryCount: 2), _ct);

        Assert.Equal(CaptureOutcomeKind.Accepted, result.Outcome);
        _publisher.VerifyAll();
        _trades.Verify(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), It.IsAny<string?>(), _ct), Times.Never);
    }

    [Fact]
    public async Task Capture_WhenAnotherWriterWinsTheRace_ReReadsAndDecidesAgain()
    {
        var other = new InMemoryCapture();
        await other.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-other"), _ct);
        var winner = other.Trades.Documents.Single() with { Outbox = [], PendingArchive = null };

        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _trades.InSequence(_sequence).Setup(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), null, _ct)).ReturnsAsync(StoreWriteResult.Conflict);
        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync(winner);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.Outcome == CaptureOutcomeKind.Duplicate), _ct)).ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Subject == "duplicate"), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-6"), _ct);

        Assert.Equal(CaptureOutcomeKind.Duplicate, result.Outcome);
    }

    [Fact]
    public async Task Capture_WhenTheStoreFailsBeforeTheLastDelivery_ThrowsSoServiceBusRetries()
    {
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ThrowsAsync(new TimeoutException("store unavailable"));

        await Assert.ThrowsAsync<TimeoutException>(() => Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-7", deliveryCount: 3), _ct));
    }

    [Fact]
    public async Task Capture_WhenTheStoreFailsOnTheLastDelivery_AnswersDeadLetteredAndAsksToDeadLetter()
    {
        var last = Entities.OmsTrades.Properties.MaxDeliveryCount!.Value;
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ThrowsAsync(new TimeoutException("store unavailable"));
        _archive.Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.Outcome == CaptureOutcomeKind.DeadLettered && e.ReasonCode == ReasonCode.DeliveryLimitExceeded), _ct))
            .ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Subject == "deadLettered"), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-8", deliveryCount: last), _ct);

        Assert.Equal((CaptureOutcomeKind.DeadLettered, MessageDisposition.DeadLetter), (result.Outcome, result.Disposition));
    }
}
