using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>The topology file is valid for every service that reads it, and the code's typed access matches it.</summary>
public sealed partial class TopologyTests
{
    private static readonly TopologyDocument Topology = TopologyDocument.Default;

    [Fact]
    public void EmbeddedTopology_IsTheFileInInfra()
    {
        var fromFile = TopologyDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "topology.json")));

        Assert.Equal(fromFile.AllEntityNames(), Topology.AllEntityNames());
    }

    [Fact]
    public void EveryTypedEntity_ResolvesInTheTopology()
    {
        var properties = typeof(Entities).GetNestedTypes().Append(typeof(Entities))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Static))
            .ToList();

        Assert.NotEmpty(properties);
        foreach (var property in properties)
        {
            var value = property.GetValue(null);
            Assert.NotNull(value);
        }
    }

    [Fact]
    public void MissingKey_FailsWithTheKeyInTheMessage()
    {
        var ex = Assert.Throws<TopologyException>(() => Topology.Queue("no-such-queue"));

        Assert.Contains("no-such-queue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceBusNames_AreValidForServiceBus()
    {
        foreach (var name in Topology.ServiceBus.Queues.Select(q => q.Name).Concat(Topology.ServiceBus.Topics.Select(t => t.Name)))
        {
            Assert.Matches(ServiceBusEntityName(), name);
            Assert.True(name.Length <= 260, name);
        }

        foreach (var subscription in Topology.ServiceBus.Topics.SelectMany(t => t.Subscriptions))
        {
            Assert.Matches(ServiceBusEntityName(), subscription.Name);
            Assert.True(subscription.Name.Length <= 50, $"Subscription '{subscription.Name}' is longer than 50 characters.");
        }
    }

    [Fact]
    public void CosmosAndBlobNames_AreValidForTheirServices()
    {
        foreach (var container in Topology.Cosmos.Containers)
        {
            Assert.Matches(CosmosId(), container.Name);
            Assert.Matches(PartitionKeyPath(), container.PartitionKeyPath);
        }

        foreach (var container in Topology.Blob.Containers)
        {
            Assert.Matches(BlobContainerName(), container.Name);
            Assert.DoesNotContain("--", container.Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EntityDurations_AreIso8601AndWithinServiceLimits()
    {
        var all = Topology.ServiceBus.Queues.Select(q => (q.Name, q.Properties))
            .Concat(Topology.ServiceBus.Topics.Select(t => (t.Name, t.Properties)))
            .Concat(Topology.ServiceBus.Topics.SelectMany(t => t.Subscriptions.Select(s => (s.Name, s.Properties))));

        foreach (var (name, properties) in all)
        {
            if (properties.LockDuration is { } lockDuration)
            {
                var value = XmlConvert.ToTimeSpan(lockDuration);
                Assert.InRange(value, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
            }

            if (properties.DuplicateDetectionHistoryTimeWindow is { } window)
            {
                Assert.InRange(XmlConvert.ToTimeSpan(window), TimeSpan.FromSeconds(20), TimeSpan.FromDays(7));
            }

            if (properties.DefaultMessageTimeToLive is { } ttl)
            {
                Assert.True(XmlConvert.ToTimeSpan(ttl) > TimeSpan.Zero, $"{name}: TTL must be positive.");
            }

            if (properties.MaxDeliveryCount is { } maxDeliveryCount)
            {
                Assert.InRange(maxDeliveryCount, 1, 2000);
            }
        }
    }

    [Fact]
    public void InboundQueues_DetectDuplicatesAndDeadLetterExpiredMessages()
    {
        // Nothing is lost: an expired inbound message goes to the dead-letter queue, and a retried publish is dropped.
        foreach (var key in new[] { "omsTrades", "affirmationsInbound", "custodianStatusInbound", "holdingsStatementsInbound", "cashStatementsInbound" })
        {
            var queue = Topology.Queue(key);
            Assert.True(queue.Properties.RequiresDuplicateDetection, $"{queue.Name} must detect duplicates.");
            Assert.True(queue.Properties.DeadLetteringOnMessageExpiration, $"{queue.Name} must dead-letter expired messages.");
        }
    }

    [Fact]
    public void PartySubscriptions_FilterOnAValidLei()
    {
        var partySubscriptions = Topology.ServiceBus.Topics.SelectMany(t => t.Subscriptions).Where(s => s.Party is not null).ToList();

        Assert.Equal(20, Topology.Topic("counterpartyOutbound").Subscriptions.Count);
        foreach (var subscription in partySubscriptions)
        {
            Assert.True(IsValidLei(subscription.Party!.Lei), $"{subscription.Name}: '{subscription.Party.Lei}' is not a valid LEI.");
            var filter = Assert.Single(subscription.Rules).Properties.CorrelationFilter;
            Assert.NotNull(filter?.Properties);
            Assert.Contains(subscription.Party.Lei, filter.Properties.Values);
        }
    }

    [Fact]
    public void TradeEventSubscriptions_FilterOnEventType()
    {
        foreach (var subscription in Topology.Topic("tradeEvents").Subscriptions)
        {
            var rule = Assert.Single(subscription.Rules);
            Assert.Equal("Sql", rule.Properties.FilterType);
            Assert.StartsWith("eventType IN (", rule.Properties.SqlFilter!.SqlExpression, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EmulatorConfig_HasEveryServiceBusEntity()
    {
        var json = EmulatorConfig.FromTopology(Topology).ToJsonString();

        foreach (var (kind, name) in Topology.AllEntityNames().Where(e => e.Kind is "queue" or "topic" or "subscription"))
        {
            Assert.True(json.Contains($"\"Name\":\"{name}\"", StringComparison.Ordinal), $"{kind} {name} is missing from the emulator configuration.");
        }
    }

    [Theory]
    [InlineData("""{"version":2,"serviceBus":{"namespaceAppSetting":"x","queues":[],"topics":[]},"cosmos":{"database":{"name":"d","appSetting":"D"},"containers":[]},"blob":{"containers":[]}}""", "version 2")]
    [InlineData("""{"version":1,"serviceBus":{"namespaceAppSetting":"x","queues":[{"key":"a","name":"q","appSetting":"A","description":"","properties":{}},{"key":"b","name":"q","appSetting":"B","description":"","properties":{}}],"topics":[]},"cosmos":{"database":{"name":"d","appSetting":"D"},"containers":[]},"blob":{"containers":[]}}""", "'q' more than once")]
    [InlineData("""{"version":1,"serviceBus":{"namespaceAppSetting":"x","queues":[],"topics":[]},"cosmos":{"database":{"name":"d","appSetting":"D"},"containers":[{"key":"c","name":"c","partitionKeyPath":"id","description":""}]},"blob":{"containers":[]}}""", "partition key path")]
    [InlineData("""{"version":1,""", "not valid JSON")]
    public void Parse_RejectsAnInconsistentDocument(string json, string expectedMessage)
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyDocument.Parse(json));

        Assert.Contains(expectedMessage, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>ISO 17442: 20 characters, the last two are ISO 7064 MOD 97-10 check digits.</summary>
    private static bool IsValidLei(string lei)
    {
        if (!LeiShape().IsMatch(lei))
        {
            return false;
        }

        var remainder = 0;
        foreach (var c in lei)
        {
            var value = char.IsDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value >= 10 ? ((remainder * 100) + value) % 97 : ((remainder * 10) + value) % 97;
        }

        return remainder == 1;
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex ServiceBusEntityName();

    [GeneratedRegex(@"^[^/\\#?]{1,255}$")]
    private static partial Regex CosmosId();

    [GeneratedRegex("^/[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PartitionKeyPath();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex BlobContainerName();

    [GeneratedRegex("^[A-Z0-9]{18}[0-9]{2}$")]
    private static partial Regex LeiShape();
}
