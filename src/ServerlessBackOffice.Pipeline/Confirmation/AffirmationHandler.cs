using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>
/// The affirmation stage: one counterparty affirmation in, exactly one archived outcome. Side effects, in this order:
/// <list type="number">
/// <item>parse strictly; a bad body is archived with its reason and dead-lettered;</item>
/// <item>read the trade's confirmation document (a point read, or the one this instance wrote last, trusted only through the
/// write: decision 0075); a redelivery of the message that made the last change re-publishes it and stops;</item>
/// <item>decide (<see cref="ConfirmationRules.ApplyAffirmation"/>); an outcome that changes nothing (duplicate, stale) is archived and completed;</item>
/// <item>otherwise write state + TradeAffirmed/TradeMismatched + the inbound archive record in one conditional write, then archive and publish.</item>
/// </list>
/// </summary>
public sealed partial class AffirmationHandler(
    IConfirmationStore store,
    IReferenceDataSource referenceData,
    ConfirmationOutbox outbox,
    TimeProvider clock,
    ILogger<AffirmationHandler> logger,
    WrittenDocuments<ConfirmationDocument>? memory = null)
{
    private readonly WrittenDocuments<ConfirmationDocument> _memory = memory ?? new();

    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus.</summary>
    public const int MaximumWriteAttempts = 5;

    /// <summary>Handles one affirmation. Transient failures throw (the message is retried).</summary>
    public async Task<ConfirmationResult> HandleAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var (affirmation, problem) = AffirmationParser.Parse(inbound.Body.Span);
        if (problem is not null)
        {
            var now = clock.GetUtcNow();
            await outbox.WriteAsync(InboundRecord(inbound, now, ConfirmationRules.Outcomes.DeadLettered, problem.Reason, problem.Description), cancellationToken);
            LogDeadLettered(inbound.MessageId, problem.Reason, problem.Description);
            return ConfirmationResult.DeadLetter(problem.Reason, problem.Description);
        }

        var tradeId = affirmation!.TradeId;
        // The first attempt starts from the confirmation document this instance wrote last, when it has one, without reading
        // it; only its conditional write is trusted (decision 0075).
        for (var attempt = 0; attempt <= MaximumWriteAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var document = assumed ? _memory.Guess(tradeId) : await store.GetAsync(tradeId, cancellationToken);
            if (assumed && (document is null || document.RecentInboundMessageIds.Contains(inbound.MessageId, StringComparer.Ordinal)
                || !_memory.Flushed(tradeId, document.ETag, ArchiveRecordNames.DayOf(clock.GetUtcNow()))))
            {
                // Only a document whose publications left today is a guess: nothing is published again from a guess.
                continue;
            }

            if (document is not null && document.RecentInboundMessageIds.Contains(inbound.MessageId, StringComparer.Ordinal))
            {
                await outbox.FlushAsync(document, null, cancellationToken);
                return ConfirmationResult.Complete(ConfirmationRules.Outcomes.AlreadyApplied, $"Affirmation message {inbound.MessageId} was already applied.");
            }

            var now = clock.GetUtcNow();
            var current = document ?? ConfirmationDocument.Empty(tradeId);
            var snapshot = await referenceData.GetCurrentAsync(cancellationToken);
            var tolerance = ConfirmationRules.ToleranceOf(snapshot, current.Confirmation?.CounterpartyLei ?? affirmation.CounterpartyLei);
            var step = ConfirmationRules.ApplyAffirmation(current with { Outbox = [], PendingArchive = [] }, affirmation, inbound.MessageId, tolerance, now);
            if (!step.Changed)
            {
                if (assumed)
                {
                    continue;
                }

                // Nothing to keep consistent with a write: archive the outcome first (write-once), then settle the message.
                await outbox.WriteAsync(InboundRecord(inbound, now, step.Outcome, step.Reason, step.Description), cancellationToken);
                LogOutcome(tradeId, inbound.MessageId, affirmation.AffirmationId, step.Outcome, step.Description);
                return step.Outcome == ConfirmationRules.Outcomes.DeadLettered
                    ? ConfirmationResult.DeadLetter(step.Reason!, step.Description)
                    : ConfirmationResult.Complete(step.Outcome, step.Description, step.Reason);
            }

            var record = InboundRecord(inbound, now, step.Outcome, null, step.Description);
            var next = step.Next with
            {
                RecentInboundMessageIds = ConfirmationDocument.Bounded(current.RecentInboundMessageIds, inbound.MessageId),
                PendingArchive = [.. step.Next.PendingArchive, new PendingArchiveRecord(record.BusinessDate, record.Name, Encoding.UTF8.GetString(record.Content.Span), record.ContentType)],
            };

            if (document is not null && !_memory.Flushed(tradeId, document.ETag, ArchiveRecordNames.DayOf(now)))
            {
                // An affirmation of version v proves the counterparty received the confirmation of v: no need to send it again.
                var proven = ConfirmationRules.ConfirmationId(tradeId, affirmation.Version);
                await outbox.FlushAsync(document, m => m.Destination == Entities.CounterpartyOutbound.Name && m.MessageId == proven, cancellationToken);
            }

            var written = await store.TryWriteAsync(next, document?.ETag, cancellationToken);
            if (!written.Written)
            {
                if (assumed)
                {
                    _memory.Forget(tradeId, document!.ETag);
                }

                LogWriteConflict(tradeId, inbound.MessageId, attempt);
                continue;
            }

            ConfirmationHandler.Written(_memory, next, written.ETag, ArchiveRecordNames.DayOf(now));
            await outbox.FlushAsync(next, null, cancellationToken);
            ConfirmationHandler.Published(_memory, next, written.ETag, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
            LogOutcome(tradeId, inbound.MessageId, affirmation.AffirmationId, step.Outcome, step.Description);
            return ConfirmationResult.Complete(step.Outcome, step.Description);
        }

        throw new ConfirmationConcurrencyException($"Trade {tradeId}: {MaximumWriteAttempts} affirmation writes lost a race; the message will be retried.");
    }

    /// <summary>The archive record of an inbound affirmation with the outcome it got (same bytes for the same outcome).</summary>
    public static ArchiveRecord InboundRecord(InboundMessage inbound, DateTimeOffset now, string outcome, string? reason, string description)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var entry = new InboundAffirmationRecord(inbound.MessageId, outcome, description, Encoding.UTF8.GetString(inbound.Body.Span), reason);
        return new ArchiveRecord(
            ArchiveRecordNames.DayOf(now),
            ArchiveRecordNames.Inbound(Entities.AffirmationsInbound.Name, inbound.MessageId),
            JsonSerializer.SerializeToUtf8Bytes(entry, ConfirmationJsonContext.Default.InboundAffirmationRecord),
            "application/json");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Affirmation {AffirmationId} of trade {TradeId} (message {MessageId}): {Outcome}: {Description}")]
    private partial void LogOutcome(string tradeId, string messageId, string affirmationId, string outcome, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Affirmation message {MessageId} dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Affirmation write for trade {TradeId} (message {MessageId}) lost a race on attempt {Attempt}; deciding again")]
    private partial void LogWriteConflict(string tradeId, string messageId, int attempt);
}
