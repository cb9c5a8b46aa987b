using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Cli.Chaos;

/// <summary>
/// The stages' publisher under chaos: a transient Service Bus error on a send, before the message left (nothing published)
/// or after (published and archived; the handler sees an error, is retried and publishes the same message id again, which
/// the destination's duplicate detection drops).
/// </summary>
internal sealed class ChaosPublisher(IMessagePublisher inner, ChaosMonkey monkey) : IMessagePublisher
{
    public async Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fault = monkey.DecidePublish();
        if (fault == SettleFault.Before)
        {
            throw Transient(message, "before it was sent");
        }

        await inner.PublishAsync(message, cancellationToken);
        if (fault == SettleFault.After)
        {
            throw Transient(message, "after it was sent");
        }
    }

    private static ServiceBusException Transient(OutboundMessage message, string when) =>
        new($"Chaos: a transient Service Bus error on publishing {message.MessageId} to {message.Destination}, {when}.", ServiceBusFailureReason.ServiceCommunicationProblem, message.Destination);
}
