using Microsoft.Extensions.Logging.Abstractions;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Tests.Reconciliation;
using ServerlessBackOffice.Topology;
using static ServerlessBackOffice.Pipeline.Tests.Reconciliation.ReconciliationHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Exceptions;

/// <summary>The one exceptions view: each source reads its stage's store; ages are business days; repairs set owner and history.</summary>
public sealed class ExceptionsViewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateOnly Thursday = new(2026, 11, 26);

    [Fact]
    public async Task OpenReconciliationBreak_IsListedWithItsAgeInBusinessDaysAndTheReconciliationTeam()
    {
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));
        var query = new ExceptionsQuery([new ReconciliationBreakSource(stage.Store)], new InMemoryRepairStore());

        var item = Assert.Single(await query.ListAsync(Thursday, null, Ct));

        Assert.Equal($"break:BRK:{Account}:Securities:{Apple}", item.Case.CaseId);
        Assert.Equal(ExceptionType.ReconciliationBreak, item.Case.Type);
        Assert.StartsWith("QuantityBreak: US0378331005 ours 100, custodian 90", item.Case.Reason, StringComparison.Ordinal);
        Assert.Equal(2, item.AgeBusinessDays); // first seen Tuesday 24th; Wednesday and Thursday
        Assert.Equal("operations-reconciliation", item.Case.Owner);
        Assert.NotEmpty(item.Case.History);
    }

    [Fact]
    public async Task DeadLetteredMessages_AreListedPerEntity_AndTheTypeFilterKeepsOnlyThem()
    {
        var queues = new InMemoryDeadLetterQueues([Entities.OmsTrades.Name, Entities.AffirmationsInbound.Name]);
        var dead = queues.Add(DeadLetter(Entities.AffirmationsInbound.Name, "MSG-1"));
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));
        var query = new ExceptionsQuery([new DeadLetterSource(queues), new ReconciliationBreakSource(stage.Store)], new InMemoryRepairStore());

        var all = await query.ListAsync(Thursday, null, Ct);
        var only = Assert.Single(await query.ListAsync(Thursday, ExceptionType.DeadLetteredMessage, Ct));

        Assert.Equal(2, all.Count);
        Assert.Equal($"dlq:{Entities.AffirmationsInbound.Name}:{dead.SequenceNumber}", only.Case.CaseId);
        Assert.Equal("MalformedAffirmation: bad json", only.Case.Reason);
        Assert.True(DeadLetteredMessage.TryParseCaseId(only.Case.CaseId, out var entity, out var sequence));
        Assert.Equal((Entities.AffirmationsInbound.Name, dead.SequenceNumber), (entity, sequence));
    }

    [Fact]
    public async Task RejectedOmsMessage_IsListedUntilItsTradeIsCapturedAfterwards()
    {
        var archive = new InMemoryArchiveStore();
        await ArchiveCaptureOutcome(archive, "M-1", "T-REJ", CaptureOutcomeKind.Rejected);
        await ArchiveCaptureOutcome(archive, "M-2", "T-FIXED", CaptureOutcomeKind.Rejected);
        await ArchiveCaptureOutcome(archive, "M-3", "T-OK", CaptureOutcomeKind.Accepted);
        var trades = new Mock<ITradeStore>(MockBehavior.Strict);
        trades.Setup(t => t.GetAsync("T-REJ", It.IsAny<CancellationToken>())).ReturnsAsync((TradeDocument?)null);
        trades.Setup(t => t.GetAsync("T-FIXED", It.IsAny<CancellationToken>())).ReturnsAsync(new TradeDocument("T-FIXED", null!, [], null, [], "1"));
        var query = new ExceptionsQuery([new CaptureRejectionSource(archive, trades.Object)], new InMemoryRepairStore());

        var item = Assert.Single(await query.ListAsync(ArchiveRecordNames.DayOf(SampleData.Now), null, Ct));

        Assert.Equal("rejected:M-1", item.Case.CaseId);
        Assert.Equal("T-REJ", item.Case.Subject);
        Assert.Equal("UnknownInstrument: no such ISIN", item.Case.Reason);
    }

    [Fact]
    public async Task RejectedOmsMessage_IsStillListedAWeekLater_AndNotAfterTheLookBack()
    {
        var archive = new InMemoryArchiveStore();
        await ArchiveCaptureOutcome(archive, "M-OLD", "T-OLD", CaptureOutcomeKind.Rejected);
        var trades = new Mock<ITradeStore>(MockBehavior.Strict);
        trades.Setup(t => t.GetAsync("T-OLD", It.IsAny<CancellationToken>())).ReturnsAsync((TradeDocument?)null);
        var rejectedOn = ArchiveRecordNames.DayOf(SampleData.Now);

        var weekLater = await new ExceptionsQuery([new CaptureRejectionSource(archive, trades.Object)], new InMemoryRepairStore()).ListAsync(rejectedOn.AddDays(7), null, Ct);
        var pastLookBack = await new ExceptionsQuery([new CaptureRejectionSource(archive, trades.Object, lookbackDays: 3)], new InMemoryRepairStore()).ListAsync(rejectedOn.AddDays(4), null, Ct);

        var item = Assert.Single(weekLater);
        Assert.Equal("rejected:M-OLD", item.Case.CaseId);
        Assert.Equal(5, item.AgeBusinessDays);
        Assert.Empty(pastLookBack);
    }

    [Fact]
    public async Task MismatchedConfirmation_IsListedAsAConfirmationMismatch()
    {
        var documents = new Mock<IExceptionDocumentQuery>(MockBehavior.Strict);
        documents.Setup(d => d.ConfirmationExceptionsAsync(It.IsAny<CancellationToken>()))
            .Returns(new[] { ConfirmationDocument.Empty("T-9") with { Status = ConfirmationStatus.Mismatched, AffirmationId = "AFF-9", CutoffAt = SampleData.Now } }.ToAsyncEnumerable());
        var query = new ExceptionsQuery([new ConfirmationExceptionSource(documents.Object)], new InMemoryRepairStore());

        var item = Assert.Single(await query.ListAsync(Thursday, ExceptionType.ConfirmationMismatch, Ct));

        Assert.Equal("mismatch:T-9", item.Case.CaseId);
        Assert.Contains("affirmation AFF-9 disputes", item.Case.Reason, StringComparison.Ordinal);
        Assert.Equal("operations-confirmations", item.Case.Owner);
    }

    [Fact]
    public async Task ProposedRepair_MakesItsMakerTheOwnerAndAddsItsStepsToTheHistory()
    {
        var queues = new InMemoryDeadLetterQueues([Entities.OmsTrades.Name]);
        var dead = queues.Add(DeadLetter(Entities.OmsTrades.Name, "MSG-7"));
        var repairs = new InMemoryRepairStore();
        var clock = new FakeTimeProvider(SampleData.Now);
        var service = RepairServiceTests.Service(repairs, new InMemoryArchiveStore(), clock, new ResubmitMessageExecutor(queues, new Mock<IMessagePublisher>(MockBehavior.Strict).Object, new InMemoryArchiveStore(), clock));
        await service.ProposeAsync(RepairKind.ResubmitMessage, dead.CaseId, string.Empty, "the consumer bug is fixed", "alice", Ct);
        var query = new ExceptionsQuery([new DeadLetterSource(queues)], repairs);

        var item = Assert.Single(await query.ListAsync(Thursday, null, Ct));

        Assert.Equal("alice", item.Case.Owner);
        Assert.Contains(item.Case.History, h => h.Contains("ResubmitMessage) proposed by alice: the consumer bug is fixed", StringComparison.Ordinal));
        Assert.Single(item.Repairs);
    }

    [Fact]
    public async Task Summary_CountsByTypeAndBusinessDayAge_AndMakesTheDayRunLine()
    {
        var queues = new InMemoryDeadLetterQueues([Entities.OmsTrades.Name]);
        queues.Add(DeadLetter(Entities.OmsTrades.Name, "MSG-1"));
        queues.Add(DeadLetter(Entities.OmsTrades.Name, "MSG-2"));
        var query = new ExceptionsQuery([new DeadLetterSource(queues)], new InMemoryRepairStore());

        var summary = await query.SummaryAsync(ArchiveRecordNames.DayOf(SampleData.Now), Ct);

        Assert.Equal([(ExceptionType.DeadLetteredMessage, "today", 2)], summary);
        Assert.Equal("DeadLetteredMessage 2 (today 2)", ExceptionsQuery.SummaryLine(summary));
        Assert.Equal("none", ExceptionsQuery.SummaryLine([]));
    }

    internal static DeadLetteredMessage DeadLetter(string entity, string messageId, string body = "{\"broken\":true}") => new(
        entity, 0, messageId, "C-1", "subject", "MalformedAffirmation", "bad json", SampleData.Now, 10,
        new Dictionary<string, string> { ["eventType"] = "X" }, Encoding.UTF8.GetBytes(body));

    private static async Task ArchiveCaptureOutcome(InMemoryArchiveStore archive, string messageId, string tradeId, CaptureOutcomeKind outcome)
    {
        var reply = $$"""{"schemaVersion":"1","inboundMessageId":"{{messageId}}","tradeId":"{{tradeId}}","outcome":"{{CaptureHandler.OutcomeName(outcome)}}","message":"no such ISIN"}""";
        var entry = new CaptureArchiveEntry(messageId, SampleData.Now, Encoding.UTF8.GetBytes("{}"), outcome, outcome == CaptureOutcomeKind.Rejected ? ReasonCode.UnknownInstrument : null, reply);
        await new ArchiveCaptureArchive(archive, NullLogger<ArchiveCaptureArchive>.Instance).ArchiveAsync(entry, Ct);
    }
}
