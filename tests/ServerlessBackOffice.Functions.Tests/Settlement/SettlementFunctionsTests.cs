using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Functions.Settlement;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Functions.Tests.Settlement;

/// <summary>The settlement triggers settle every message explicitly: completed, dead-lettered with a reason, or thrown back for a retry.</summary>
public sealed class SettlementFunctionsTests
{
    private readonly InMemorySettlementStore _store = new();
    private readonly InMemoryMessagePublisher _bus = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 24, 21, 0, 0, TimeSpan.Zero));

    private SettlementInstructionHandler Handler() => new(
        _store, NoCapturedTrades().Object, new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), _bus, _clock,
        NullLogger<SettlementInstructionHandler>.Instance);

    // The trades come with their events here, so capture's store holds none. An affirmation first guesses that the trade has no
    // settlement document (decision 0075) and looks for capture's; finding none, it reads the settlement document instead.
    private static Mock<ITradeStore> NoCapturedTrades()
    {
        var trades = new Mock<ITradeStore>(MockBehavior.Strict);
        trades.Setup(t => t.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((TradeDocument?)null);
        return trades;
    }

    private SettlementInstructionFunction InstructionFunction() => new(Handler(), NullLogger<SettlementInstructionFunction>.Instance);

    private CustodianStatusFunction StatusFunction() => new(new CustodianStatusHandler(_store, _bus, _clock, NullLogger<CustodianStatusHandler>.Instance), NullLogger<CustodianStatusFunction>.Instance);

    private static TradeEventWire Amended() => new(
        "T-1:2:TradeAmended", "TradeAmended", "T-1", 2, "Live", "US-EQ", "ACC-US-001", "buy", "US0378331005", "Equity", "XNAS",
        "100", "230.10", "perUnit", "USD", "7LTWFZYICNSX8D621K86", "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", "23010.00", "11.51", [], "0", "23021.51", "HalfAwayFromZeroToMinorUnits", "CORR-1");

    private static ServiceBusReceivedMessage Message(byte[] body, string id, int deliveryCount = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromBytes(body), messageId: id, correlationId: "CORR-1", deliveryCount: deliveryCount);

    private static Mock<ServiceBusMessageActions> Completes(ServiceBusReceivedMessage message)
    {
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        return actions;
    }

    [Fact]
    public async Task Instruction_WhenInstructed_CompletesAndPublishesTheInstruction()
    {
        var amended = Message(JsonSerializer.SerializeToUtf8Bytes(Amended(), CaptureJsonContext.Default.TradeEventWire), "T-1:2:TradeAmended");
        var affirmedWire = new TradeAffirmedWire("T-1:2:TradeAffirmed", "TradeAffirmed", "T-1", 2, "7LTWFZYICNSX8D621K86", "AFF-1", "2026-11-24T21:00:00Z", "CORR-1");
        var affirmed = Message(JsonSerializer.SerializeToUtf8Bytes(affirmedWire, ConfirmationJsonContext.Default.TradeAffirmedWire), "T-1:2:TradeAffirmed");
        var first = Completes(amended);
        var second = Completes(affirmed);

        await InstructionFunction().RunAsync(amended, first.Object, TestContext.Current.CancellationToken);
        await InstructionFunction().RunAsync(affirmed, second.Object, TestContext.Current.CancellationToken);

        first.VerifyAll();
        second.VerifyAll();
        Assert.Single(_bus.Delivered, m => m.Subject == SettlementRules.InstructionSubject);
    }

    [Fact]
    public async Task Instruction_WhenMalformed_DeadLettersWithReasonAndDescription()
    {
        var message = Message(Encoding.UTF8.GetBytes("{oops"), "m-1");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, It.IsAny<Dictionary<string, object>>(), SettlementInstructionHandler.MalformedEventReason, It.Is<string>(d => d.Length > 0), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await InstructionFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Status_ForAnUnknownInstruction_ThrowsForARetryThenDeadLetters()
    {
        var body = Encoding.UTF8.GetBytes("""{"schemaVersion":1,"statusId":"S-1","instructionId":"SI-UNKNOWN","status":"Matched","reportedAt":"2026-11-25T10:00:00Z"}""");
        var early = Message(body, "S-1");
        var late = Message(body, "S-1", CustodianStatusHandler.UnknownInstructionDeliveries);
        var untouched = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        var deadLetters = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        deadLetters.Setup(a => a.DeadLetterMessageAsync(late, It.IsAny<Dictionary<string, object>>(), CustodianStatusHandler.UnknownInstructionReason, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await Assert.ThrowsAsync<SettlementRetryException>(() => StatusFunction().RunAsync(early, untouched.Object, TestContext.Current.CancellationToken));
        await StatusFunction().RunAsync(late, deadLetters.Object, TestContext.Current.CancellationToken);

        deadLetters.VerifyAll();
    }

    [Fact]
    public async Task Status_WhenApplied_Completes()
    {
        await Instruction_WhenInstructed_CompletesAndPublishesTheInstruction();
        var instructionId = (await _store.GetTradeAsync("T-1", TestContext.Current.CancellationToken))!.InstructionId!;
        var message = Message(Encoding.UTF8.GetBytes($$"""{"schemaVersion":1,"statusId":"S-1","instructionId":"{{instructionId}}","status":"Matched","reportedAt":"2026-11-25T10:00:00Z"}"""), "S-1");
        var actions = Completes(message);

        await StatusFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.Single(_bus.Delivered, m => m.Subject == SettlementEventTypes.SettlementMatched);
    }

    [Fact]
    public void NettingHorizon_IsTheNextWeekday()
    {
        Assert.Equal(new DateOnly(2026, 11, 25), NettingRunFunction.NettingHorizon(new DateOnly(2026, 11, 24)));
        Assert.Equal(new DateOnly(2026, 11, 30), NettingRunFunction.NettingHorizon(new DateOnly(2026, 11, 27)));
    }
}
