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
    public async Task Capture_WhenNewTradeIsValid_StoresStateWithOutboxThenPublishesReplyAndEventThenArchives_InOneWriteAndNoRead()
    {
        // A first version is created without reading the trade first (the strict store mock fails on a read).
        TradeDocument? written = null;
        _archive.InSequence(_sequence).Setup(a => a.FindAsync("m-1", SampleData.Now, _ct)).ReturnsAsync((CaptureArchiveEntry?)null);
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
        // The archive already holds this message's first outcome (say the trade date was still in range then), with its bytes.
        var redelivery = new OmsJsonBuilder().With(m => m with { Isin = "US0378331006" }).Inbound("m-4", deliveryCount: 2);
        var first = new CaptureArchiveEntry("m-4", SampleData.Now, redelivery.Body, CaptureOutcomeKind.Duplicate, null, "{\"outcome\":\"duplicate\"}");
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _archive.Setup(a => a.ArchiveAsync(It.IsAny<CaptureArchiveEntry>(), _ct)).ReturnsAsync(first);
        _publisher.Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Body == first.ReplyBody && m.MessageId == "m-4:reply"), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(redelivery, _ct);

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

        // The crash left the record unarchived, so the first attempt takes the trade for new and its create fails; then the
        // stored document says this message made the change.
        _archive.InSequence(_sequence).Setup(a => a.FindAsync("m-5", SampleData.Now, _ct)).ReturnsAsync((CaptureArchiveEntry?)null);
        _trades.InSequence(_sequence).Setup(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), null, _ct)).ReturnsAsync(StoreWriteResult.Conflict);
        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync(pending);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(pending.Outbox[0], _ct)).Returns(Task.CompletedTask);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(pending.PendingArchive!, _ct)).ReturnsAsync(pending.PendingArchive!);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-5", deliveryCount: 2), _ct);

        Assert.Equal(CaptureOutcomeKind.Accepted, result.Outcome);
        _publisher.VerifyAll();
        _archive.VerifyAll();
        _trades.Verify(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), It.IsNotNull<string?>(), _ct), Times.Never);
        _trades.Verify(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), null, _ct), Times.Once);
    }

    [Fact]
    public async Task Capture_WhenAnotherWriterWinsTheRace_ReReadsAndDecidesAgain()
    {
        var other = new InMemoryCapture();
        await other.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-other"), _ct);
        var winner = other.Trades.Documents.Single() with { Outbox = [], PendingArchive = null };

        _archive.InSequence(_sequence).Setup(a => a.FindAsync("m-6", SampleData.Now, _ct)).ReturnsAsync((CaptureArchiveEntry?)null);
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
        _archive.Setup(a => a.FindAsync("m-7", SampleData.Now, _ct)).ReturnsAsync((CaptureArchiveEntry?)null);
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ThrowsAsync(new TimeoutException("store unavailable"));
        _trades.Setup(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), It.IsAny<string?>(), _ct)).ThrowsAsync(new TimeoutException("store unavailable"));

        await Assert.ThrowsAsync<TimeoutException>(() => Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-7", deliveryCount: 3), _ct));
        await Assert.ThrowsAsync<TimeoutException>(() => Handler().HandleAsync(new OmsJsonBuilder().Version(2).Inbound("m-7b", deliveryCount: 3), _ct));
    }

    [Fact]
    public async Task Capture_WhenTheStoreFailsOnTheLastDelivery_AnswersDeadLetteredAndAsksToDeadLetter()
    {
        var last = Entities.OmsTrades.Properties.MaxDeliveryCount!.Value;
        _archive.Setup(a => a.FindAsync("m-8", SampleData.Now, _ct)).ReturnsAsync((CaptureArchiveEntry?)null);
        _trades.Setup(t => t.GetAsync("T-1", _ct)).ThrowsAsync(new TimeoutException("store unavailable"));
        _trades.Setup(t => t.TryWriteAsync(It.IsAny<TradeDocument>(), It.IsAny<string?>(), _ct)).ThrowsAsync(new TimeoutException("store unavailable"));
        _archive.Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.Outcome == CaptureOutcomeKind.DeadLettered && e.ReasonCode == ReasonCode.DeliveryLimitExceeded), _ct))
            .ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Subject == "deadLettered"), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(new OmsJsonBuilder().Inbound("m-8", deliveryCount: last), _ct);

        Assert.Equal((CaptureOutcomeKind.DeadLettered, MessageDisposition.DeadLetter), (result.Outcome, result.Disposition));
    }

    // Issue 12: a message id reused for another body (decision 0067).

    [Fact]
    public async Task Capture_WhenAValidBodyReusesTheIdOfARejectedMessage_ReadsTheArchiveBeforeWriting_AndDeadLettersItWithoutAStateChange()
    {
        var rejected = new OmsJsonBuilder().With(m => m with { Isin = "US0378331006" }).Inbound("m-9");
        var valid = new OmsJsonBuilder().Inbound("m-9");
        var first = new CaptureArchiveEntry("m-9", SampleData.Now.AddMinutes(-30), rejected.Body, CaptureOutcomeKind.Rejected, ReasonCode.InvalidIsin, "{\"outcome\":\"rejected\"}");
        var reusedId = CaptureHandler.ReusedArchiveId("m-9", CaptureHandler.Sha256Hex(valid.Body.Span));
        _archive.InSequence(_sequence).Setup(a => a.FindAsync("m-9", SampleData.Now, _ct)).ReturnsAsync(first);
        _trades.InSequence(_sequence).Setup(t => t.GetAsync("T-1", _ct)).ReturnsAsync((TradeDocument?)null);
        _archive.InSequence(_sequence).Setup(a => a.ArchiveAsync(It.Is<CaptureArchiveEntry>(e => e.InboundMessageId == reusedId && e.Outcome == CaptureOutcomeKind.DeadLettered
            && e.ReasonCode == ReasonCode.MessageIdReused && e.Body.ToArray().SequenceEqual(valid.Body.ToArray())), _ct)).ReturnsAsync((CaptureArchiveEntry e, CancellationToken _) => e);
        _publisher.InSequence(_sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.Destination == Entities.OmsReplies.Name && m.MessageId == reusedId + ":reply"
            && m.Subject == "deadLettered" && m.Body.Contains("\"reasonCode\":\"MessageIdReused\"", StringComparison.Ordinal)), _ct)).Returns(Task.CompletedTask);

        var result = await Handler().HandleAsync(valid, _ct);

        // The strict store mock fails on any write: nothing was applied.
        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused, MessageDisposition.DeadLetter), (result.Outcome, result.ReasonCode, result.Disposition));
        Assert.Contains("m-9", result.Description, StringComparison.Ordinal);
        Assert.Contains(CaptureHandler.Sha256Hex(rejected.Body.Span), result.Description, StringComparison.Ordinal);
        Assert.Contains(CaptureHandler.Sha256Hex(valid.Body.Span), result.Description, StringComparison.Ordinal);
        Assert.NotEqual(CaptureHandler.ReplyMessageId("m-9"), CaptureHandler.ReplyMessageId(reusedId));
        _archive.VerifyAll();
        _publisher.VerifyAll();
    }

    [Fact]
    public async Task Capture_WhenAValidBodyReusesTheIdOfARejectedMessage_IsNotApplied_AndTheFirstRecordStaysAsItWas()
    {
        var store = new ServerlessBackOffice.Pipeline.Archive.InMemoryArchiveStore();
        var archive = new ArchiveCaptureArchive(store, NullLogger<ArchiveCaptureArchive>.Instance);
        var capture = new InMemoryCapture(archive: archive);
        var rejected = new OmsJsonBuilder().With(m => m with { Isin = "US0378331006" }).Inbound("m-10");
        Assert.Equal(ReasonCode.InvalidIsin, (await capture.Handler.HandleAsync(rejected, _ct)).ReasonCode);
        var day = new DateOnly(2026, 11, 24);
        var firstRecord = await RecordAsync(store, day, ArchiveCaptureArchive.RecordName("m-10"));
        var firstIndex = await RecordAsync(store, day, ArchiveCaptureArchive.RejectionIndexName("m-10"));

        // Beyond the queue's duplicate detection window, the OMS sends the corrected trade under the same id.
        capture.Clock.Advance(TimeSpan.FromMinutes(30));
        var valid = new OmsJsonBuilder().Inbound("m-10");
        var result = await capture.Handler.HandleAsync(valid, _ct);

        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused, MessageDisposition.DeadLetter), (result.Outcome, result.ReasonCode, result.Disposition));
        Assert.Empty(capture.Trades.Documents);
        Assert.DoesNotContain(capture.Publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        Assert.Equal(firstRecord, await RecordAsync(store, day, ArchiveCaptureArchive.RecordName("m-10")));
        Assert.Equal(firstIndex, await RecordAsync(store, day, ArchiveCaptureArchive.RejectionIndexName("m-10")));
        var reusedId = CaptureHandler.ReusedArchiveId("m-10", CaptureHandler.Sha256Hex(valid.Body.Span));
        var reused = ArchiveCaptureArchive.Parse(await RecordAsync(store, day, ArchiveCaptureArchive.RecordName(reusedId)));
        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused), (reused.Outcome, reused.ReasonCode));
        Assert.Equal(valid.Body.ToArray(), reused.Body.ToArray());
        Assert.NotNull(await RecordAsync(store, day, ArchiveCaptureArchive.RejectionIndexName(reusedId)));

        // Two answers, under two reply ids: duplicate detection drops neither.
        var replies = capture.Publisher.Delivered.Where(m => m.Destination == Entities.OmsReplies.Name).ToList();
        Assert.Equal([CaptureHandler.ReplyMessageId("m-10"), CaptureHandler.ReplyMessageId(reusedId)], replies.Select(m => m.MessageId));
        var answer = System.Text.Json.JsonSerializer.Deserialize(replies[1].Body, CaptureJsonContext.Default.OmsReply)!;
        Assert.Equal(("m-10", "deadLettered", "MessageIdReused"), (answer.InboundMessageId, answer.Outcome, answer.ReasonCode));
    }

    [Fact]
    public async Task Capture_WhenAnAmendReusesTheIdOfTheAcceptedNew_DeadLettersIt_AndTheTradeKeepsItsFirstVersion()
    {
        var capture = new InMemoryCapture();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-11"), _ct)).Outcome);
        var before = capture.Archive.Entries.Single();

        var amend = new OmsJsonBuilder().Version(2).With(m => m with { Quantity = "150" }).Inbound("m-11");
        var result = await capture.Handler.HandleAsync(amend, _ct);

        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused, MessageDisposition.DeadLetter), (result.Outcome, result.ReasonCode, result.Disposition));
        var trade = Assert.Single(capture.Trades.Documents);
        Assert.Equal((1L, 100m), (trade.State.Version, trade.State.Trade.Terms.Quantity));
        Assert.Single(capture.Publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        Assert.Same(before, capture.Archive.Entries.Single(e => e.InboundMessageId == "m-11"));
        Assert.Equal(new CaptureTally(1, 0, 0, 0, 1), capture.Tally());
    }

    [Fact]
    public async Task Capture_WhenAnotherTradeReusesTheIdOfAnAcceptedMessage_DeadLettersIt_AndCreatesNoTrade()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-12"), _ct);

        var result = await capture.Handler.HandleAsync(new OmsJsonBuilder().With(m => m with { TradeId = "T-2" }).Inbound("m-12"), _ct);

        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused), (result.Outcome, result.ReasonCode));
        Assert.Equal("T-1", Assert.Single(capture.Trades.Documents).TradeId);
        Assert.Equal(new CaptureTally(1, 0, 0, 0, 1), capture.Tally());
    }

    [Fact]
    public async Task Capture_WhenAReusedIdIsRedelivered_ItKeepsItsFirstOutcome_WithNoNewRecordAndNoNewAnswer()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(InMemoryCapture.Raw("m-13", "not json"), _ct);
        var valid = new OmsJsonBuilder().Inbound("m-13");
        var first = await capture.Handler.HandleAsync(valid, _ct);
        var entries = capture.Archive.Entries.OrderBy(e => e.InboundMessageId, StringComparer.Ordinal).ToList();
        var delivered = capture.Publisher.Delivered.Count;

        var again = await capture.Handler.HandleAsync(valid with { DeliveryCount = 2 }, _ct);
        capture.Clock.Advance(TimeSpan.FromHours(2));
        var later = await capture.Handler.HandleAsync(valid with { DeliveryCount = 3 }, _ct);

        Assert.Equal(first, again);
        Assert.Equal(first, later);
        Assert.Equal(entries, capture.Archive.Entries.OrderBy(e => e.InboundMessageId, StringComparer.Ordinal));
        Assert.Equal(delivered, capture.Publisher.Delivered.Count);
        Assert.Empty(capture.Trades.Documents);
        Assert.Equal(new CaptureTally(0, 0, 0, 1, 1), capture.Tally());
    }

    [Fact]
    public async Task Capture_WhenTheSameBytesAreRedeliveredAfterTheyWereRejected_KeepTheRejection_EvenIfTheyWouldNowBeAccepted()
    {
        var capture = new InMemoryCapture();
        var tomorrow = new OmsJsonBuilder().With(m => m with { TradeDate = "2026-11-25", ExecutionTimestamp = "2026-11-25T15:30:00.000Z" }).Inbound("m-14");
        Assert.Equal(ReasonCode.TradeDateInFuture, (await capture.Handler.HandleAsync(tomorrow, _ct)).ReasonCode);

        capture.Clock.Advance(TimeSpan.FromDays(1));
        var redelivered = await capture.Handler.HandleAsync(tomorrow with { DeliveryCount = 2 }, _ct);

        Assert.Equal((CaptureOutcomeKind.Rejected, ReasonCode.TradeDateInFuture), (redelivered.Outcome, redelivered.ReasonCode));
        Assert.Empty(capture.Trades.Documents);
        Assert.Single(capture.Publisher.Delivered, m => m.Destination == Entities.OmsReplies.Name);
    }

    [Fact]
    public async Task Capture_WhenTheStoredDocumentListsTheIdButNoLongerHoldsItsBody_ComparesWithTheArchive()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-15"), _ct);
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Version(2).With(m => m with { Quantity = "150" }).Inbound("m-16"), _ct);

        var redelivery = await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-15", deliveryCount: 2), _ct);
        var reuse = await capture.Handler.HandleAsync(new OmsJsonBuilder().Version(3).With(m => m with { Quantity = "175" }).Inbound("m-15"), _ct);

        Assert.Equal((CaptureOutcomeKind.Accepted, MessageDisposition.Complete), (redelivery.Outcome, redelivery.Disposition));
        Assert.Equal((CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused), (reuse.Outcome, reuse.ReasonCode));
        Assert.Equal(2L, Assert.Single(capture.Trades.Documents).State.Version);
    }

    private async Task<byte[]> RecordAsync(ServerlessBackOffice.Pipeline.Archive.InMemoryArchiveStore store, DateOnly day, string name)
    {
        await using var stream = await store.OpenAsync(day, name, _ct) ?? throw new Xunit.Sdk.XunitException($"No record {day:yyyy-MM-dd}/{name}.");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, _ct);
        return copy.ToArray();
    }
}
