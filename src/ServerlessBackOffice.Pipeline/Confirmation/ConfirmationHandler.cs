using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>
/// The confirmation stage: one trade event (captured, amended, cancelled) in, at most one state change out. Side effects, in
/// this order: read the trade's confirmation document (a point read; a trade's first event skips it once and creates,
/// reading only when the create finds a document or the decision changes nothing: decision 0075); on a redelivery of the
/// message that made the last change, re-publish that change's outbox and stop; otherwise decide (<see cref="ConfirmationRules.ApplyTradeEvent"/>),
/// re-publish the previous outbox, write state + outbox + rendering in one conditional write, then archive the rendering and
/// publish the confirmation (decision 0060).
/// </summary>
public sealed partial class ConfirmationHandler(
    IConfirmationStore store,
    IReferenceDataSource referenceData,
    ConfirmationOutbox outbox,
    TimeProvider clock,
    AffirmationCutoffSchedule cutoffs,
    ILogger<ConfirmationHandler> logger,
    WrittenDocuments<ConfirmationDocument>? memory = null)
{
    private readonly WrittenDocuments<ConfirmationDocument> _memory = memory ?? new();

    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus.</summary>
    public const int MaximumWriteAttempts = 5;

    /// <summary>The reason for a body that is not a trade event.</summary>
    public const string MalformedEventReason = "MalformedEvent";

    /// <summary>The reason for an event type the confirmation subscription should never deliver.</summary>
    public const string UnexpectedEventReason = "UnexpectedEventType";

    /// <summary>Handles one trade event. Transient failures throw (the message is retried).</summary>
    public async Task<ConfirmationResult> HandleAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        TradeEventWire? trade;
        try
        {
            trade = JsonSerializer.Deserialize(inbound.Body.Span, CaptureJsonContext.Default.TradeEventWire);
        }
        catch (JsonException ex)
        {
            return DeadLettered(inbound, MalformedEventReason, $"The trade event is not valid JSON for the contract: {ex.Message}");
        }

        if (trade is null)
        {
            return DeadLettered(inbound, MalformedEventReason, "The trade event body is JSON null.");
        }

        if (trade.EventType is not (nameof(TradeEventType.TradeCaptured) or nameof(TradeEventType.TradeAmended) or nameof(TradeEventType.TradeCancelled)))
        {
            return DeadLettered(inbound, UnexpectedEventReason, $"Event {trade.EventId} of type {trade.EventType} is not one the confirmation stage consumes.");
        }

        if (trade.Version is < 1 or > int.MaxValue || trade.TradeId.Length == 0)
        {
            return DeadLettered(inbound, MalformedEventReason, $"Event {trade.EventId} has no trade id or an impossible version {trade.Version}.");
        }

        // A trade's first event nearly always finds no document: the first attempt skips the read and creates (a create
        // fails on an existing document, so nothing is lost); anything but a change from nothing reads and decides again.
        var assumeNew = trade.EventType == nameof(TradeEventType.TradeCaptured);
        for (var attempt = assumeNew ? 0 : 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var document = assumed ? null : await store.GetAsync(trade.TradeId, cancellationToken);
            if (document is not null && document.RecentInboundMessageIds.Contains(inbound.MessageId, StringComparer.Ordinal))
            {
                // A redelivery of the message that made this change: its publication may not have finished.
                await outbox.FlushAsync(document, null, cancellationToken);
                return ConfirmationResult.Complete(ConfirmationRules.Outcomes.AlreadyApplied, $"Event {trade.EventId} was already applied.");
            }

            var now = clock.GetUtcNow();
            var snapshot = await referenceData.GetCurrentAsync(cancellationToken);
            ConfirmationStep step;
            try
            {
                step = ConfirmationRules.ApplyTradeEvent(document ?? ConfirmationDocument.Empty(trade.TradeId), trade, inbound.MessageId, snapshot, cutoffs, now);
            }
            catch (FormatException ex)
            {
                return DeadLettered(inbound, MalformedEventReason, $"Event {trade.EventId} has an unreadable field: {ex.Message}");
            }

            if (!step.Changed)
            {
                if (assumed)
                {
                    // Decided against a document assumed absent: only a stored document can say nothing changes.
                    continue;
                }

                LogOutcome(trade.TradeId, inbound.MessageId, step.Outcome, step.Description, trade.CorrelationId);
                return ConfirmationResult.Complete(step.Outcome, step.Description, step.Reason);
            }

            if (document is not null && !_memory.Flushed(trade.TradeId, document.ETag, ArchiveRecordNames.DayOf(now)))
            {
                // The previous change's messages are replaced by this write: make sure they left first (decision 0060).
                await outbox.FlushAsync(document, null, cancellationToken);
            }

            var written = await store.TryWriteAsync(step.Next, document?.ETag, cancellationToken);
            if (!written.Written)
            {
                LogWriteConflict(trade.TradeId, inbound.MessageId, attempt);
                continue;
            }

            Written(_memory, step.Next, written.ETag, ArchiveRecordNames.DayOf(now));
            await outbox.FlushAsync(step.Next, null, cancellationToken);
            Published(_memory, step.Next, written.ETag, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
            LogOutcome(trade.TradeId, inbound.MessageId, step.Outcome, step.Description, trade.CorrelationId);
            return ConfirmationResult.Complete(step.Outcome, step.Description);
        }

        throw new ConfirmationConcurrencyException($"Trade {trade.TradeId}: {MaximumWriteAttempts} confirmation writes lost a race; the message will be retried.");
    }

    /// <summary>
    /// Remembers a document just written (decision 0075), without its outbox and archive records: a later change starts from
    /// its state, and never publishes what it published (<see cref="Published"/>).
    /// </summary>
    internal static void Written(WrittenDocuments<ConfirmationDocument> memory, ConfirmationDocument written, string? etag, DateOnly day)
    {
        if (etag is not null)
        {
            memory.Written(written.TradeId, written with { ETag = etag, Outbox = [], PendingArchive = [] }, etag, day);
        }
    }

    /// <summary>Records that the outbox and archive records of the document written with <paramref name="etag"/> left.</summary>
    internal static void Published(WrittenDocuments<ConfirmationDocument> memory, ConfirmationDocument written, string? etag, DateOnly day)
    {
        if (etag is not null)
        {
            memory.Published(written.TradeId, etag, day);
        }
    }

    private ConfirmationResult DeadLettered(InboundMessage inbound, string reason, string description)
    {
        LogDeadLettered(inbound.MessageId, reason, description);
        return ConfirmationResult.DeadLetter(reason, description);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Confirmation of trade {TradeId} from event message {MessageId}: {Outcome}: {Description} (correlation {CorrelationId})")]
    private partial void LogOutcome(string tradeId, string messageId, string outcome, string description, string? correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade event {MessageId} dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Confirmation write for trade {TradeId} (message {MessageId}) lost a race on attempt {Attempt}; deciding again")]
    private partial void LogWriteConflict(string tradeId, string messageId, int attempt);
}
