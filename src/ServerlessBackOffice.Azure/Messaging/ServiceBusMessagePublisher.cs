using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.Messaging;

/// <summary>
/// Publishes the pipeline's outbound messages with the official client. The message id is the pipeline's deterministic
/// id, so a publish retried after a crash is dropped by the entity's duplicate detection; senders are created once per
/// destination and reused (they are thread-safe and hold the AMQP link).
/// </summary>
public sealed class ServiceBusMessagePublisher(ServiceBusClient client) : IMessagePublisher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public async Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sender = _senders.GetOrAdd(message.Destination, client.CreateSender);
        var outgoing = new ServiceBusMessage(BinaryData.FromString(message.Body))
        {
            MessageId = message.MessageId,
            Subject = message.Subject,
            CorrelationId = message.CorrelationId,
            ContentType = "application/json",
        };
        foreach (var (name, value) in message.ApplicationProperties)
        {
            outgoing.ApplicationProperties[name] = value;
        }

        await sender.SendMessageAsync(outgoing, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in _senders.Values)
        {
            await sender.DisposeAsync();
        }

        _senders.Clear();
    }
}
