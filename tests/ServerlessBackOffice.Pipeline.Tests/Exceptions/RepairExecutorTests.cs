using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Tests.Confirmation;
using ServerlessBackOffice.Pipeline.Tests.Reconciliation;
using ServerlessBackOffice.Topology;
using static ServerlessBackOffice.Pipeline.Tests.Reconciliation.ReconciliationHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Exceptions;

/// <summary>Each repair path, proposed by one person and approved by another, through the stage's own ports.</summary>
public sealed class RepairExecutorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _clock = new(SampleData.Now);
    private readonly InMemoryRepairStore _repairs = new();
    private readonly InMemoryArchiveStore _archive = new();

    private RepairService Service(IRepairExecutor executor) => RepairServiceTests.Service(_repairs, _archive, _clock, executor);

    private async Task<RepairResult> ProposeAndApproveAsync(RepairService service, RepairKind kind, string caseId, string after)
    {
        var proposed = await service.ProposeAsync(kind, caseId, after, "operations ticket OPS-1", "alice", Ct);
        Assert.True(proposed.Outcome == RepairOutcome.Proposed, proposed.Description);
        return await service.ApproveAsync(proposed.Repair!.RepairId, "bob", "checked", Ct);
    }

    [Fact]
    public async Task ResubmitMessage_PublishesTheCorrectedBodyOnceToTheQueue_KeepsTheOriginalBesideIt_AndEmptiesTheDeadLetter()
    {
        var queues = new InMemoryDeadLetterQueues([Entities.AffirmationsInbound.Name]);
        var dead = queues.Add(ExceptionsViewTests.DeadLetter(Entities.AffirmationsInbound.Name, "MSG-1", "{\"broken\":"));
        var bus = new Mock<IMessagePublisher>(MockBehavior.Strict);
        var published = new List<OutboundMessage>();
        bus.Setup(b => b.PublishAsync(It.IsAny<OutboundMessage>(), It.IsAny<CancellationToken>())).Callback((OutboundMessage m, CancellationToken _) => published.Add(m)).Returns(Task.CompletedTask);
        var service = Service(new ResubmitMessageExecutor(queues, bus.Object, _archive, _clock));

        var result = await ProposeAndApproveAsync(service, RepairKind.ResubmitMessage, dead.CaseId, "{\"fixed\":true}");
        var again = await service.ApproveAsync(result.Repair!.RepairId, "carol", null, Ct);

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        Assert.Equal(RepairOutcome.AlreadyExecuted, again.Outcome);
        var message = Assert.Single(published);
        Assert.Equal(Entities.AffirmationsInbound.Name, message.Destination);
        Assert.Equal($"MSG-1~{result.Repair.RepairId}", message.MessageId);
        Assert.Equal("{\"fixed\":true}", message.Body);
        Assert.Equal("MSG-1", message.ApplicationProperties[ResubmitMessageExecutor.ResubmittedFromProperty]);
        Assert.Equal("C-1", message.CorrelationId);
        Assert.Empty(await queues.PeekAsync(Entities.AffirmationsInbound.Name, 10, Ct));
        var original = await ArchivedTextAsync(RepairService.RecordName(result.Repair.RepairId, "original-message"));
        Assert.Equal("{\"broken\":", JsonDocument.Parse(original).RootElement.GetProperty("body").GetString());
        Assert.Equal("{\"fixed\":true}", await ArchivedTextAsync(RepairService.RecordName(result.Repair.RepairId, "resubmitted-body")));
    }

    [Fact]
    public async Task ResubmitMessage_WithoutACorrection_PublishesTheOriginalBody()
    {
        var queues = new InMemoryDeadLetterQueues([Entities.OmsTrades.Name]);
        var dead = queues.Add(ExceptionsViewTests.DeadLetter(Entities.OmsTrades.Name, "MSG-2", "{\"as\":\"is\"}"));
        var bus = new InMemoryMessagePublisher();

        await ProposeAndApproveAsync(Service(new ResubmitMessageExecutor(queues, bus, _archive, _clock)), RepairKind.ResubmitMessage, dead.CaseId, string.Empty);

        Assert.Equal("{\"as\":\"is\"}", Assert.Single(bus.Published).Body);
    }

    [Fact]
    public async Task ResubmitMessage_FromASubscription_IsRefused()
    {
        var entity = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Ledger.Name}";
        var queues = new InMemoryDeadLetterQueues([entity]);
        var dead = queues.Add(ExceptionsViewTests.DeadLetter(entity, "MSG-3"));

        var result = await Service(new ResubmitMessageExecutor(queues, new InMemoryMessagePublisher(), _archive, _clock))
            .ProposeAsync(RepairKind.ResubmitMessage, dead.CaseId, string.Empty, "retry", "alice", Ct);

        Assert.Equal(RepairOutcome.Invalid, result.Outcome);
    }

    [Fact]
    public async Task ExplainBreak_ClosesTheBreakInTheView_AndItStaysExplainedWhileTheDifferenceIsTheSame()
    {
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));
        var caseId = ExceptionSources.BreakCaseId(Reconciler.BreakIdFor(Account, HoldingKind.Securities, Apple));
        var query = new ExceptionsQuery([new ReconciliationBreakSource(stage.Store)], _repairs);

        var result = await ProposeAndApproveAsync(Service(new ExplainBreakExecutor(stage.Store)), RepairKind.ExplainBreak, caseId, "10 shares lent out under the lending programme");

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        var tracked = Assert.Single(await stage.BreaksAsync());
        Assert.True(tracked.Explained);
        Assert.StartsWith("10 shares lent out under the lending programme (repair R-", tracked.Explanation, StringComparison.Ordinal);
        Assert.Empty(await query.ListAsync(Day.AddDays(1), null, Ct));

        await stage.DeliverHoldings(Holdings("S-2", Day.AddDays(1), (Apple, "90")));
        Assert.Empty(await query.ListAsync(Day.AddDays(1), null, Ct));

        await stage.DeliverHoldings(Holdings("S-3", Day.AddDays(2), (Apple, "80")));
        Assert.Single(await query.ListAsync(Day.AddDays(2), null, Ct));
    }

    [Fact]
    public async Task ExplainBreak_OfABreakThatIsNotOpen_IsRefused()
    {
        var stage = new ReconciliationHarness();

        var result = await Service(new ExplainBreakExecutor(stage.Store))
            .ProposeAsync(RepairKind.ExplainBreak, ExceptionSources.BreakCaseId(Reconciler.BreakIdFor(Account, HoldingKind.Securities, Apple)), "why", "reason", "alice", Ct);

        Assert.Equal(RepairOutcome.Invalid, result.Outcome);
    }

    [Fact]
    public async Task ForceMatch_WithinTheWiderTolerance_AffirmsTheTradeAndPublishesTradeAffirmedOnce()
    {
        var stage = new ConfirmationStageHarness();
        var trade = ConfirmationSamples.TradeEvent();
        await stage.Deliver(trade);
        await stage.Deliver(ConfirmationSamples.AffirmationOf(trade) with { Price = "230.50", NetAmount = "23061.51" });
        Assert.Equal(ConfirmationStatus.Mismatched, (await stage.DocumentAsync()).Status);
        var executor = ForceMatch(stage);
        var service = RepairServiceTests.Service(_repairs, _archive, stage.Clock, executor);

        var result = await ProposeAndApproveAsync(service, RepairKind.ForceMatch, ExceptionSources.MismatchCaseId("T-1"), "priceBasisPoints=20;netAmount=50");
        var again = await executor.ExecuteAsync(result.Repair!, Ct);

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        var document = await stage.DocumentAsync();
        Assert.Equal(ConfirmationStatus.Affirmed, document.Status);
        Assert.Contains(document.Notes, n => n.Contains("force-matched within priceBasisPoints=20;netAmount=50", StringComparison.Ordinal));
        var affirmed = Assert.Single(stage.Events(ConfirmationRules.TradeAffirmed));
        Assert.Equal("T-1:1:TradeAffirmed", affirmed.MessageId);
        Assert.Contains("AFF-1", affirmed.Body, StringComparison.Ordinal);
        Assert.Contains("nothing changed", again, StringComparison.Ordinal);
        Assert.Contains("Mismatched v1: affirmation AFF-1 price 230.50", result.Repair!.Before, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForceMatch_WhenEvenTheWiderToleranceDisagrees_IsRefusedAtProposal()
    {
        var stage = new ConfirmationStageHarness();
        var trade = ConfirmationSamples.TradeEvent();
        await stage.Deliver(trade);
        await stage.Deliver(ConfirmationSamples.AffirmationOf(trade) with { Price = "230.50", NetAmount = "23061.51" });

        var result = await RepairServiceTests.Service(_repairs, _archive, stage.Clock, ForceMatch(stage))
            .ProposeAsync(RepairKind.ForceMatch, ExceptionSources.MismatchCaseId("T-1"), "priceBasisPoints=1", "close enough", "alice", Ct);

        Assert.Equal(RepairOutcome.Invalid, result.Outcome);
        Assert.Contains("price", result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("price=5")]
    [InlineData("priceBasisPoints=-1")]
    public void ForceMatch_Tolerance_MustBeNamedNonNegativeAndWider(string text)
    {
        Assert.False(ForceMatchExecutor.TryParseTolerance(text, out _, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public async Task CancelAndRebook_PublishesACancelAndTheNewTradeThroughCapture_Once()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("M-1"), Ct);
        var bus = new InMemoryMessagePublisher();
        var service = RepairServiceTests.Service(_repairs, _archive, capture.Clock, new CancelAndRebookExecutor(capture.Trades, bus));
        var rebook = Encoding.UTF8.GetString(new OmsJsonBuilder().With(m => m with { TradeId = "T-1R", Quantity = "90", CorrelationId = "corr-1r" }).Build());

        var result = await ProposeAndApproveAsync(service, RepairKind.CancelAndRebook, ExceptionSources.MismatchCaseId("T-1"), rebook);
        await new CancelAndRebookExecutor(capture.Trades, bus).ExecuteAsync(result.Repair!, Ct);
        foreach (var message in bus.Delivered)
        {
            Assert.Equal(Entities.OmsTrades.Name, message.Destination);
            await capture.Handler.HandleAsync(new InboundMessage(message.MessageId, Encoding.UTF8.GetBytes(message.Body), 1), Ct);
        }

        Assert.Equal(RepairOutcome.Executed, result.Outcome);
        Assert.Equal(4, bus.Published.Count);
        Assert.Equal(2, bus.Delivered.Count);
        Assert.Equal(TradeStatus.Cancelled, (await capture.Trades.GetAsync("T-1", Ct))!.State.Status);
        Assert.Equal(2, (await capture.Trades.GetAsync("T-1", Ct))!.State.Version);
        var rebooked = (await capture.Trades.GetAsync("T-1R", Ct))!;
        Assert.Equal((TradeStatus.Live, 90m), (rebooked.State.Status, rebooked.State.Trade.Terms.Quantity));
    }

    [Fact]
    public async Task CancelAndRebook_UnderTheSameTradeId_IsRefused()
    {
        var capture = new InMemoryCapture();
        await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("M-1"), Ct);
        var service = RepairServiceTests.Service(_repairs, _archive, capture.Clock, new CancelAndRebookExecutor(capture.Trades, new InMemoryMessagePublisher()));

        var result = await service.ProposeAsync(RepairKind.CancelAndRebook, "trade:T-1", Encoding.UTF8.GetString(new OmsJsonBuilder().Build()), "rebook", "alice", Ct);

        Assert.Equal(RepairOutcome.Invalid, result.Outcome);
    }

    private static ForceMatchExecutor ForceMatch(ConfirmationStageHarness stage) => new(
        stage.Store,
        stage.Archive,
        new ConfirmationOutbox(new ArchivingMessagePublisher(stage.Bus, stage.Archive, stage.Clock), stage.Archive, NullLogger<ConfirmationOutbox>.Instance),
        stage.Clock);

    private async Task<string> ArchivedTextAsync(string name)
    {
        await using var stream = await _archive.OpenAsync(ArchiveRecordNames.DayOf(_clock.GetUtcNow()), name, Ct);
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }
}
