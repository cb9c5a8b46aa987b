using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;

namespace ServerlessBackOffice.Functions.Confirmation;

/// <summary>
/// The confirmation stage's trigger: one trade event from the confirmation subscription, one handler call, the message
/// settled explicitly. Completes on every final outcome (confirmed, not re-confirmed, cancelled, stale); dead-letters with a
/// reason what can never succeed (a malformed event); lets transient failures throw, so Service Bus redelivers the message.
/// </summary>
public sealed partial class ConfirmationFunction(ConfirmationHandler handler, ILogger<ConfirmationFunction> logger)
{
    [Function("confirmation-send")]
    public async Task RunAsync(
        [ServiceBusTrigger("%TradeEventsTopic%", "%ConfirmationSubscription%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await SettleAsync(message, messageActions, result, logger, cancellationToken);
    }

    /// <summary>Settles a message by a confirmation-stage result: complete, or dead-letter with its reason and description.</summary>
    internal static async Task SettleAsync(ServiceBusReceivedMessage message, ServiceBusMessageActions messageActions, ConfirmationResult result, ILogger logger, CancellationToken cancellationToken)
    {
        if (result.Disposition == MessageDisposition.DeadLetter)
        {
            LogDeadLettered(logger, message.MessageId, message.CorrelationId, result.Reason ?? string.Empty, result.Description);
            // An empty property set rather than null: the SDK's receiver-side overload (used by the local host) refuses null.
            await messageActions.DeadLetterMessageAsync(message, [], result.Reason, result.Description, cancellationToken);
            return;
        }

        await messageActions.CompleteMessageAsync(message, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} (correlation {CorrelationId}) dead-lettered: {Reason}: {Description}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string? correlationId, string reason, string description);
}
