using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Functions.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.Functions.Tests.Reconciliation;

/// <summary>The statement triggers settle every message explicitly: completed, dead-lettered with a reason, or retried.</summary>
public sealed class StatementFunctionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 23, 0, 0, TimeSpan.Zero);
    private readonly InMemoryReconciliationStore _store = new();

    private StatementFunctions Functions(IReconciliationStore? store = null) => new(
        new ReconciliationHandler(store ?? _store, new InMemoryLedgerStore(), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()),
            new InMemoryArchiveStore(), new FakeTimeProvider(Now), NullLogger<ReconciliationHandler>.Instance),
        NullLogger<StatementFunctions>.Instance);

    private static ServiceBusReceivedMessage Message(string body, string id) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromBytes(Encoding.UTF8.GetBytes(body)), messageId: id, correlationId: "CORR-1");

    private const string Holdings = """{"schemaVersion":1,"statementId":"S-1","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[{"isin":"US0378331005","quantity":"100"}]}""";

    private const string Cash = """{"schemaVersion":1,"statementId":"C-1","servicerLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","balances":[{"currency":"USD","closingBalance":"-10.00"}]}""";

    [Fact]
    public async Task Holdings_WhenApplied_CompletesAndRecordsTheBreak()
    {
        var message = Message(Holdings, "M-1");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Functions().HoldingsAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        var state = await _store.GetAsync("ACC-US-004", HoldingKind.Securities, TestContext.Current.CancellationToken);
        Assert.Equal(BreakType.MissingInOurBooks, Assert.Single(state!.OpenBreaks).Latest.Type);
    }

    [Fact]
    public async Task Cash_WhenApplied_Completes()
    {
        var message = Message(Cash, "M-2");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Functions().CashAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.NotNull(await _store.GetAsync("ACC-US-004", HoldingKind.Cash, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Holdings_WhenTheBodyBreaksTheContract_DeadLettersWithAReason()
    {
        var message = Message("""{"schemaVersion":1}""", "M-bad");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, It.IsAny<Dictionary<string, object>?>(), StatementParser.MalformedReason, It.Is<string>(d => d.Length > 0), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await Functions().HoldingsAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Cash_WhenTheAccountIsUnknown_DeadLettersWithUnknownAccount()
    {
        var message = Message(Cash.Replace("ACC-US-004", "ACC-NOPE", StringComparison.Ordinal), "M-unknown");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, It.IsAny<Dictionary<string, object>?>(), StatementParser.UnknownAccountReason, It.Is<string>(d => d.Length > 0), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await Functions().CashAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Holdings_WhenTheStoreFailsTransiently_ThrowsSoTheMessageIsRetried()
    {
        var store = new Mock<IReconciliationStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("ACC-US-004", HoldingKind.Securities, It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("Cosmos timed out"));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);

        await Assert.ThrowsAsync<TimeoutException>(() => Functions(store.Object).HoldingsAsync(Message(Holdings, "M-3"), actions.Object, TestContext.Current.CancellationToken));

        actions.VerifyNoOtherCalls();
    }
}
