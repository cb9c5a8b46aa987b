using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Functions.Capture;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Functions.Tests.Capture;

/// <summary>The capture trigger settles every OMS message by the handler's disposition.</summary>
public sealed class CaptureFunctionTests
{
    private const string ValidMessage = """
        {"schemaVersion":"1","tradeId":"OMS-20261124-000001","version":1,"action":"new","executionTimestamp":"2026-11-24T15:30:12.345Z",
         "tradeDate":"2026-11-24","account":"ACC-US-001","side":"buy","isin":"US0378331005","mic":"XNAS","quantity":"100","price":"187.25",
         "priceType":"perUnit","currency":"USD","counterpartyLei":"W22LROWP2IHZNBB6K528","correlationId":"corr-000001"}
        """;

    private readonly InMemoryMessagePublisher _publisher = new();

    private CaptureFunction Function() => new(new CaptureHandler(
        new InMemoryTradeStore(), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), _publisher, new InMemoryCaptureArchive(),
        new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero)), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance));

    private static ServiceBusReceivedMessage Message(string body, string id = "M-1", int deliveryCount = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString(body), messageId: id, deliveryCount: deliveryCount);

    [Fact]
    public async Task Run_AnAcceptedTrade_CompletesAndAnswersTheOmsAndPublishesTheEvent()
    {
        var message = Message(ValidMessage);
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.Contains(_publisher.Delivered, m => m.Destination == Entities.OmsReplies.Name);
        Assert.Contains(_publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name && m.ApplicationProperties[CaptureHandler.EventTypeProperty] == "TradeCaptured");
    }

    [Fact]
    public async Task Run_ARejectedMessage_IsCompletedBecauseTheOmsGotItsAnswer()
    {
        var message = Message(ValidMessage.Replace("US0378331005", "US0378331006", StringComparison.Ordinal));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.CompleteMessageAsync(message, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await Function().RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        var reply = Assert.Single(_publisher.Delivered, m => m.Destination == Entities.OmsReplies.Name);
        Assert.Contains("rejected", reply.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Run_AMessageIdReusedForAnotherBody_IsDeadLetteredWithMessageIdReused_AndTheHandlersDescription()
    {
        var function = Function();
        var first = Message(ValidMessage.Replace("US0378331005", "US0378331006", StringComparison.Ordinal), id: "M-reused");
        var completes = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        completes.Setup(a => a.CompleteMessageAsync(first, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        await function.RunAsync(first, completes.Object, TestContext.Current.CancellationToken);

        var reused = Message(ValidMessage, id: "M-reused");
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(reused, null, nameof(ReasonCode.MessageIdReused),
            It.Is<string>(d => d.Contains("M-reused", StringComparison.Ordinal) && d.Contains("SHA-256", StringComparison.Ordinal)), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await function.RunAsync(reused, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
        Assert.DoesNotContain(_publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        Assert.Equal(2, _publisher.Delivered.Count(m => m.Destination == Entities.OmsReplies.Name));
    }

    [Fact]
    public async Task Run_WhenProcessingFailedOnTheLastDelivery_DeadLettersWithTheReasonCode()
    {
        var publisher = new Mock<ServerlessBackOffice.Pipeline.Ports.IMessagePublisher>(MockBehavior.Loose);
        publisher.SetupSequence(p => p.PublishAsync(It.IsAny<ServerlessBackOffice.Pipeline.Ports.OutboundMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("broker unavailable", ServiceBusFailureReason.ServiceCommunicationProblem))
            .Returns(Task.CompletedTask).Returns(Task.CompletedTask).Returns(Task.CompletedTask);
        var function = new CaptureFunction(new CaptureHandler(
            new InMemoryTradeStore(), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), publisher.Object, new InMemoryCaptureArchive(),
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero)), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance));
        var maxDeliveries = Entities.OmsTrades.Properties.MaxDeliveryCount!.Value;
        var message = Message(ValidMessage, deliveryCount: maxDeliveries);
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);
        actions.Setup(a => a.DeadLetterMessageAsync(message, null, nameof(ReasonCode.DeliveryLimitExceeded), It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        await function.RunAsync(message, actions.Object, TestContext.Current.CancellationToken);

        actions.VerifyAll();
    }

    [Fact]
    public async Task Run_WhenPublishingFailsBeforeTheLastDelivery_ThrowsSoTheMessageIsRetried()
    {
        var publisher = new Mock<ServerlessBackOffice.Pipeline.Ports.IMessagePublisher>(MockBehavior.Strict);
        publisher.Setup(p => p.PublishAsync(It.IsAny<ServerlessBackOffice.Pipeline.Ports.OutboundMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("broker unavailable", ServiceBusFailureReason.ServiceCommunicationProblem));
        var function = new CaptureFunction(new CaptureHandler(
            new InMemoryTradeStore(), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), publisher.Object, new InMemoryCaptureArchive(),
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero)), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance));
        var actions = new Mock<ServiceBusMessageActions>(MockBehavior.Strict);

        await Assert.ThrowsAsync<ServiceBusException>(() => function.RunAsync(Message(ValidMessage), actions.Object, TestContext.Current.CancellationToken));
        actions.VerifyNoOtherCalls();
    }
}
