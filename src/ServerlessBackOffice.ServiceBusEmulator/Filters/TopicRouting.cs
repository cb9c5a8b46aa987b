using System.Text.Json.Nodes;
using ServerlessBackOffice.ServiceBusEmulator.Configuration;

namespace ServerlessBackOffice.ServiceBusEmulator.Filters;

/// <summary>The properties of a message that subscription rules read, for routing without the broker.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="Subject">The subject (label).</param>
/// <param name="CorrelationId">The correlation id.</param>
/// <param name="ContentType">The content type.</param>
/// <param name="ApplicationProperties">The application properties.</param>
public sealed record RoutedMessage(string? MessageId, string? Subject, string? CorrelationId, string? ContentType, IReadOnlyDictionary<string, string> ApplicationProperties)
    : IMessageProperties
{
    bool IMessageProperties.TryGetSystem(string name, out object? value)
    {
        value = name switch
        {
            "MessageId" => MessageId,
            "CorrelationId" => CorrelationId,
            "Label" or "Subject" => Subject,
            "ContentType" => ContentType,
            _ => null,
        };
        return value is not null;
    }

    bool IMessageProperties.TryGetUser(string name, out object? value)
    {
        var found = ApplicationProperties.TryGetValue(name, out var text);
        value = text;
        return found;
    }
}

/// <summary>
/// The emulator's entities and subscription routing without the broker: the queues and topics of a <c>Config.json</c>, their
/// settings, and which subscriptions of a topic a message reaches — by the same SQL and correlation filters the broker
/// applies (a subscription without rules matches everything, like the <c>$Default</c> rule). For hosts that move messages in
/// memory, such as the in-memory load run.
/// </summary>
public sealed class TopicRouting
{
    private readonly Dictionary<string, ServiceBusEntitySettings> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ServiceBusEntitySettings Settings, List<(string Name, ServiceBusEntitySettings Settings, IReadOnlyList<MessageFilter> Filters)> Subscriptions)> _topics = new(StringComparer.Ordinal);

    /// <summary>Reads the entities of a <c>Config.json</c> (as produced from the topology file).</summary>
    /// <param name="config">The configuration.</param>
    public TopicRouting(JsonObject config)
    {
        var declarations = ConfigLoader.Load(config);
        foreach (var queue in declarations.Queues)
        {
            _queues[queue.Name] = queue.Settings;
        }

        foreach (var topic in declarations.Topics)
        {
            _topics[topic.Name] = (topic.Settings, [.. topic.Subscriptions.Select(s => (s.Name, s.Settings,
                (IReadOnlyList<MessageFilter>)(s.Rules.Count > 0 ? [.. s.Rules.Select(r => new MessageFilter(r))] : [new MessageFilter(new ServiceBusRule("$Default"))])))]);
        }
    }

    /// <summary>The queue names.</summary>
    public IReadOnlyCollection<string> Queues => _queues.Keys;

    /// <summary>The topic names.</summary>
    public IReadOnlyCollection<string> Topics => _topics.Keys;

    /// <summary>True when <paramref name="name"/> is a topic.</summary>
    public bool IsTopic(string name) => _topics.ContainsKey(name);

    /// <summary>The settings of a queue or topic.</summary>
    /// <exception cref="KeyNotFoundException">No such entity.</exception>
    public ServiceBusEntitySettings Settings(string entity) =>
        _queues.TryGetValue(entity, out var queue) ? queue
        : _topics.TryGetValue(entity, out var topic) ? topic.Settings
        : throw new KeyNotFoundException($"No queue or topic named '{entity}'.");

    /// <summary>The settings of a subscription.</summary>
    /// <exception cref="KeyNotFoundException">No such subscription.</exception>
    public ServiceBusEntitySettings Settings(string topic, string subscription) =>
        _topics.TryGetValue(topic, out var t) && t.Subscriptions.FirstOrDefault(s => s.Name == subscription) is { Name: not null } found
            ? found.Settings
            : throw new KeyNotFoundException($"No subscription '{subscription}' of topic '{topic}'.");

    /// <summary>The subscriptions of <paramref name="topic"/>, in declaration order.</summary>
    public IReadOnlyList<string> Subscriptions(string topic) =>
        _topics.TryGetValue(topic, out var t) ? [.. t.Subscriptions.Select(s => s.Name)] : throw new KeyNotFoundException($"No topic named '{topic}'.");

    /// <summary>The subscriptions of <paramref name="topic"/> whose rules match <paramref name="message"/>.</summary>
    public IReadOnlyList<string> Route(string topic, RoutedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_topics.TryGetValue(topic, out var t))
        {
            throw new KeyNotFoundException($"No topic named '{topic}'.");
        }

        return [.. t.Subscriptions.Where(s => s.Filters.Any(f => f.Matches(message))).Select(s => s.Name)];
    }
}
