using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Functions.Settlement;

/// <summary>
/// The settlement subscription's trigger: one trade event (TradeAffirmed, TradeAmended, TradeCancelled), one handler call,
/// the message settled explicitly: completed on every final outcome, dead-lettered with a reason when it can never succeed,
/// and thrown back for a retry when it may succeed later (or on a transient failure).
/// </summary>
public sealed partial class SettlementInstructionFunction(SettlementInstructionHandler handler, ILogger<SettlementInstructionFunction> logger)
{
    [Function("settlement-instruct")]
    public async Task RunAsync(
        [ServiceBusTrigger("%TradeEventsTopic%", "%SettlementSubscription%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await SettleAsync(message, messageActions, result, logger, cancellationToken);
    }

    /// <summary>
    /// Settles a message by a settlement-stage result: complete; dead-letter with its reason and description; or throw, so the
    /// host abandons the message and Service Bus delivers it again (dead-lettering it after the entity's MaxDeliveryCount).
    /// </summary>
    internal static async Task SettleAsync(ServiceBusReceivedMessage message, ServiceBusMessageActions messageActions, SettlementResult result, ILogger logger, CancellationToken cancellationToken)
    {
        switch (result.Disposition)
        {
            case SettlementDisposition.DeadLetter:
                LogDeadLettered(logger, message.MessageId, message.CorrelationId, result.Reason ?? string.Empty, result.Description);
                // An empty property set rather than null: the SDK's receiver-side overload (used by the local host) refuses null.
                await messageActions.DeadLetterMessageAsync(message, [], result.Reason, result.Description, cancellationToken);
                return;
            case SettlementDisposition.Retry:
                LogRetry(logger, message.MessageId, message.DeliveryCount, result.Reason ?? string.Empty, result.Description);
                throw new SettlementRetryException($"{result.Reason}: {result.Description}");
            default:
                await messageActions.CompleteMessageAsync(message, cancellationToken);
                return;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} (correlation {CorrelationId}) dead-lettered: {Reason}: {Description}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string? correlationId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} (delivery {DeliveryCount}) given back for a later delivery: {Reason}: {Description}")]
    private static partial void LogRetry(ILogger logger, string messageId, int deliveryCount, string reason, string description);
}

/// <summary>A message that may succeed later: thrown so the host abandons it and Service Bus redelivers it.</summary>
public sealed class SettlementRetryException : Exception
{
    public SettlementRetryException(string message) : base(message)
    {
    }

    public SettlementRetryException()
    {
    }

    public SettlementRetryException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
