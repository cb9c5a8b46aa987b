using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>
/// The assembly fixture's Service Bus emulator answers the real client, starts with the topology's entities, and
/// lets a test class create entities of its own.
/// </summary>
public sealed class ServiceBusFixtureTests : IAsyncLifetime
{
    private readonly StandInsFixture standIns;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;
    private readonly string queueName = $"stand-ins-{Guid.NewGuid():N}";

    public ServiceBusFixtureTests(StandInsFixture standIns)
    {
        this.standIns = standIns;
    }

    public ValueTask InitializeAsync()
    {
        standIns.StandIns.ServiceBus!.CreateQueue(queueName);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        standIns.StandIns.ServiceBus!.DeleteQueue(queueName);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task SendAndReceive_OnAQueueOfThisClass_RoundTripsTheMessage()
    {
        await using var client = new ServiceBusClient(standIns.StandIns.ServiceBusConnectionString);
        await using var sender = client.CreateSender(queueName);
        await using var receiver = client.CreateReceiver(queueName);

        await sender.SendMessageAsync(new ServiceBusMessage("hello") { MessageId = "m-1" }, ct);
        var received = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), ct);

        Assert.NotNull(received);
        Assert.Equal("hello", received.Body.ToString());
        await receiver.CompleteMessageAsync(received, ct);
    }

    [Fact]
    public void Emulator_StartsWithEveryQueueOfTheTopology()
    {
        var queues = standIns.StandIns.ServiceBus!.QueueNames;

        Assert.All(TopologyDocument.Default.ServiceBus.Queues, q => Assert.Contains(q.Name, queues));
    }

    [Fact]
    public void LocalSettings_CarryEveryConnectionAndEntityAppSetting()
    {
        var topology = TopologyDocument.Default;
        var settings = standIns.StandIns.LocalSettings(topology).ToDictionary(s => s.Key, s => s.Value);

        Assert.Equal(standIns.StandIns.ServiceBusConnectionString, settings[topology.ServiceBus.NamespaceAppSetting]);
        Assert.Equal(standIns.StandIns.StorageConnectionString, settings["StorageConnection"]);
        Assert.Contains("UseDevelopmentEmulator=true", settings[topology.ServiceBus.NamespaceAppSetting], StringComparison.Ordinal);
        Assert.All(topology.AppSettings(), s => Assert.Equal(s.Name, settings[s.AppSetting]));
        if (standIns.CosmosIsStandIn)
        {
            Assert.Equal(standIns.CosmosConnectionString, settings["CosmosConnection"]);
        }
    }
}
