using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Sending, receiving and settling on queues, with the real client.</summary>
public sealed class QueueTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAndReceive_WhenPeekLockAndCompleted_DeliversOnceWithLockAndSequenceNumber()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);

        await sender.SendMessageAsync(new ServiceBusMessage("hello") { MessageId = "m1" }, Ct);
        var received = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.NotNull(received);
        Assert.Equal("hello", received.Body.ToString());
        Assert.Equal("m1", received.MessageId);
        Assert.Equal(1, received.DeliveryCount);
        Assert.NotEqual(default, received.LockToken);
        Assert.True(received.LockedUntil > DateTimeOffset.UtcNow);
        Assert.True(received.SequenceNumber > 0);
        await receiver.CompleteMessageAsync(received, Ct);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
    }
}
