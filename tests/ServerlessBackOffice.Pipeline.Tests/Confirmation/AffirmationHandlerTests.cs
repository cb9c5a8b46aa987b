using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Confirmation;

/// <summary>The affirmation handler: matching within tolerance, held affirmations, and one outcome whatever the delivery order.</summary>
public sealed class AffirmationHandlerTests
{
    private readonly ConfirmationStageHarness _stage = new();

    [Fact]
    public async Task MatchingAffirmation_PublishesTradeAffirmedByTheFixedContract()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        _stage.Clock.Advance(TimeSpan.FromMinutes(5));

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
        var affirmed = Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
        Assert.Equal(("T-1:1:TradeAffirmed", "TradeAffirmed", "CORR-T-1"), (affirmed.MessageId, affirmed.Subject, affirmed.CorrelationId));
        using var body = JsonDocument.Parse(affirmed.Body);
        var root = body.RootElement;
        Assert.Equal(
            ["eventId", "eventType", "tradeId", "version", "counterpartyLei", "affirmationId", "affirmedAt", "correlationId"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("version").ValueKind);
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("AFF-1", root.GetProperty("affirmationId").GetString());
        Assert.Equal("2026-11-24T21:05:00.0000000Z", root.GetProperty("affirmedAt").GetString());
        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, (await _stage.InboundRecordAsync("MSG-AFF-1"))!.Outcome);

        // The Cosmos budget of the stage: one write for the confirmation, one for the affirmation.
        Assert.Equal(2, _stage.Store.Writes);
        Assert.Single(_stage.ToCounterparty);
    }

    [Fact]
    public async Task Affirmation_StartsFromTheConfirmationThisInstanceWrote_WithoutARead()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        // Decision 0075: the confirmation was created without a read and the affirmation starts from it; nothing published
        // twice (the confirmation is not sent again before the affirmation's write).
        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
        Assert.Equal((0, 2), (_stage.Store.Reads, _stage.Store.Writes));
        Assert.Equal(_stage.Bus.Delivered.Count, _stage.Bus.Published.Count);
    }

    [Fact]
    public async Task Affirmation_WhenAnotherInstanceChangedTheDocument_ReadsItAndAffirmsOnTopOfIt()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        var stored = await _stage.DocumentAsync();
        var moved = await _stage.Store.TryWriteAsync(stored with { Notes = [.. stored.Notes, "written by another instance"] }, stored.ETag, ConfirmationStageHarness.Ct);
        Assert.True(moved.Written);

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
        var document = await _stage.DocumentAsync();
        Assert.Equal(ConfirmationStatus.Affirmed, document.Status);
        Assert.Contains("written by another instance", document.Notes);
        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
    }

    [Fact]
    public async Task PriceWithinTheCounterpartysTolerance_Affirms()
    {
        // Goldman Sachs International tolerates 1 basis point on price: 0.023 on 230.10.
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade) with { Price = "230.12", NetAmount = "23022.00" });

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
    }

    [Fact]
    public async Task MismatchedAffirmation_PublishesEveryDiscrepancy()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade) with { Price = "230.50", Quantity = "101", NetAmount = "23300.00" });

        Assert.Equal(ConfirmationRules.Outcomes.Mismatched, result.Outcome);
        var mismatch = Assert.Single(_stage.Events(ConfirmationRules.TradeMismatched));
        Assert.Equal("T-1:1:TradeMismatched:AFF-1", mismatch.MessageId);
        var wire = JsonSerializer.Deserialize(mismatch.Body, ConfirmationJsonContext.Default.TradeMismatchedWire)!;
        Assert.Equal(["quantity", "price", "netAmount"], wire.Discrepancies.Select(d => d.Field));
        Assert.Equal(("230.10", "230.50"), (wire.Discrepancies[1].Ours, wire.Discrepancies[1].Theirs));
        Assert.Empty(_stage.Events(ConfirmationRules.TradeAffirmed));
        Assert.Equal(ConfirmationStatus.Mismatched, (await _stage.DocumentAsync()).Status);
    }

    [Fact]
    public async Task CorrectedAffirmationAfterAMismatch_Affirms()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-wrong") with { Quantity = "10" });

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-right"));

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
    }

    [Fact]
    public async Task Redelivery_RepeatsNothing()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        var again = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        Assert.Equal(ConfirmationRules.Outcomes.AlreadyApplied, again.Outcome);
        Assert.Equal(2, _stage.Store.Writes);
        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
    }

    [Fact]
    public async Task DuplicateWithAnotherIdForAnAffirmedTrade_ChangesNothing()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-1"));

        var duplicate = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-2") with { Quantity = "999" });

        Assert.Equal((ConfirmationRules.Outcomes.Duplicate, "AlreadyAffirmed"), (duplicate.Outcome, duplicate.Reason));
        Assert.Equal(MessageDisposition.Complete, duplicate.Disposition);
        Assert.Equal(ConfirmationStatus.Affirmed, (await _stage.DocumentAsync()).Status);
        Assert.Empty(_stage.Events(ConfirmationRules.TradeMismatched));
        Assert.Equal(ConfirmationRules.Outcomes.Duplicate, (await _stage.InboundRecordAsync("MSG-AFF-2"))!.Outcome);
    }

    [Fact]
    public async Task AffirmationOfAnOlderVersion_IsStaleAndRecorded()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());
        var amended = ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "120", net: "27611.51");
        await _stage.Deliver(amended);

        var stale = await _stage.Deliver(ConfirmationSamples.AffirmationOf(ConfirmationSamples.TradeEvent()));

        Assert.Equal((ConfirmationRules.Outcomes.Stale, "StaleVersion"), (stale.Outcome, stale.Reason));
        Assert.Empty(_stage.Events(ConfirmationRules.TradeAffirmed));
        var record = await _stage.InboundRecordAsync("MSG-AFF-1");
        Assert.Equal(("stale", "StaleVersion"), (record!.Outcome, record.Reason));
    }

    [Fact]
    public async Task AffirmationBeforeTheTrade_IsHeldAndMatchedWhenTheConfirmationIsBuilt()
    {
        var trade = ConfirmationSamples.TradeEvent();

        var held = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));
        Assert.Equal(ConfirmationRules.Outcomes.Held, held.Outcome);
        Assert.Single((await _stage.DocumentAsync()).Held);
        Assert.Empty(_stage.Events(ConfirmationRules.TradeAffirmed));

        await _stage.Deliver(trade);

        Assert.Single(_stage.Events(ConfirmationRules.TradeAffirmed));
        var document = await _stage.DocumentAsync();
        Assert.Equal((ConfirmationStatus.Affirmed, 0), (document.Status, document.Held.Count));
        Assert.Equal(ConfirmationRules.Outcomes.Held, (await _stage.InboundRecordAsync("MSG-AFF-1"))!.Outcome);
    }

    [Fact]
    public async Task AffirmationOfACancelledTrade_IsStale()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeCancelled", status: "Cancelled"));

        var result = await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        Assert.Equal((ConfirmationRules.Outcomes.Stale, "TradeCancelled"), (result.Outcome, result.Reason));
    }

    [Fact]
    public async Task AffirmedTradeAmendedWithoutEconomicChange_IsAffirmedAtTheNewVersionToo()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        await _stage.Deliver(ConfirmationSamples.AffirmationOf(trade));

        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", book: "US-EQ-2"));

        Assert.Equal(["T-1:1:TradeAffirmed", "T-1:2:TradeAffirmed"], _stage.Events(ConfirmationRules.TradeAffirmed).Select(m => m.MessageId));
    }

    [Theory]
    [InlineData("""{"schemaVersion":1}""", AffirmationParser.MalformedReason)]
    [InlineData("not json", AffirmationParser.MalformedReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":100,"price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.MalformedReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"100","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51","extra":"x"}""", AffirmationParser.MalformedReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"1,000","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K5","isin":"US0378331005","side":"Buy","quantity":"100","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"buy","quantity":"100","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":2,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"100","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.UnsupportedVersionReason)]
    [InlineData("""{"schemaVersion":1,"affirmationId":"A","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"100","price":"230.10","currency":"USD","tradeDate":"24/11/2026","settlementDate":"2026-11-25","netAmount":"23021.51"}""", AffirmationParser.InvalidFieldReason)]
    public async Task AffirmationBreakingTheContract_IsDeadLetteredAndArchivedWithTheReason(string body, string reason)
    {
        var result = await _stage.DeliverAffirmationBody(body, "M-bad");

        Assert.Equal((MessageDisposition.DeadLetter, reason), (result.Disposition, result.Reason));
        var record = await _stage.InboundRecordAsync("M-bad");
        Assert.Equal((ConfirmationRules.Outcomes.DeadLettered, reason, body), (record!.Outcome, record.Reason, record.Body));
        Assert.Equal(0, _stage.Store.Writes);
    }

    [Fact]
    public async Task ValidSample_ParsesAgainstTheParserAndTheSchema()
    {
        // The same body is valid for the JSON Schema in docs/contracts and for the parser: the two never drift apart.
        var body = ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(ConfirmationSamples.TradeEvent()) with { Comment = "ok" });
        var schema = Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "affirmation-v1.schema.json"));

        var evaluation = schema.Evaluate(JsonDocument.Parse(body).RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });

        Assert.True(evaluation.IsValid);
        Assert.Null(AffirmationParser.Parse(body).Problem);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task HappyPath_SideEffectsInOrder_ReadDecideWriteArchivePublish()
    {
        var trade = ConfirmationSamples.TradeEvent();
        var confirmed = ConfirmationSamples.Confirmed() with { ETag = "etag-1", Outbox = [], PendingArchive = [] };
        var sequence = new MockSequence();
        var store = new Mock<IConfirmationStore>(MockBehavior.Strict);
        var archive = new Mock<IArchiveStore>(MockBehavior.Strict);
        var publisher = new Mock<IMessagePublisher>(MockBehavior.Strict);
        store.InSequence(sequence).Setup(s => s.GetAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(confirmed);
        store.InSequence(sequence).Setup(s => s.TryWriteAsync(It.Is<ConfirmationDocument>(d => d.Status == ConfirmationStatus.Affirmed), "etag-1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new StoreWriteResult(true, "etag-2"));
        archive.InSequence(sequence).Setup(a => a.WriteAsync(It.Is<ArchiveRecord>(r => r.Name == "inbound/affirmations-in/M-1.json"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ArchiveWriteResult.Written);
        publisher.InSequence(sequence).Setup(p => p.PublishAsync(It.Is<OutboundMessage>(m => m.MessageId == "T-1:1:TradeAffirmed"), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);
        var handler = new AffirmationHandler(store.Object, new InMemoryReferenceDataSource(SampleData.ReferenceData),
            new ConfirmationOutbox(publisher.Object, archive.Object, NullLogger<ConfirmationOutbox>.Instance), new FakeTimeProvider(ConfirmationSamples.Now),
            NullLogger<AffirmationHandler>.Instance);

        var result = await handler.HandleAsync(new InboundMessage("M-1", ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(trade)), 1), ConfirmationStageHarness.Ct);

        Assert.Equal(ConfirmationRules.Outcomes.Affirmed, result.Outcome);
        store.VerifyAll();
        archive.VerifyAll();
        publisher.VerifyAll();
    }

    [Fact]
    public async Task WhenTheStoreFailsTransiently_TheHandlerThrowsSoTheMessageIsRetried()
    {
        var store = new Mock<IConfirmationStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("T-1", It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("Cosmos timed out"));
        var handler = new AffirmationHandler(store.Object, new InMemoryReferenceDataSource(SampleData.ReferenceData),
            new ConfirmationOutbox(Mock.Of<IMessagePublisher>(MockBehavior.Strict), Mock.Of<IArchiveStore>(MockBehavior.Strict), NullLogger<ConfirmationOutbox>.Instance),
            new FakeTimeProvider(ConfirmationSamples.Now), NullLogger<AffirmationHandler>.Instance);

        await Assert.ThrowsAsync<TimeoutException>(() =>
            handler.HandleAsync(new InboundMessage("M-1", ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(ConfirmationSamples.TradeEvent())), 1), ConfirmationStageHarness.Ct));
    }

    /// <summary>
    /// The invariant: whatever order the trade event and its affirmations arrive in, and however often each is redelivered,
    /// the trade ends affirmed, exactly one TradeAffirmed leaves, and every affirmation message has exactly one archived outcome.
    /// </summary>
    [Fact]
    public void AnyDeliveryOrderWithRedeliveries_EndsAffirmedWithOneTradeAffirmed()
    {
        var trade = ConfirmationSamples.TradeEvent();
        var deliveries = new List<Func<ConfirmationStageHarness, Task>>
        {
            s => s.Deliver(trade),
            s => s.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-wrong") with { Price = "250.00" }),
            s => s.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-right")),
            s => s.Deliver(ConfirmationSamples.AffirmationOf(trade, "AFF-again")),
        };

        var orders = Gen.Shuffle(Enumerable.Range(0, deliveries.Count).Concat(Enumerable.Range(0, deliveries.Count)).ToArray()).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(orders, order =>
        {
            var stage = new ConfirmationStageHarness();
            foreach (var index in order)
            {
                deliveries[index](stage).GetAwaiter().GetResult();
            }

            var document = stage.DocumentAsync().GetAwaiter().GetResult();
            var inbound = new[] { "AFF-wrong", "AFF-right", "AFF-again" }.Select(id => stage.InboundRecordAsync("MSG-" + id).GetAwaiter().GetResult()).ToList();
            return document.Status == ConfirmationStatus.Affirmed
                && stage.Events(ConfirmationRules.TradeAffirmed).Count == 1
                && stage.ToCounterparty.Count == 1
                && inbound.All(r => r is not null);
        }));
    }
}
