using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessBackOffice.Topology;

/// <summary>
/// The entity topology read from <c>infra/topology.json</c>, the one file that names every queue, topic,
/// subscription, Cosmos container and blob container. Code asks for an entity by its key and never spells a name.
/// </summary>
public sealed record TopologyDocument(
    int Version,
    ServiceBusTopology ServiceBus,
    CosmosTopology Cosmos,
    BlobTopology Blob)
{
    private const string ResourceName = "ServerlessBackOffice.Topology.topology.json";

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private static readonly Lazy<TopologyDocument> EmbeddedDocument = new(LoadEmbedded);

    /// <summary>The topology compiled into this assembly from <c>infra/topology.json</c>.</summary>
    public static TopologyDocument Default => EmbeddedDocument.Value;

    /// <summary>Parses a topology document and checks it is internally consistent.</summary>
    /// <exception cref="TopologyException">The document is malformed, names an entity twice, or misses a required field.</exception>
    public static TopologyDocument Parse(string json)
    {
        TopologyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<TopologyDocument>(json, SerializerOptions);
        }
        catch (JsonException ex)
        {
            throw new TopologyException($"The topology document is not valid JSON for its schema: {ex.Message}", ex);
        }

        if (document is null)
        {
            throw new TopologyException("The topology document is empty.");
        }

        document.Validate();
        return document;
    }

    /// <summary>The queue with the given key.</summary>
    public QueueDefinition Queue(string key) =>
        ServiceBus.Queues.SingleOrDefault(q => q.Key == key)
        ?? throw new TopologyException($"The topology has no queue with key '{key}'.");

    /// <summary>The topic with the given key.</summary>
    public TopicDefinition Topic(string key) =>
        ServiceBus.Topics.SingleOrDefault(t => t.Key == key)
        ?? throw new TopologyException($"The topology has no topic with key '{key}'.");

    /// <summary>The Cosmos container with the given key.</summary>
    public CosmosContainerDefinition Container(string key) =>
        Cosmos.Containers.SingleOrDefault(c => c.Key == key)
        ?? throw new TopologyException($"The topology has no Cosmos container with key '{key}'.");

    /// <summary>The blob container with the given key.</summary>
    public BlobContainerDefinition BlobContainer(string key) =>
        Blob.Containers.SingleOrDefault(c => c.Key == key)
        ?? throw new TopologyException($"The topology has no blob container with key '{key}'.");

    /// <summary>Every entity name the topology declares, with what kind of entity it is.</summary>
    public IEnumerable<(string Kind, string Name)> AllEntityNames()
    {
        foreach (var queue in ServiceBus.Queues)
        {
            yield return ("queue", queue.Name);
        }

        foreach (var topic in ServiceBus.Topics)
        {
            yield return ("topic", topic.Name);
            foreach (var subscription in topic.Subscriptions)
            {
                yield return ("subscription", subscription.Name);
            }
        }

        yield return ("cosmos-database", Cosmos.Database.Name);
        foreach (var container in Cosmos.Containers)
        {
            yield return ("cosmos-container", container.Name);
        }

        foreach (var container in Blob.Containers)
        {
            yield return ("blob-container", container.Name);
        }
    }

    /// <summary>Every app setting through which a host is told an entity's name.</summary>
    public IEnumerable<(string AppSetting, string Name)> AppSettings()
    {
        foreach (var queue in ServiceBus.Queues)
        {
            yield return (queue.AppSetting, queue.Name);
        }

        foreach (var topic in ServiceBus.Topics)
        {
            yield return (topic.AppSetting, topic.Name);
            foreach (var subscription in topic.Subscriptions.Where(s => s.AppSetting is not null))
            {
                yield return (subscription.AppSetting!, subscription.Name);
            }
        }

        yield return (Cosmos.Database.AppSetting, Cosmos.Database.Name);
    }

    private static TopologyDocument LoadEmbedded()
    {
        using var stream = typeof(TopologyDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new TopologyException($"The embedded resource '{ResourceName}' is missing; the build links infra/topology.json into this assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private void Validate()
    {
        if (Version != 1)
        {
            throw new TopologyException($"Topology version {Version} is not supported; this build reads version 1.");
        }

        if (ServiceBus is null || Cosmos is null || Blob is null)
        {
            throw new TopologyException("The topology must have serviceBus, cosmos and blob sections.");
        }

        RequireUnique("Service Bus entity", ServiceBus.Queues.Select(q => q.Name).Concat(ServiceBus.Topics.Select(t => t.Name)));
        RequireUnique("Service Bus key", ServiceBus.Queues.Select(q => q.Key).Concat(ServiceBus.Topics.Select(t => t.Key)));
        foreach (var topic in ServiceBus.Topics)
        {
            RequireUnique($"subscription of topic '{topic.Name}'", topic.Subscriptions.Select(s => s.Name));
            RequireUnique($"subscription key of topic '{topic.Name}'", topic.Subscriptions.Select(s => s.Key));
        }

        RequireUnique("Cosmos container", Cosmos.Containers.Select(c => c.Name));
        RequireUnique("blob container", Blob.Containers.Select(c => c.Name));
        RequireUnique("app setting", AppSettings().Select(s => s.AppSetting));

        foreach (var container in Cosmos.Containers)
        {
            if (string.IsNullOrWhiteSpace(container.PartitionKeyPath) || !container.PartitionKeyPath.StartsWith('/'))
            {
                throw new TopologyException($"Cosmos container '{container.Name}' needs a partition key path that starts with '/'.");
            }
        }

        foreach (var (kind, name) in AllEntityNames())
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new TopologyException($"A {kind} in the topology has no name.");
            }
        }
    }

    private static void RequireUnique(string what, IEnumerable<string> names)
    {
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TopologyException($"The topology names the {what} '{duplicate.Key}' more than once.");
        }
    }
}

/// <summary>The Service Bus part of the topology: queues and topics with their subscriptions.</summary>
public sealed record ServiceBusTopology(string NamespaceAppSetting, IReadOnlyList<QueueDefinition> Queues, IReadOnlyList<TopicDefinition> Topics);

/// <summary>A queue, with entity properties named as in Microsoft's Service Bus emulator Config.json.</summary>
public sealed record QueueDefinition(string Key, string Name, string AppSetting, string Description, EntityProperties Properties);

/// <summary>A topic and its subscriptions.</summary>
public sealed record TopicDefinition(string Key, string Name, string AppSetting, string Description, EntityProperties Properties, IReadOnlyList<SubscriptionDefinition> Subscriptions)
{
    /// <summary>The subscription with the given key.</summary>
    public SubscriptionDefinition Subscription(string key) =>
        Subscriptions.SingleOrDefault(s => s.Key == key)
        ?? throw new TopologyException($"Topic '{Name}' has no subscription with key '{key}'.");
}

/// <summary>A subscription with its rules. <see cref="Party"/> is set for per-counterparty and per-custodian subscriptions.</summary>
public sealed record SubscriptionDefinition(string Key, string Name, string? AppSetting, string Description, PartyReference? Party, EntityProperties Properties, IReadOnlyList<RuleDefinition> Rules);

/// <summary>The counterparty or custodian a subscription is filtered for.</summary>
public sealed record PartyReference(string Lei, string Name);

/// <summary>Entity settings, with the names and ISO 8601 durations of Microsoft's emulator configuration.</summary>
public sealed record EntityProperties(
    string? LockDuration,
    int? MaxDeliveryCount,
    string? DefaultMessageTimeToLive,
    bool? DeadLetteringOnMessageExpiration,
    bool? RequiresDuplicateDetection,
    string? DuplicateDetectionHistoryTimeWindow,
    bool? RequiresSession,
    string? ForwardTo,
    string? ForwardDeadLetteredMessagesTo);

/// <summary>A subscription rule: a SQL or correlation filter, optionally with a SQL action.</summary>
public sealed record RuleDefinition(string Name, RuleProperties Properties);

/// <summary>The filter of a rule, as in the emulator's Config.json.</summary>
public sealed record RuleProperties(string FilterType, SqlFilterDefinition? SqlFilter, CorrelationFilterDefinition? CorrelationFilter, SqlFilterDefinition? Action);

/// <summary>A SQL filter or action expression.</summary>
public sealed record SqlFilterDefinition(string SqlExpression);

/// <summary>A correlation filter on system and application properties.</summary>
public sealed record CorrelationFilterDefinition(
    string? ContentType,
    string? CorrelationId,
    string? Label,
    string? MessageId,
    string? ReplyTo,
    string? ReplyToSessionId,
    string? SessionId,
    string? To,
    IReadOnlyDictionary<string, string>? Properties);

/// <summary>The Cosmos DB part of the topology.</summary>
public sealed record CosmosTopology(CosmosDatabaseDefinition Database, IReadOnlyList<CosmosContainerDefinition> Containers);

/// <summary>The Cosmos database and the app setting that names it.</summary>
public sealed record CosmosDatabaseDefinition(string Name, string AppSetting);

/// <summary>A Cosmos container with its partition key and default TTL (null: documents never expire).</summary>
public sealed record CosmosContainerDefinition(string Key, string Name, string PartitionKeyPath, int? DefaultTimeToLiveSeconds, string Description);

/// <summary>The Blob Storage part of the topology.</summary>
public sealed record BlobTopology(IReadOnlyList<BlobContainerDefinition> Containers);

/// <summary>A blob container; immutable ones get time-based retention in Azure and are never overwritten by the app.</summary>
public sealed record BlobContainerDefinition(string Key, string Name, bool Immutable, string Description);

/// <summary>The topology document is malformed or lacks what the code asks for.</summary>
public sealed class TopologyException : Exception
{
    public TopologyException(string message) : base(message)
    {
    }

    public TopologyException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public TopologyException()
    {
    }
}
