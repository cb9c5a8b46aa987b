using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;

namespace ServerlessBackOffice.Functions.Confirmation;

/// <summary>
/// The affirmations queue's trigger: one counterparty affirmation, one handler call, the message settled explicitly.
/// Completes on every final outcome (affirmed, mismatched, held, duplicate, stale); dead-letters with a reason a body that
/// breaks affirmation-v1; lets transient failures throw, so Service Bus redelivers the message.
/// </summary>
public sealed class AffirmationFunction(AffirmationHandler handler, ILogger<AffirmationFunction> logger)
{
    [Function("affirmation-match")]
    public async Task RunAsync(
        [ServiceBusTrigger("%AffirmationsInboundQueue%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await ConfirmationFunction.SettleAsync(message, messageActions, result, logger, cancellationToken);
    }
}
