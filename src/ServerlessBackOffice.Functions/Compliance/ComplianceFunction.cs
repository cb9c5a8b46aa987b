using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Compliance;

namespace ServerlessBackOffice.Functions.Compliance;

/// <summary>
/// The compliance stage's trigger: one trade event in, one surveillance evaluation, the message settled explicitly.
/// Completes on every final outcome (evaluated, duplicate, stale, ignored); dead-letters with the handler's reason what can
/// never be evaluated; lets transient failures (Cosmos, Blob, Service Bus, a lost concurrency race) throw, so Service Bus
/// redelivers the message.
/// </summary>
public sealed partial class ComplianceFunction(ComplianceHandler handler, ILogger<ComplianceFunction> logger)
{
    [Function("compliance-surveillance")]
    public async Task RunAsync(
        [ServiceBusTrigger("%TradeEventsTopic%", "%ComplianceSubscription%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var outcome = await handler.HandleAsync(new ComplianceInbound(message.MessageId, message.CorrelationId, message.Body.ToMemory(), message.EnqueuedTime), cancellationToken);
        if (outcome.Result == ComplianceResult.DeadLettered)
        {
            await messageActions.DeadLetterMessageAsync(message, null, outcome.Reason, outcome.Description, cancellationToken);
            return;
        }

        LogSettled(message.MessageId, message.CorrelationId, outcome.Result, outcome.AlertIds.Count);
        await messageActions.CompleteMessageAsync(message, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trade event {MessageId} (correlation {CorrelationId}) completed by compliance: {Result}, {AlertCount} new alerts")]
    private partial void LogSettled(string messageId, string? correlationId, ComplianceResult result, int alertCount);
}
