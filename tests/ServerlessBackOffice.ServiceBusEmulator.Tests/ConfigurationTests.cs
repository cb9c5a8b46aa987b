using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Config.json loading: the project's topology, Microsoft's sample shape, and refusals of what is unsupported.</summary>
public sealed class ConfigurationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_WithTheProjectTopology_CreatesEveryQueueTopicSubscriptionAndRule()
    {
        var topology = TopologyDocument.Default;

        await using var server = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = EmulatorConfig.FromTopology(topology) }, Ct);

        Assert.Equal(topology.ServiceBus.Queues.Select(q => q.Name).Order(), server.QueueNames.Order());
        foreach (var topic in topology.ServiceBus.Topics)
        {
            var (_, subscriptions) = Assert.Single(server.TopicNames, t => t.Topic == topic.Name);
            Assert.Equal(topic.Subscriptions.Select(s => s.Name).Order(), subscriptions.Order());
        }
    }

    [Fact]
    public async Task TopologyRules_RouteEventsToTheStagesThatConsumeThem()
    {
        var topology = TopologyDocument.Default;
        var tradeEvents = topology.Topic("tradeEvents");
        var settlement = tradeEvents.Subscription("settlement");
        var ledger = tradeEvents.Subscription("ledger");
        await using var server = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = EmulatorConfig.FromTopology(topology) }, Ct);
        await using var client = new ServiceBusClient(server.ConnectionString);
        await using var sender = client.CreateSender(tradeEvents.Name);

        var message = new ServiceBusMessage("{}") { MessageId = Guid.NewGuid().ToString() };
        message.ApplicationProperties["eventType"] = "TradeSettled";
        await sender.SendMessageAsync(message, Ct);

        await using var ledgerReceiver = client.CreateReceiver(tradeEvents.Name, ledger.Name);
        Assert.NotNull(await ledgerReceiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(0, server.GetCounts($"{tradeEvents.Name}/Subscriptions/{settlement.Name}").Active);
    }

    [Fact]
    public async Task StartAsync_WithMicrosoftsSampleShape_LoadsQueuesTopicsAndBothFilterKinds()
    {
        var config = JsonNode.Parse("""
            {"UserConfig":{"Namespaces":[{"Name":"sbemulatorns",
              "Queues":[{"Name":"queue.1","Properties":{"DeadLetteringOnMessageExpiration":false,"DefaultMessageTimeToLive":"PT1H",
                "DuplicateDetectionHistoryTimeWindow":"PT20S","ForwardDeadLetteredMessagesTo":"","ForwardTo":"","LockDuration":"PT1M",
                "MaxDeliveryCount":3,"RequiresDuplicateDetection":false,"RequiresSession":false}}],
              "Topics":[{"Name":"topic.1","Properties":{"DefaultMessageTimeToLive":"PT1H","DuplicateDetectionHistoryTimeWindow":"PT20S","RequiresDuplicateDetection":false},
                "Subscriptions":[{"Name":"subscription.1","Properties":{"DeadLetteringOnMessageExpiration":false,"DefaultMessageTimeToLive":"PT1H",
                  "LockDuration":"PT1M","MaxDeliveryCount":3,"ForwardDeadLetteredMessagesTo":"","ForwardTo":"","RequiresSession":false},
                  "Rules":[{"Name":"c1","Properties":{"FilterType":"Correlation","CorrelationFilter":{"ContentType":"application/json","Properties":{"prop1":"value1"}}}},
                           {"Name":"s1","Properties":{"FilterType":"Sql","SqlFilter":{"SqlExpression":"sys.MessageId = '123456' AND userProp1 = 'value1'"}}}]}]}]}],
              "Logging":{"Type":"File"}}}
            """)!.AsObject();

        await using var server = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = config }, Ct);

        Assert.Equal(["queue.1"], server.QueueNames);
        Assert.Equal(["subscription.1"], Assert.Single(server.TopicNames).Subscriptions);
    }

    [Theory]
    [InlineData("""{"Name":"q","Properties":{"EnablePartitioning":true}}""", "EnablePartitioning")]
    [InlineData("""{"Name":"q","Properties":{"LockDuration":"one minute"}}""", "ISO 8601")]
    [InlineData("""{"Name":"q","Properties":{"MaxDeliveryCount":0}}""", "MaxDeliveryCount")]
    public async Task StartAsync_WhenAQueueSettingIsUnsupported_FailsNamingIt(string queue, string expected)
    {
        var config = JsonNode.Parse("""{"UserConfig":{"Namespaces":[{"Name":"ns","Queues":[""" + queue + "]}]}}")!.AsObject();

        var error = await Assert.ThrowsAsync<ServiceBusEmulatorConfigurationException>(() => ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = config }, Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"FilterType":"Sql","SqlFilter":{"SqlExpression":"a = 1"},"Action":{"SqlExpression":"SET sys.To = 'Entity'"}}""", "rule action")]
    [InlineData("""{"FilterType":"Sql","SqlFilter":{"SqlExpression":"a = = 1"}}""", "cannot evaluate")]
    [InlineData("""{"FilterType":"Boolean"}""", "FilterType 'Boolean'")]
    [InlineData("""{"FilterType":"Correlation","CorrelationFilter":{"Subject":"x"}}""", "'Subject'")]
    public async Task StartAsync_WhenARuleIsUnsupported_FailsNamingTheRule(string ruleProperties, string expected)
    {
        var config = JsonNode.Parse(
            """{"UserConfig":{"Namespaces":[{"Name":"ns","Topics":[{"Name":"t","Subscriptions":[{"Name":"s","Rules":[{"Name":"r1","Properties":"""
            + ruleProperties + "}]}]}]}]}}")!.AsObject();

        var error = await Assert.ThrowsAsync<ServiceBusEmulatorConfigurationException>(() => ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = config }, Ct));

        Assert.Contains("'r1'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
