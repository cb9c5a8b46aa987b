using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Cli.Chaos;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The chaos monkey's guarantees, without a day run: decisions depend on the seed and the delivery only, and from the 4th
/// delivery of a message on nothing fails it (decision 0090), so chaos alone can never reach MaxDeliveryCount.
/// </summary>
public sealed class ChaosMonkeyTests
{
    private static readonly ChaosOptions EverythingFails = ChaosOptions.Create(1, 0, "crash=1,bus-transient=1,lock-loss=1");

    [Fact]
    public async Task Invoke_OnTheFourthDelivery_NeverFailsTheDeliveryEvenAtRateOne()
    {
        var monkey = new ChaosMonkey(EverythingFails, NullLogger<ChaosMonkey>.Instance);
        var receiver = new CountingReceiver();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "M-1", deliveryCount: ChaosOptions.MaximumFaultedDeliveries + 1);
        var invocations = 0;

        await monkey.InvokeAsync("capture", new ProcessMessageEventArgs(message, receiver, TestContext.Current.CancellationToken), async actions =>
        {
            invocations++;
            Assert.Equal(SettleFault.None, monkey.DecidePublish());
            await actions.CompleteMessageAsync(message, TestContext.Current.CancellationToken);
        });

        Assert.Equal(1, invocations);
        Assert.Equal(1, receiver.Completed);
        Assert.Empty(monkey.Counts());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Invoke_OnAnEarlyDeliveryAtCrashRateOne_FailsWithoutSettling(int deliveryCount)
    {
        var monkey = new ChaosMonkey(ChaosOptions.Create(1, 0, "crash=1"), NullLogger<ChaosMonkey>.Instance);
        var receiver = new CountingReceiver();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "M-1", deliveryCount: deliveryCount);

        await Assert.ThrowsAsync<ChaosException>(() => monkey.InvokeAsync("capture", new ProcessMessageEventArgs(message, receiver, TestContext.Current.CancellationToken),
            actions => actions.CompleteMessageAsync(message, TestContext.Current.CancellationToken)));

        Assert.Equal(0, receiver.Completed);
        Assert.Equal(1, monkey.Count(ChaosFault.Crash));
    }

    [Fact]
    public async Task Invoke_SameSeedAndDelivery_MakesTheSameDecisions()
    {
        var options = ChaosOptions.Create(9, 0.3, "duplicate=0");
        var first = await DecisionsAsync(new ChaosMonkey(options, NullLogger<ChaosMonkey>.Instance));
        var second = await DecisionsAsync(new ChaosMonkey(options, NullLogger<ChaosMonkey>.Instance));

        Assert.Equal(first, second);
        Assert.NotEmpty(first);
    }

    private static async Task<IReadOnlyList<(string Fault, long Count)>> DecisionsAsync(ChaosMonkey monkey)
    {
        for (var i = 0; i < 50; i++)
        {
            var message = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: $"M-{i}", deliveryCount: 1);
            try
            {
                await monkey.InvokeAsync("capture", new ProcessMessageEventArgs(message, new CountingReceiver(), TestContext.Current.CancellationToken), async actions =>
                {
                    monkey.DecideCosmos("GET /dbs/backoffice/colls/x/docs/" + i);
                    await actions.CompleteMessageAsync(message, TestContext.Current.CancellationToken);
                });
            }
            catch (Exception ex) when (ex is ChaosException or ServiceBusException)
            {
                // An injected failure: the host would leave the message to be redelivered.
            }
        }

        while (monkey.InFlight > 0)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return monkey.Counts();
    }

    private sealed class CountingReceiver : ServiceBusReceiver
    {
        public int Completed { get; private set; }

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            Completed++;
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
            Task.CompletedTask;
    }
}
