using System.Collections.Concurrent;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.ServiceBusEmulator.Filters;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.LoadRun;

/// <summary>One message waiting in an in-memory entity (a queue, or a topic's subscription).</summary>
/// <param name="Message">The message as published.</param>
/// <param name="DeliveryCount">How many times it has been delivered so far (0 while it waits for its first delivery).</param>
/// <param name="EnqueuedAt">When it was enqueued, on the business clock.</param>
/// <param name="SequenceNumber">Its position in the entity.</param>
internal sealed record QueuedMessage(OutboundMessage Message, int DeliveryCount, DateTimeOffset EnqueuedAt, long SequenceNumber);

/// <summary>A dead-lettered message with its reason and description.</summary>
internal sealed record DeadLetter(string EntityPath, OutboundMessage Message, string Reason, string Description);

/// <summary>
/// Service Bus in memory for the load run: the topology's queues and topics, each topic's subscriptions with their filters
/// (the emulator's own rule evaluation), duplicate detection within each entity's window on the business clock, FIFO
/// delivery, redelivery and dead-lettering. Messages sent to an entity nothing in the run consumes are counted and dropped,
/// so memory is bounded by what is in flight, not by what was ever sent. Thread-safe.
/// </summary>
internal sealed class InMemoryBus : IMessagePublisher
{
    private readonly TopicRouting _routing;
    private readonly TimeProvider _clock;
    private readonly HashSet<string> _consumed;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<QueuedMessage>> _entities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DuplicateWindow> _duplicates = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();
    private readonly ConcurrentDictionary<string, long> _sentTo = new(StringComparer.Ordinal);
    private long _sequence;
    private long _sent;
    private long _droppedAsDuplicates;
    private long _unconsumed;

    /// <param name="routing">The entities and their filters.</param>
    /// <param name="clock">The business clock (enqueued times, duplicate-detection windows).</param>
    /// <param name="consumed">The entity paths the run consumes (a queue name, or <see cref="Path"/> of a subscription).</param>
    public InMemoryBus(TopicRouting routing, TimeProvider clock, IEnumerable<string> consumed)
    {
        _routing = routing;
        _clock = clock;
        _consumed = consumed.ToHashSet(StringComparer.Ordinal);
        foreach (var path in _consumed)
        {
            _entities[path] = new ConcurrentQueue<QueuedMessage>();
        }
    }

    /// <summary>The entity path of a subscription, as Service Bus names it.</summary>
    public static string Path(string topic, string subscription) => $"{topic}/Subscriptions/{subscription}";

    /// <summary>Messages accepted by an entity (after duplicate detection).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Messages dropped by duplicate detection.</summary>
    public long DroppedAsDuplicates => Interlocked.Read(ref _droppedAsDuplicates);

    /// <summary>Copies delivered to entities nothing in this run consumes (counted, not kept).</summary>
    public long Unconsumed => Interlocked.Read(ref _unconsumed);

    /// <summary>Messages accepted per destination queue or topic.</summary>
    public IReadOnlyDictionary<string, long> SentTo => _sentTo;

    /// <summary>Every dead-lettered message.</summary>
    public IReadOnlyCollection<DeadLetter> DeadLetters => _deadLetters;

    /// <summary>Messages waiting in each consumed entity.</summary>
    public IReadOnlyDictionary<string, int> Depths => _entities.ToDictionary(e => e.Key, e => e.Value.Count, StringComparer.Ordinal);

    /// <summary>Messages waiting in every consumed entity together.</summary>
    public int Waiting => _entities.Values.Sum(q => q.Count);

    public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var destination = message.Destination;
        var settings = _routing.Settings(destination);
        var now = _clock.GetUtcNow();
        if (settings.RequiresDuplicateDetection
            && !_duplicates.GetOrAdd(destination, _ => new DuplicateWindow(settings.DuplicateDetectionHistoryTimeWindow)).TryAdd(message.MessageId, now))
        {
            Interlocked.Increment(ref _droppedAsDuplicates);
            return Task.CompletedTask;
        }

        Interlocked.Increment(ref _sent);
        _sentTo.AddOrUpdate(destination, 1, (_, n) => n + 1);
        if (!_routing.IsTopic(destination))
        {
            Enqueue(destination, message, now);
            return Task.CompletedTask;
        }

        var routed = new RoutedMessage(message.MessageId, message.Subject, message.CorrelationId, "application/json", message.ApplicationProperties);
        foreach (var subscription in _routing.Route(destination, routed))
        {
            Enqueue(Path(destination, subscription), message, now);
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes the next message of an entity for delivery, with its delivery count raised.</summary>
    public bool TryReceive(string entityPath, out QueuedMessage delivery)
    {
        if (_entities.TryGetValue(entityPath, out var queue) && queue.TryDequeue(out var next))
        {
            delivery = next with { DeliveryCount = next.DeliveryCount + 1 };
            return true;
        }

        delivery = null!;
        return false;
    }

    /// <summary>Puts a delivered message back (abandoned, or its handler failed): it is delivered again later.</summary>
    public void Abandon(string entityPath, QueuedMessage delivery) => _entities[entityPath].Enqueue(delivery);

    /// <summary>Moves a delivered message to the entity's dead-letter queue.</summary>
    public void DeadLetter(string entityPath, QueuedMessage delivery, string reason, string description) =>
        _deadLetters.Enqueue(new DeadLetter(entityPath, delivery.Message, reason, description));

    /// <summary>The maximum delivery count of a queue or subscription path.</summary>
    public int MaxDeliveryCount(string entityPath)
    {
        var parts = entityPath.Split("/Subscriptions/", 2, StringSplitOptions.None);
        return (parts.Length == 2 ? _routing.Settings(parts[0], parts[1]) : _routing.Settings(parts[0])).MaxDeliveryCount;
    }

    private void Enqueue(string entityPath, OutboundMessage message, DateTimeOffset now)
    {
        if (_entities.TryGetValue(entityPath, out var queue))
        {
            queue.Enqueue(new QueuedMessage(message, 0, now, Interlocked.Increment(ref _sequence)));
        }
        else
        {
            Interlocked.Increment(ref _unconsumed);
        }
    }

    /// <summary>Duplicate detection of one entity: the message ids seen within the window, forgotten as the clock moves on.</summary>
    private sealed class DuplicateWindow(TimeSpan window)
    {
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private readonly Queue<(string Id, DateTimeOffset At)> _order = new();
        private readonly Lock _gate = new();

        public bool TryAdd(string id, DateTimeOffset now)
        {
            lock (_gate)
            {
                while (_order.TryPeek(out var oldest) && oldest.At < now - window)
                {
                    _ids.Remove(_order.Dequeue().Id);
                }

                if (!_ids.Add(id))
                {
                    return false;
                }

                _order.Enqueue((id, now));
                return true;
            }
        }
    }
}
