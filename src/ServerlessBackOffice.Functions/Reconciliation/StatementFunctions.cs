using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Reconciliation;

namespace ServerlessBackOffice.Functions.Reconciliation;

/// <summary>
/// The statement queues' triggers: one custodian holdings statement or cash statement, one handler call, the message
/// settled explicitly. Completes on every final outcome (applied, already applied, stale); dead-letters with a reason a
/// body that breaks the contract or names an unknown account; lets transient failures throw, so Service Bus redelivers.
/// </summary>
public sealed partial class StatementFunctions(ReconciliationHandler handler, ILogger<StatementFunctions> logger)
{
    [Function("reconcile-holdings")]
    public async Task HoldingsAsync(
        [ServiceBusTrigger("%HoldingsStatementsInboundQueue%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleHoldingsAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await SettleAsync(message, messageActions, result, cancellationToken);
    }

    [Function("reconcile-cash")]
    public async Task CashAsync(
        [ServiceBusTrigger("%CashStatementsInboundQueue%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleCashAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await SettleAsync(message, messageActions, result, cancellationToken);
    }

    private async Task SettleAsync(ServiceBusReceivedMessage message, ServiceBusMessageActions messageActions, ReconciliationResult result, CancellationToken cancellationToken)
    {
        if (result.Disposition == MessageDisposition.DeadLetter)
        {
            LogDeadLettered(message.MessageId, message.CorrelationId, result.Reason ?? string.Empty, result.Description);
            // An empty property set rather than null: the SDK's receiver-side overload (used by the local host) refuses null.
            await messageActions.DeadLetterMessageAsync(message, [], result.Reason, result.Description, cancellationToken);
            return;
        }

        await messageActions.CompleteMessageAsync(message, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Statement message {MessageId} (correlation {CorrelationId}) dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string? correlationId, string reason, string description);
}
