using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Functions.Ledger;

/// <summary>
/// The ledger stage's trigger: one trade event in, one posting decision, the message settled explicitly.
/// Completes on every final outcome (posted, duplicate, stale); dead-letters with a reason what can never post (a malformed
/// event, a refusal, a broken invariant); lets transient failures throw, so Service Bus redelivers the message.
/// </summary>
public sealed partial class LedgerPostingFunction(LedgerPostingHandler handler, ILogger<LedgerPostingFunction> logger)
{
    [Function("ledger-posting")]
    public async Task RunAsync(
        [ServiceBusTrigger("%TradeEventsTopic%", "%LedgerSubscription%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var (command, problem) = LedgerEventMapper.FromTradeEvent(message.Body.ToMemory().Span);
        if (problem is not null)
        {
            LogDeadLettered(message.MessageId, message.CorrelationId, problem.Reason, problem.Description);
            await messageActions.DeadLetterMessageAsync(message, null, problem.Reason, problem.Description, cancellationToken);
            return;
        }

        PostingOutcome outcome;
        try
        {
            outcome = await handler.HandleAsync(command!, cancellationToken);
        }
        catch (UnreachableException ex)
        {
            // A broken invariant is our bug: the posting stops, the message is kept for investigation, and the alert fires.
            LogInvariantBroken(message.MessageId, message.CorrelationId, ex);
            await messageActions.DeadLetterMessageAsync(message, null, "LedgerInvariantBroken", ex.Message, cancellationToken);
            return;
        }

        if (outcome.Result == PostingResult.Refused)
        {
            LogDeadLettered(message.MessageId, message.CorrelationId, "LedgerRefused", outcome.Reason ?? string.Empty);
            await messageActions.DeadLetterMessageAsync(message, null, "LedgerRefused", outcome.Reason, cancellationToken);
            return;
        }

        await messageActions.CompleteMessageAsync(message, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade event {MessageId} (correlation {CorrelationId}) dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string? correlationId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Ledger invariant broken by trade event {MessageId} (correlation {CorrelationId})")]
    private partial void LogInvariantBroken(string messageId, string? correlationId, Exception exception);
}
