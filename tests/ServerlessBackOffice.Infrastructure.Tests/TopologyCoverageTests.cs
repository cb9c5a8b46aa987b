using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>Every entity of infra/topology.json is in the compiled infrastructure, with its settings and its app setting.</summary>
public sealed class TopologyCoverageTests(CompiledInfrastructure infra)
{
    private static readonly TopologyDocument Topology = TopologyDocument.Default;

    private IReadOnlyList<ExpandedResource> Resources => infra.Resources["dev"];

    private IEnumerable<ExpandedResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The resource name without the namespace, account or database prefix, e.g. <c>topic/subscription</c>.</summary>
    private static string Local(ExpandedResource resource, int segments) => string.Join('/', resource.Name.Split('/')[^segments..]);

    private static void AssertJsonEqual(object? expected, object? actual) =>
        Assert.Equal(CompiledInfrastructure.Serialize(expected), CompiledInfrastructure.Serialize(actual));

    [Fact]
    public void Template_EmbedsTheTopologyFileUnchanged()
    {
        var embedded = infra.Template["variables"]!.AsObject().Select(v => v.Value).OfType<System.Text.Json.Nodes.JsonObject>()
            .Single(v => v.ContainsKey("serviceBus") && v.ContainsKey("cosmos"));
        var file = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "infra", "topology.json")));

        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(file, embedded), "main.bicep must load infra/topology.json with loadJsonContent, not a copy.");
    }

    [Fact]
    public void Queues_AreDeployedWithTheirTopologySettings()
    {
        var queues = OfType("Microsoft.ServiceBus/namespaces/queues").ToDictionary(q => Local(q, 1), StringComparer.Ordinal);

        Assert.Equal(Topology.ServiceBus.Queues.Select(q => q.Name).Order(StringComparer.Ordinal), queues.Keys.Order(StringComparer.Ordinal));
        foreach (var queue in Topology.ServiceBus.Queues)
        {
            var deployed = queues[queue.Name];
            Assert.Equal(queue.Properties.LockDuration, deployed.Get("properties.lockDuration"));
            AssertJsonEqual(queue.Properties.MaxDeliveryCount, deployed.Get("properties.maxDeliveryCount"));
            Assert.Equal(queue.Properties.DefaultMessageTimeToLive, deployed.Get("properties.defaultMessageTimeToLive"));
            Assert.Equal(queue.Properties.DeadLetteringOnMessageExpiration, deployed.Get("properties.deadLetteringOnMessageExpiration"));
            Assert.Equal(queue.Properties.RequiresDuplicateDetection, deployed.Get("properties.requiresDuplicateDetection"));
            Assert.Equal(queue.Properties.RequiresSession, deployed.Get("properties.requiresSession"));
            if (queue.Properties.RequiresDuplicateDetection == true)
            {
                Assert.Equal(queue.Properties.DuplicateDetectionHistoryTimeWindow, deployed.Get("properties.duplicateDetectionHistoryTimeWindow"));
            }

            Assert.Equal(string.IsNullOrEmpty(queue.Properties.ForwardTo) ? null : queue.Properties.ForwardTo, deployed.Get("properties.forwardTo"));
        }
    }

    [Fact]
    public void TopicsAndSubscriptions_AreDeployedWithTheirTopologySettings()
    {
        var topics = OfType("Microsoft.ServiceBus/namespaces/topics").ToDictionary(t => Local(t, 1), StringComparer.Ordinal);
        var subscriptions = OfType("Microsoft.ServiceBus/namespaces/topics/subscriptions").ToDictionary(s => Local(s, 2), StringComparer.Ordinal);

        Assert.Equal(Topology.ServiceBus.Topics.Select(t => t.Name).Order(StringComparer.Ordinal), topics.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Topology.ServiceBus.Topics.Sum(t => t.Subscriptions.Count), subscriptions.Count);
        foreach (var topic in Topology.ServiceBus.Topics)
        {
            Assert.Equal(topic.Properties.DefaultMessageTimeToLive, topics[topic.Name].Get("properties.defaultMessageTimeToLive"));
            Assert.Equal(topic.Properties.RequiresDuplicateDetection, topics[topic.Name].Get("properties.requiresDuplicateDetection"));
            foreach (var subscription in topic.Subscriptions)
            {
                var deployed = subscriptions[$"{topic.Name}/{subscription.Name}"];
                Assert.Equal(subscription.Properties.LockDuration, deployed.Get("properties.lockDuration"));
                AssertJsonEqual(subscription.Properties.MaxDeliveryCount, deployed.Get("properties.maxDeliveryCount"));
                Assert.Equal(subscription.Properties.DeadLetteringOnMessageExpiration, deployed.Get("properties.deadLetteringOnMessageExpiration"));
                Assert.Equal(subscription.Properties.RequiresSession, deployed.Get("properties.requiresSession"));
            }
        }
    }

    [Fact]
    public void SubscriptionRules_AreDeployedAsTheTopologyFilters()
    {
        var rules = OfType("Microsoft.ServiceBus/namespaces/topics/subscriptions/rules").ToDictionary(r => Local(r, 3), StringComparer.Ordinal);

        foreach (var topic in Topology.ServiceBus.Topics)
        {
            foreach (var subscription in topic.Subscriptions)
            {
                foreach (var rule in subscription.Rules)
                {
                    var deployed = rules[$"{topic.Name}/{subscription.Name}/{rule.Name}"];
                    if (rule.Properties.FilterType == "Sql")
                    {
                        Assert.Equal("SqlFilter", deployed.Get("properties.filterType"));
                        Assert.Equal(rule.Properties.SqlFilter!.SqlExpression, deployed.Get("properties.sqlFilter.sqlExpression"));
                    }
                    else
                    {
                        Assert.Equal("CorrelationFilter", deployed.Get("properties.filterType"));
                        var properties = (IReadOnlyDictionary<string, object?>)deployed.Get("properties.correlationFilter.properties")!;
                        Assert.Equal(rule.Properties.CorrelationFilter!.Properties!.ToDictionary(p => p.Key, p => (object?)p.Value), properties);
                    }
                }
            }
        }
    }

    [Fact]
    public void EverySubscription_HasItsCatchAllDefaultRuleReplacedByOneThatMatchesNothing()
    {
        var defaults = OfType("Microsoft.ServiceBus/namespaces/topics/subscriptions/rules").Where(r => r.Name.EndsWith("/$Default", StringComparison.Ordinal)).ToList();

        Assert.Equal(Topology.ServiceBus.Topics.Sum(t => t.Subscriptions.Count), defaults.Count);
        Assert.All(defaults, r => Assert.Equal("1=0", r.Get("properties.sqlFilter.sqlExpression")));
    }

    [Fact]
    public void CosmosDatabaseAndContainers_AreDeployedWithPartitionKeysTtlAndIndexing()
    {
        var database = Assert.Single(OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases"));
        var containers = OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").ToDictionary(c => Local(c, 1), StringComparer.Ordinal);

        Assert.Equal(Topology.Cosmos.Database.Name, Local(database, 1));
        Assert.Equal(Topology.Cosmos.Containers.Select(c => c.Name).Order(StringComparer.Ordinal), containers.Keys.Order(StringComparer.Ordinal));
        foreach (var container in Topology.Cosmos.Containers)
        {
            var deployed = containers[container.Name];
            Assert.Equal([container.PartitionKeyPath], (IReadOnlyList<object?>)deployed.Get("properties.resource.partitionKey.paths")!);
            AssertJsonEqual(container.DefaultTimeToLiveSeconds, deployed.Get("properties.resource.defaultTtl"));
            Assert.Equal("consistent", deployed.Get("properties.resource.indexingPolicy.indexingMode"));
        }
    }

    [Fact]
    public void BlobContainers_AreDeployedInTheArchiveAccount()
    {
        var containers = OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => Local(c, 1)).ToList();

        Assert.All(Topology.Blob.Containers, c => Assert.Contains(c.Name, containers));
    }

    [Fact]
    public void FunctionApp_CarriesEveryEntityAppSettingWithTheEntityName()
    {
        var app = Assert.Single(OfType("Microsoft.Web/sites"));
        var settings = ((IReadOnlyList<object?>)app.Get("properties.siteConfig.appSettings")!).Cast<IReadOnlyDictionary<string, object?>>()
            .ToDictionary(s => (string)s["name"]!, s => s["value"], StringComparer.Ordinal);

        foreach (var (appSetting, name) in Topology.AppSettings())
        {
            Assert.True(settings.TryGetValue(appSetting, out var value), $"App setting {appSetting} is missing.");
            Assert.Equal(name, value);
        }
    }
}
