using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Functions.Confirmation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Functions.Tests.Confirmation;

/// <summary>The confirmation, affirmation and cut-off triggers settle every message explicitly: completed, dead-lettered with a reason, or retried.</summary>
public sealed class ConfirmationFunctionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
    private readonly InMemoryConfirmationStore _store = new();
    private readonly InMemoryMessagePublisher _bus = new();
    private readonly InMemoryArchiveStore _archive = new();
    private readonly FakeTimeProvider _clock = new(Now);

    private ConfirmationOutbox Outbox() => new(new ArchivingMessagePublisher(_bus, _archive, _clock), _archive, NullLogger<ConfirmationOutbox>.Instance);

    private ConfirmationFunction ConfirmationFunction(IConfirmationStore? store = null) => new(
        new ConfirmationHandler(store ?? _store, new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), Outbox(), _clock,
            AffirmationCutoffSchedule.Default, NullLogger<ConfirmationHandler>.Instance),
        NullLogger<ConfirmationFunction>.Instance);

    private AffirmationFunction AffirmationFunction() => new(
        new AffirmationHandler(_store, new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), Outbox(), _clock, NullLogger<AffirmationHandler>.Instance),
        NullLogger<AffirmationFunction>.Instance);

    private static TradeEventWire Trade() => new(
        "T-1:1:TradeCaptured", "TradeCaptured", "T-1", 1, "Live", "US-EQ", "ACC-US-001", "buy", "US0378331005", "Equity", "XNAS",
        "100", "230.10", "perUnit", "USD", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", "23010.00", "11.51", [], "0", "23021.51", "HalfAwayFromZeroToMinorUnits", "CORR-1");

    private static ServiceBusReceivedMessage Message(byte[] body, string id) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromBytes(body), messageId: id, correlationId: "CORR-1");

    private static byte[] Affirmation(string quantity = "100") => Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":1,"affirmationId":"AFF-1","tradeId":"T-1","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"{{quantity}}","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""");

    [Fact]
    public async Task Confirmation_WhenConfirmed_CompletesAndSendsTheConfirmation()
    {
        var message = Message(JsonSerializer.SerializeToUtf8Bytes(Trade(), CaptureJsonContext.Default.TradeEventWire), "T-1:1:TradeCaptured");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await ConfirmationFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.Contains(_bus.Delivered, m => m.Destination == Entities.CounterpartyOutbound.Name && m.MessageId == "CONF-T-1-v1");
    }

    [Fact]
    public async Task Confirmation_WhenTheBodyIsNotAnEvent_DeadLettersWithAReason()
    {
        var message = Message("""{"not":"an event"}"""u8.ToArray(), "M-bad");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, It.IsAny<Dictionary<string, object>?>(), ConfirmationHandler.MalformedEventReason, It.Is<string>(d => d.Length > 0), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await ConfirmationFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Confirmation_WhenTheStoreFailsTransiently_ThrowsSoTheMessageIsRetried()
    {
        var store = new Mock<IConfirmationStore>(MockBehavior.Strict);
        store.Setup(s => s.GetAsync("T-1", It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("Cosmos timed out"));
        store.Setup(s => s.TryWriteAsync(It.IsAny<ConfirmationDocument>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("Cosmos timed out"));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);

        await Assert.ThrowsAsync<TimeoutException>(() => ConfirmationFunction(store.Object).RunAsync(
            Message(JsonSerializer.SerializeToUtf8Bytes(Trade(), CaptureJsonContext.Default.TradeEventWire), "T-1:1:TradeCaptured"), actions.Object, TestContext.Current.CancellationToken));
        actions.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Affirmation_WhenItMatches_CompletesAndPublishesTradeAffirmed()
    {
        var loose = new Mock<ServiceBusMessageActions>(MockBehavior.Loose);
        await ConfirmationFunction().RunAsync(Message(JsonSerializer.SerializeToUtf8Bytes(Trade(), CaptureJsonContext.Default.TradeEventWire), "T-1:1:TradeCaptured"), loose.Object, TestContext.Current.CancellationToken);
        var message = Message(Affirmation(), "AFF-MSG-1");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await AffirmationFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.Contains(_bus.Delivered, m => m.MessageId == "T-1:1:TradeAffirmed");
    }

    [Fact]
    public async Task Affirmation_WhenItBreaksTheContract_DeadLettersWithTheReason()
    {
        var message = Message(Affirmation(quantity: "1,000"), "AFF-MSG-bad");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, It.IsAny<Dictionary<string, object>?>(), AffirmationParser.InvalidFieldReason, It.Is<string>(d => d.Contains("quantity")), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);

        await AffirmationFunction().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Cutoff_AfterTheCutoff_PublishesUnaffirmedAtCutoff()
    {
        var loose = new Mock<ServiceBusMessageActions>(MockBehavior.Loose);
        await ConfirmationFunction().RunAsync(Message(JsonSerializer.SerializeToUtf8Bytes(Trade(), CaptureJsonContext.Default.TradeEventWire), "T-1:1:TradeCaptured"), loose.Object, TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromHours(6));
        var function = new AffirmationCutoffFunction(new AffirmationCutoffHandler(_store, Outbox(), _clock, NullLogger<AffirmationCutoffHandler>.Instance));

        await function.RunAsync(new TimerInfo(), TestContext.Current.CancellationToken);

        Assert.Contains(_bus.Delivered, m => m.MessageId == "T-1:1:UnaffirmedAtCutoff" && m.Subject == ConfirmationRules.UnaffirmedAtCutoffEvent);
    }
}
