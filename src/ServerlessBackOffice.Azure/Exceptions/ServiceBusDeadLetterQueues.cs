using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Exceptions;

/// <summary>
/// The dead-letter sub-queues of every queue and subscription of the topology, through the Service Bus client: peeked with
/// a receiver on <see cref="SubQueue.DeadLetter"/> (peeking locks nothing), and a message removed by receiving it from the
/// sub-queue in peek-lock mode and completing it (every other message received on the way is abandoned at once).
/// </summary>
public sealed class ServiceBusDeadLetterQueues(ServiceBusClient client, IReadOnlyList<string>? entityPaths = null) : IDeadLetterQueues
{
    private const string SubscriptionsSegment = "/Subscriptions/";
    private const int RemoveBatch = 50;
    private const int RemoveRounds = 20;

    /// <inheritdoc />
    public IReadOnlyList<string> EntityPaths { get; } = entityPaths ?? AllEntityPaths(TopologyDocument.Default);

    /// <summary>Every queue, and every subscription as <c>&lt;topic&gt;/Subscriptions/&lt;subscription&gt;</c>.</summary>
    public static IReadOnlyList<string> AllEntityPaths(TopologyDocument topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return
        [
            .. topology.ServiceBus.Queues.Select(q => q.Name),
            .. topology.ServiceBus.Topics.SelectMany(t => t.Subscriptions.Select(s => t.Name + SubscriptionsSegment + s.Name)),
        ];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string entityPath, int maxPerEntity, CancellationToken cancellationToken)
    {
        await using var receiver = Receiver(entityPath, ServiceBusReceiveMode.PeekLock);
        var result = new List<DeadLetteredMessage>();
        long? from = null;
        while (result.Count < maxPerEntity)
        {
            var page = await receiver.PeekMessagesAsync(Math.Min(100, maxPerEntity - result.Count), from, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            result.AddRange(page.Select(m => ToMessage(entityPath, m)));
            from = page[^1].SequenceNumber + 1;
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<DeadLetteredMessage?> PeekOneAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken)
    {
        await using var receiver = Receiver(entityPath, ServiceBusReceiveMode.PeekLock);
        var message = await receiver.PeekMessageAsync(sequenceNumber, cancellationToken);
        return message is not null && message.SequenceNumber == sequenceNumber ? ToMessage(entityPath, message) : null;
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken)
    {
        if (await PeekOneAsync(entityPath, sequenceNumber, cancellationToken) is null)
        {
            return false;
        }

        await using var receiver = Receiver(entityPath, ServiceBusReceiveMode.PeekLock);
        for (var round = 0; round < RemoveRounds; round++)
        {
            var batch = await receiver.ReceiveMessagesAsync(RemoveBatch, TimeSpan.FromSeconds(2), cancellationToken);
            if (batch.Count == 0)
            {
                return false;
            }

            var found = false;
            foreach (var message in batch)
            {
                if (message.SequenceNumber == sequenceNumber)
                {
                    await receiver.CompleteMessageAsync(message, cancellationToken);
                    found = true;
                }
                else
                {
                    await receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken);
                }
            }

            if (found)
            {
                return true;
            }
        }

        return false;
    }

    private ServiceBusReceiver Receiver(string entityPath, ServiceBusReceiveMode mode)
    {
        var options = new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter, ReceiveMode = mode };
        var split = entityPath.IndexOf(SubscriptionsSegment, StringComparison.OrdinalIgnoreCase);
        return split < 0
            ? client.CreateReceiver(entityPath, options)
            : client.CreateReceiver(entityPath[..split], entityPath[(split + SubscriptionsSegment.Length)..], options);
    }

    private static DeadLetteredMessage ToMessage(string entityPath, ServiceBusReceivedMessage message) => new(
        entityPath,
        message.SequenceNumber,
        message.MessageId,
        message.CorrelationId,
        message.Subject,
        message.DeadLetterReason,
        message.DeadLetterErrorDescription,
        message.EnqueuedTime,
        message.DeliveryCount,
        message.ApplicationProperties
            .Where(p => p.Key is not ("DeadLetterReason" or "DeadLetterErrorDescription"))
            .ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.Ordinal),
        message.Body.ToMemory());
}
