using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Functions.Ledger;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Functions.Tests.Ledger;

/// <summary>The ledger trigger settles every message explicitly: completed, dead-lettered with a reason, or retried.</summary>
public sealed class LedgerPostingFunctionTests
{
    private readonly InMemoryLedgerStore _store = new();

    private LedgerPostingFunction Function() =>
        new(new LedgerPostingHandler(_store, NullLogger<LedgerPostingHandler>.Instance), NullLogger<LedgerPostingFunction>.Instance);

    internal static TradeEventWire Event(string eventType = "TradeCaptured", long version = 1, string quantity = "100", string status = "Live") => new(
        $"T-1:{version}:{eventType}", eventType, "T-1", version, status, "US-EQ", "ACC-001", "buy", "US0378331005", "Equity", "XNAS",
        quantity, "230.10", "perUnit", "USD", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", "23010.00", "11.51", [new FeeLineWire("SEC31", "0.00", "SEC fee rate notice")], "0", "23021.51",
        "HalfAwayFromZeroToMinorUnits", "CORR-1");

    private static ServiceBusReceivedMessage Message(byte[] body, string id = "M-1") =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromBytes(body), messageId: id, correlationId: "CORR-1");

    private static byte[] Json(TradeEventWire wire) => JsonSerializer.SerializeToUtf8Bytes(wire, CaptureJsonContext.Default.TradeEventWire);

    [Fact]
    public async Task Run_WhenTheEventPosts_CompletesTheMessage()
    {
        var message = Message(Json(Event()));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.Equal(1, (await _store.LoadAsync("T-1", TestContext.Current.CancellationToken)).State.Version);
    }

    [Fact]
    public async Task Run_WhenRedelivered_CompletesWithoutPostingTwice()
    {
        var message = Message(Json(Event()));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);
        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.Verify(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>()), Times.Exactly(2));
        var entries = new List<JournalEntry>();
        await foreach (var entry in _store.EntriesAsync("US-EQ", new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken))
        {
            entries.Add(entry);
        }

        Assert.Single(entries);
    }

    [Fact]
    public async Task Run_WhenTheBodyIsNotAnEvent_DeadLettersWithAReason()
    {
        var message = Message("""{"not":"an event"}"""u8.ToArray());
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, null, "MalformedEvent", It.Is<string>(d => d.Length > 0), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Run_WhenTheSameVersionComesWithOtherTerms_DeadLettersTheRefusal()
    {
        var first = Message(Json(Event()));
        var conflicting = Message(Json(Event(quantity: "999")), "M-2");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(first, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        actions.Setup(a => a.DeadLetterMessageAsync(conflicting, null, "LedgerRefused", It.Is<string>(d => d.Contains("idempotency key")), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(first, actions.Object, TestContext.Current.CancellationToken);
        await Function().RunAsync(conflicting, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Run_WhenTheStoreFailsTransiently_ThrowsSoTheMessageIsRetried()
    {
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("Cosmos timed out"));
        var function = new LedgerPostingFunction(new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance), NullLogger<LedgerPostingFunction>.Instance);
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);

        await Assert.ThrowsAsync<TimeoutException>(() => function.RunAsync(Message(Json(Event())), actions.Object, TestContext.Current.CancellationToken));
        actions.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Run_ACancelEvent_ReversesTheTrade()
    {
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Loose);

        await Function().RunAsync(Message(Json(Event())), actions.Object, TestContext.Current.CancellationToken);
        await Function().RunAsync(Message(Json(Event("TradeCancelled", 2, status: "Cancelled")), "M-2"), actions.Object, TestContext.Current.CancellationToken);

        var state = (await _store.LoadAsync("T-1", TestContext.Current.CancellationToken)).State;
        Assert.True(state.Cancelled);
        Assert.Equal(2, state.EntryCount);
    }
}
