using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.ServiceBusEmulator.Filters;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

internal sealed class QueueEntity(EmulatorBroker broker, string name, ServiceBusEntitySettings settings)
{
    public string Name { get; } = name;

    public DuplicateDetector Duplicates { get; } = new(settings, broker.TimeProvider);

    public MessageStore Store { get; } = new(broker, name, settings, isDeadLetterQueue: false);
}

internal sealed class TopicEntity(EmulatorBroker broker, string name, ServiceBusEntitySettings settings)
{
    public string Name { get; } = name;

    public ServiceBusEntitySettings Settings { get; } = settings;

    public DuplicateDetector Duplicates { get; } = new(settings, broker.TimeProvider);

    public ConcurrentDictionary<string, SubscriptionEntity> Subscriptions { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class SubscriptionEntity(EmulatorBroker broker, TopicEntity topic, string name, ServiceBusEntitySettings settings, IEnumerable<ServiceBusRule> rules)
{
    public string Name { get; } = name;

    // A subscription without rules gets the service's $Default rule, which matches everything.
    public IReadOnlyList<MessageFilter> Filters { get; } = rules.Any() ? rules.Select(r => new MessageFilter(r)).ToList() : [new MessageFilter(new ServiceBusRule("$Default"))];

    public MessageStore Store { get; } = new(broker, $"{topic.Name}/{AmqpNames.Subscriptions}/{name}", settings with
    {
        // Topic-level TTL caps the subscription's, as in the service.
        DefaultMessageTimeToLive = settings.DefaultMessageTimeToLive < topic.Settings.DefaultMessageTimeToLive ? settings.DefaultMessageTimeToLive : topic.Settings.DefaultMessageTimeToLive,
    }, isDeadLetterQueue: false);
}

/// <summary>Remembers MessageIds for the entity's duplicate detection window.</summary>
internal sealed class DuplicateDetector(ServiceBusEntitySettings settings, TimeProvider clock)
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Queue<(string MessageId, DateTimeOffset At)> _order = new();

    /// <summary>True when the message should be kept (first sighting in the window, or detection is off).</summary>
    public bool TryRecord(string? messageId)
    {
        if (!settings.RequiresDuplicateDetection || messageId is null)
        {
            return true;
        }

        var now = clock.GetUtcNow();
        lock (_seen)
        {
            while (_order.TryPeek(out var oldest) && oldest.At + settings.DuplicateDetectionHistoryTimeWindow <= now)
            {
                _order.Dequeue();
                if (_seen.TryGetValue(oldest.MessageId, out var at) && at == oldest.At)
                {
                    _seen.Remove(oldest.MessageId);
                }
            }

            if (_seen.TryGetValue(messageId, out var seenAt) && seenAt + settings.DuplicateDetectionHistoryTimeWindow > now)
            {
                return false;
            }

            _seen[messageId] = now;
            _order.Enqueue((messageId, now));
            return true;
        }
    }
}

/// <summary>What an AMQP address names.</summary>
internal abstract record ResolvedAddress;

internal sealed record SendTarget(QueueEntity? Queue, TopicEntity? Topic) : ResolvedAddress;

internal sealed record ReceiveSource(MessageStore Store) : ResolvedAddress;

/// <summary>The entities and the routing between them.</summary>
internal sealed class EmulatorBroker : IDisposable
{
    private readonly ConcurrentDictionary<string, QueueEntity> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TopicEntity> _topics = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;

    public EmulatorBroker(TimeProvider timeProvider, ILogger logger)
    {
        TimeProvider = timeProvider;
        _logger = logger;

        // Locks, TTLs, schedules and session locks are checked ten times a second; with a FakeTimeProvider the
        // timer fires as the test advances the clock.
        _sweeper = timeProvider.CreateTimer(_ => Sweep(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public TimeProvider TimeProvider { get; }

    public OperationCounters Operations { get; } = new();

    public void CreateQueue(string name, ServiceBusEntitySettings settings)
    {
        RequireFreeName(name);
        if (!_queues.TryAdd(name, new QueueEntity(this, name, settings)))
        {
            throw new InvalidOperationException($"The queue '{name}' already exists.");
        }

        Log.EntityOperation(_logger, "queue created", name);
    }

    public void CreateTopic(string name, ServiceBusEntitySettings settings)
    {
        RequireFreeName(name);
        if (!_topics.TryAdd(name, new TopicEntity(this, name, settings)))
        {
            throw new InvalidOperationException($"The topic '{name}' already exists.");
        }

        Log.EntityOperation(_logger, "topic created", name);
    }

    public void CreateSubscription(string topicName, string name, ServiceBusEntitySettings settings, IEnumerable<ServiceBusRule> rules)
    {
        var topic = _topics.TryGetValue(topicName, out var t) ? t : throw new InvalidOperationException($"The topic '{topicName}' does not exist.");
        SubscriptionEntity subscription;
        try
        {
            subscription = new SubscriptionEntity(this, topic, name, settings, rules.ToList());
        }
        catch (FormatException ex)
        {
            throw new ServiceBusEmulatorConfigurationException($"A rule of subscription '{topicName}/{name}' cannot be evaluated: {ex.Message}", ex);
        }

        if (!topic.Subscriptions.TryAdd(name, subscription))
        {
            throw new InvalidOperationException($"The subscription '{topicName}/{name}' already exists.");
        }

        Log.EntityOperation(_logger, "subscription created", subscription.Store.Path);
    }

    public bool DeleteQueue(string name)
    {
        if (_queues.TryRemove(name, out var queue))
        {
            queue.Store.CloseConsumers(new Microsoft.Azure.Amqp.Framing.Error { Condition = Microsoft.Azure.Amqp.AmqpErrorCode.NotFound, Description = $"The queue '{name}' was deleted." });
            Log.EntityOperation(_logger, "queue deleted", name);
            return true;
        }

        return false;
    }

    public bool DeleteTopic(string name)
    {
        if (_topics.TryRemove(name, out _))
        {
            Log.EntityOperation(_logger, "topic deleted", name);
            return true;
        }

        return false;
    }

    public bool DeleteSubscription(string topicName, string name)
    {
        if (_topics.TryGetValue(topicName, out var topic) && topic.Subscriptions.TryRemove(name, out _))
        {
            Log.EntityOperation(_logger, "subscription deleted", topicName + "/" + AmqpNames.Subscriptions + "/" + name);
            return true;
        }

        return false;
    }

    public IEnumerable<MessageStore> AllStores() =>
        _queues.Values.Select(q => q.Store).Concat(_topics.Values.SelectMany(t => t.Subscriptions.Values.Select(s => s.Store)));

    public IReadOnlyCollection<string> QueueNames => _queues.Keys.ToList();

    public IReadOnlyCollection<(string Topic, IReadOnlyCollection<string> Subscriptions)> TopicNames =>
        _topics.Values.Select(t => (t.Name, (IReadOnlyCollection<string>)t.Subscriptions.Keys.ToList())).ToList();

    /// <summary>Resolves a link address such as <c>q</c>, <c>q/$DeadLetterQueue</c> or <c>t/Subscriptions/s</c>.</summary>
    public ResolvedAddress? Resolve(string address)
    {
        var path = Normalize(address);
        var deadLetter = false;
        if (path.EndsWith("/" + AmqpNames.DeadLetterQueue, StringComparison.OrdinalIgnoreCase))
        {
            deadLetter = true;
            path = path[..^(AmqpNames.DeadLetterQueue.Length + 1)];
        }

        MessageStore? store = null;
        var parts = path.Split('/');
        if (parts.Length == 3 && parts[1].Equals(AmqpNames.Subscriptions, StringComparison.OrdinalIgnoreCase))
        {
            if (_topics.TryGetValue(parts[0], out var topic) && topic.Subscriptions.TryGetValue(parts[2], out var subscription))
            {
                store = subscription.Store;
            }
        }
        else if (_queues.TryGetValue(path, out var queue))
        {
            if (!deadLetter)
            {
                return new SendTarget(queue, null);
            }

            store = queue.Store;
        }
        else if (!deadLetter && _topics.TryGetValue(path, out var topic))
        {
            return new SendTarget(null, topic);
        }

        if (store is null)
        {
            return null;
        }

        return new ReceiveSource(deadLetter ? store.DeadLetterQueue! : store);
    }

    /// <summary>The store a receive link on this address reads (queues resolve as send targets too).</summary>
    public MessageStore? ResolveStore(string address) => Resolve(address) switch
    {
        ReceiveSource source => source.Store,
        SendTarget { Queue: { } queue } => queue.Store,
        _ => null,
    };

    public static string Normalize(string address)
    {
        var path = address;
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps" or "sb")
        {
            path = uri.AbsolutePath;
        }

        return path.Trim('/');
    }

    /// <summary>Accepts a message sent to a queue or topic: duplicate detection, then fan-out through the rules.</summary>
    public static void Send(SendTarget target, StoredMessage message)
    {
        if (target.Queue is { } queue)
        {
            if (queue.Duplicates.TryRecord(message.MessageId))
            {
                queue.Store.Enqueue(message);
            }

            return;
        }

        var topic = target.Topic!;
        if (!topic.Duplicates.TryRecord(message.MessageId))
        {
            return;
        }

        foreach (var subscription in topic.Subscriptions.Values)
        {
            if (subscription.Filters.Any(f => f.Matches(message)))
            {
                subscription.Store.Enqueue(message.CopyForEntity());
            }
        }
    }

    /// <summary>Delivers a message forwarded by ForwardTo or ForwardDeadLetteredMessagesTo.</summary>
    public void Forward(string address, StoredMessage message)
    {
        switch (Resolve(address))
        {
            case SendTarget target:
                Send(target, message.CopyForEntity());
                break;
            case ReceiveSource source:
                source.Store.Enqueue(message.CopyForEntity());
                break;
            default:
                Log.EntityOperation(_logger, "forward target missing; message dropped", address);
                break;
        }
    }

    public void Reset()
    {
        foreach (var store in AllStores())
        {
            store.Reset();
        }

        Log.EntityOperation(_logger, "reset", "*");
    }

    private void Sweep()
    {
        try
        {
            foreach (var store in AllStores())
            {
                store.Sweep();
                store.DeadLetterQueue?.Sweep();
            }
        }
        catch (Exception ex)
        {
            Log.Unexpected(_logger, "sweep", ex);
        }
    }

    private void RequireFreeName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('$', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid entity name.", nameof(name));
        }

        if (_queues.ContainsKey(name) || _topics.ContainsKey(name))
        {
            throw new InvalidOperationException($"An entity named '{name}' already exists.");
        }
    }

    public void Dispose() => _sweeper.Dispose();
}
