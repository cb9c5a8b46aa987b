using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using ServerlessBackOffice.Pipeline.Capture;

namespace ServerlessBackOffice.Functions.Capture;

/// <summary>
/// The capture stage's trigger on the OMS queue: the handler gives every message exactly one outcome and says how to
/// settle it. Complete when it has its outcome (accepted, duplicate, stale, rejected — the OMS got its answer);
/// dead-letter with the reason code when processing can never succeed; a transient failure throws, so the message is
/// redelivered and the handler finishes what a crash left pending.
/// </summary>
public sealed class CaptureFunction(CaptureHandler handler)
{
    [Function("capture")]
    public async Task RunAsync(
        [ServiceBusTrigger("%OmsTradesQueue%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        if (result.Disposition == MessageDisposition.DeadLetter)
        {
            await messageActions.DeadLetterMessageAsync(
                message, null, result.ReasonCode?.ToString() ?? result.Outcome.ToString(),
                result.Description ?? $"Capture outcome {result.Outcome} for trade {result.TradeId ?? "(none)"}; the OMS was answered on its reply queue.", cancellationToken);
            return;
        }

        await messageActions.CompleteMessageAsync(message, cancellationToken);
    }
}
