using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>The in-process admin API: entity counts, deletion and reset.</summary>
public sealed class AdminApiTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetCounts_ReportsActiveDeadLetteredScheduledAndDeferred_AndResetEmptiesThem()
    {
        Assert.SkipWhen(broker.IsExternal, "The admin API is the emulator's own.");
        var emulator = broker.Emulator!;
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessagesAsync([new ServiceBusMessage("a"), new ServiceBusMessage("b"), new ServiceBusMessage("c"), new ServiceBusMessage("d")], Ct);
        await sender.ScheduleMessageAsync(new ServiceBusMessage("later"), DateTimeOffset.UtcNow.AddHours(1), Ct);
        var first = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);
        await receiver.DeadLetterMessageAsync(first, "r", "d", Ct);
        var second = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);
        await receiver.DeferMessageAsync(second, cancellationToken: Ct);

        Assert.Equal(new ServiceBusEntityCounts(Active: 2, DeadLettered: 1, Scheduled: 1, Deferred: 1), emulator.GetCounts(queue));

        emulator.Reset();

        Assert.Equal(new ServiceBusEntityCounts(0, 0, 0, 0), emulator.GetCounts(queue));
    }

    [Fact]
    public async Task DeleteQueue_MakesTheEntityMissingForTheClient()
    {
        Assert.SkipWhen(broker.IsExternal, "The admin API is the emulator's own.");
        var queue = await broker.CreateQueueAsync();

        Assert.True(broker.Emulator!.DeleteQueue(queue));
        await using var sender = broker.Client.CreateSender(queue);
        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("x"), Ct));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }
}
