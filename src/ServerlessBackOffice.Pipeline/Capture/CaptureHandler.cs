using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Capture;

/// <summary>
/// The capture stage: one OMS message in, exactly one outcome out. Pure decisions (parse, validate, enrich, lifecycle) come
/// from the domain; the side effects are all here, in this order:
/// <list type="number">
/// <item>read the trade's document (<see cref="ITradeStore.GetAsync"/>), and finish any publication a crash left pending —
/// a version 1 skips the read once and creates, reading when the create finds a document or anything but a change is decided;</item>
/// <item>on a state change, write the new state together with its outbox (reply, event) and archive entry in one conditional write;</item>
/// <item>publish the outbox (<see cref="IMessagePublisher"/>) with deterministic message ids and archive (<see cref="ICaptureArchive"/>);
/// the outbox is not cleared by a write of its own: it stays until the trade's next state change replaces it, and whoever next
/// touches the trade publishes it again first (decision 0065);</item>
/// <item>for outcomes that change nothing (duplicate, stale, rejected, dead-lettered): archive first (write-once), then publish the archived reply.</item>
/// </list>
/// A message id is the key of one body: a body that arrives under an id already archived with other content is not applied but
/// dead-lettered (<see cref="ReasonCode.MessageIdReused"/>), archived under its own name (<see cref="ReusedArchiveId"/>) and
/// answered under its own reply id. The write-once archive tells on the paths that archive first; before a state change the
/// archive is read (<see cref="ICaptureArchive.FindAsync"/>) — decision 0067.
/// Decision records 0010 and 0065 explain why this stays consistent when the process dies between any two steps.
/// </summary>
public sealed partial class CaptureHandler
{
    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus for a later attempt.</summary>
    public const int MaximumWriteAttempts = 5;

    private readonly ITradeStore _trades;
    private readonly IReferenceDataSource _referenceData;
    private readonly IMessagePublisher _publisher;
    private readonly ICaptureArchive _archive;
    private readonly TimeProvider _clock;
    private readonly CapturePolicy _policy;
    private readonly ILogger<CaptureHandler> _logger;
    private readonly int _maximumDeliveries;

    /// <summary>Creates the handler over its ports.</summary>
    public CaptureHandler(
        ITradeStore trades,
        IReferenceDataSource referenceData,
        IMessagePublisher publisher,
        ICaptureArchive archive,
        TimeProvider clock,
        CapturePolicy policy,
        ILogger<CaptureHandler> logger)
    {
        _trades = trades;
        _referenceData = referenceData;
        _publisher = publisher;
        _archive = archive;
        _clock = clock;
        _policy = policy;
        _logger = logger;

        // The last delivery is the one Service Bus would dead-letter silently; capture answers the OMS first.
        _maximumDeliveries = Entities.OmsTrades.Properties.MaxDeliveryCount ?? 10;
    }

    /// <summary>Captures one inbound message. Transient failures throw (the message is retried) except on the last delivery.</summary>
    public async Task<CaptureResult> HandleAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var now = _clock.GetUtcNow();
        try
        {
            return await CaptureAsync(inbound, now, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && inbound.DeliveryCount >= _maximumDeliveries)
        {
            LogDeadLettered(inbound.MessageId, inbound.DeliveryCount, ex.GetType().Name);
            var rejection = new Rejection(ReasonCode.DeliveryLimitExceeded, $"Processing failed on all {inbound.DeliveryCount} deliveries: {ex.GetType().Name}.");
            return await AnswerWithoutStateChangeAsync(inbound, now, null, CaptureOutcomeKind.DeadLettered, rejection, null, cancellationToken);
        }
    }

    private async Task<CaptureResult> CaptureAsync(InboundMessage inbound, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parsed = OmsMessageParser.Parse(inbound.Body.Span);
        if (parsed.Rejection is { } unreadable)
        {
            return await AnswerWithoutStateChangeAsync(inbound, now, null, CaptureOutcomeKind.Rejected, unreadable, null, cancellationToken);
        }

        var message = parsed.Message!;
        var tradeId = message.TradeId is { Length: > 0 and <= OmsContract.MaximumIdLength } id ? id : null;
        var archiveLooked = false;
        CaptureArchiveEntry? archived = null;

        // A trade's first version nearly always finds no document: the first attempt skips the read and creates (a create
        // fails on an existing document). Only a valid message that the lifecycle applies is trusted to that attempt;
        // anything else (a rejection, a duplicate) is decided again against the stored document.
        var assumeNew = tradeId is not null && message.Version == 1;
        for (var attempt = assumeNew ? 0 : 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var document = tradeId is null || assumed ? null : await _trades.GetAsync(tradeId, cancellationToken);
            if (document is not null && document.HasPendingWork)
            {
                // The last state change's publications may not have left (a crash between the write and the publish):
                // publish them again first, so events leave in version order (decision 0065).
                await FlushAsync(document, cancellationToken);
            }

            if (document is not null && document.RecentInboundMessageIds.Contains(inbound.MessageId))
            {
                // This id already changed the trade. The same body is a redelivery whose state change is stored (and now
                // published); another body reuses the id. The document holds the body of its last change; an earlier one's
                // is in the archive (its flush preceded any later change), read only on this rare path.
                var first = document.PendingArchive is { } pending && pending.InboundMessageId == inbound.MessageId
                    ? pending
                    : await _archive.FindAsync(inbound.MessageId, now, cancellationToken);
                if (first is not null && !SameBody(first, inbound))
                {
                    return await DeadLetterReusedIdAsync(inbound, now, message, first, cancellationToken);
                }

                return new CaptureResult(inbound.MessageId, CaptureOutcomeKind.Accepted, null, tradeId, MessageDisposition.Complete);
            }

            var referenceData = await _referenceData.GetCurrentAsync(cancellationToken);
            var validation = TradeValidator.Validate(message, referenceData, _policy, now);
            if (validation.Rejection is { } invalid)
            {
                if (assumed)
                {
                    continue;
                }

                return await AnswerWithoutStateChangeAsync(inbound, now, message, CaptureOutcomeKind.Rejected, invalid, null, cancellationToken);
            }

            var decision = TradeLifecycle.Decide(validation.Trade!, document?.State);
            if (assumed && decision is not LifecycleDecision.Apply)
            {
                continue;
            }

            switch (decision)
            {
                case LifecycleDecision.Duplicate:
                    return await AnswerWithoutStateChangeAsync(inbound, now, message, CaptureOutcomeKind.Duplicate, null, null, cancellationToken);
                case LifecycleDecision.Stale stale:
                    return await AnswerWithoutStateChangeAsync(inbound, now, message, CaptureOutcomeKind.Stale, null, stale.StoredVersion, cancellationToken);
                case LifecycleDecision.Reject reject:
                    return await AnswerWithoutStateChangeAsync(inbound, now, message, CaptureOutcomeKind.Rejected, reject.Rejection, null, cancellationToken);
                case LifecycleDecision.Apply apply:
                    // Before the state changes: was this id archived already (decision 0067)? Read once per delivery, not per
                    // lost race. Another body under it is refused; the same body keeps the first outcome it got (rejected,
                    // say, while its trade date was still in the future), for ever.
                    if (!archiveLooked)
                    {
                        archived = await _archive.FindAsync(inbound.MessageId, now, cancellationToken);
                        archiveLooked = true;
                    }

                    if (archived is not null)
                    {
                        if (assumed)
                        {
                            // Archived already: the stored document decides how it is answered.
                            continue;
                        }

                        return SameBody(archived, inbound)
                            ? await ArchiveAndAnswerAsync(inbound, now, message, archived, cancellationToken)
                            : await DeadLetterReusedIdAsync(inbound, now, message, archived, cancellationToken);
                    }

                    var next = StateChange(inbound, now, message, apply, document);
                    var written = await _trades.TryWriteAsync(next, document?.ETag, cancellationToken);
                    if (!written.Written)
                    {
                        LogWriteConflict(tradeId!, inbound.MessageId, attempt);
                        continue;
                    }

                    await FlushAsync(next, cancellationToken);
                    LogOutcome(tradeId!, inbound.MessageId, CaptureOutcomeKind.Accepted, null, message.CorrelationId);
                    return new CaptureResult(inbound.MessageId, CaptureOutcomeKind.Accepted, null, tradeId, MessageDisposition.Complete);
                default:
                    throw new System.Diagnostics.UnreachableException($"Unknown lifecycle decision {decision.GetType().Name}.");
            }
        }

        // Five lost races in a row means heavy contention on one trade; let Service Bus redeliver later.
        throw new InvalidOperationException($"Trade {tradeId} changed concurrently {MaximumWriteAttempts} times; retrying later.");
    }

    private static TradeDocument StateChange(InboundMessage inbound, DateTimeOffset now, OmsTradeMessage message, LifecycleDecision.Apply apply, TradeDocument? previous)
    {
        var state = apply.NewState;
        var terms = state.Trade.Terms;
        var reply = ReplyOf(inbound, message, CaptureOutcomeKind.Accepted, null, null) with
        {
            Message = $"{apply.EventType} version {terms.Version}.",
            SettlementDate = TradeEventWire.Date(state.Trade.SettlementDate),
            NetAmount = TradeEventWire.Text(state.Trade.Economics.Net.Amount),
        };
        var replyBody = JsonSerializer.Serialize(reply, CaptureJsonContext.Default.OmsReply);
        var tradeEvent = TradeEventWire.From(state, apply.EventType, message.CorrelationId);
        var eventMessage = new OutboundMessage(
            Entities.TradeEvents.Name,
            tradeEvent.EventId,
            tradeEvent.EventType,
            message.CorrelationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [EventTypeProperty] = tradeEvent.EventType },
            JsonSerializer.Serialize(tradeEvent, CaptureJsonContext.Default.TradeEventWire));

        var recent = (previous?.RecentInboundMessageIds ?? []).Append(inbound.MessageId).TakeLast(TradeDocument.RecentInboundLimit).ToList();
        return new TradeDocument(
            terms.TradeId,
            state,
            [ReplyMessage(inbound.MessageId, message.CorrelationId, reply.Outcome, replyBody), eventMessage],
            new CaptureArchiveEntry(inbound.MessageId, now, inbound.Body, CaptureOutcomeKind.Accepted, null, replyBody),
            recent,
            previous?.ETag);
    }

    /// <summary>
    /// Publishes the document's outbox and writes its archive entry, both idempotent (deterministic message ids, write-once
    /// archive names with deterministic bytes), so repeating it is harmless. No write clears the outbox (decision 0065): the
    /// next state change of the trade replaces it.
    /// </summary>
    private async Task FlushAsync(TradeDocument document, CancellationToken cancellationToken)
    {
        foreach (var message in document.Outbox)
        {
            await _publisher.PublishAsync(message, cancellationToken);
        }

        if (document.PendingArchive is { } entry)
        {
            await _archive.ArchiveAsync(entry, cancellationToken);
        }
    }

    private async Task<CaptureResult> AnswerWithoutStateChangeAsync(
        InboundMessage inbound,
        DateTimeOffset now,
        OmsTradeMessage? message,
        CaptureOutcomeKind outcome,
        Rejection? rejection,
        long? storedVersion,
        CancellationToken cancellationToken)
    {
        var reply = ReplyOf(inbound, message, outcome, rejection, storedVersion);
        var replyBody = JsonSerializer.Serialize(reply, CaptureJsonContext.Default.OmsReply);
        var entry = new CaptureArchiveEntry(inbound.MessageId, now, inbound.Body, outcome, rejection?.Code, replyBody);
        return await ArchiveAndAnswerAsync(inbound, now, message, entry, cancellationToken);
    }

    /// <summary>
    /// Archives first, then answers with what the archive holds: the archive is write-once per inbound id, so on a redelivery
    /// the first outcome is the one repeated — unless the archive holds another body under this id, which is a reused id.
    /// </summary>
    private async Task<CaptureResult> ArchiveAndAnswerAsync(
        InboundMessage inbound,
        DateTimeOffset now,
        OmsTradeMessage? message,
        CaptureArchiveEntry entry,
        CancellationToken cancellationToken)
    {
        var stored = await _archive.ArchiveAsync(entry, cancellationToken);
        if (!SameBody(stored, inbound))
        {
            return await DeadLetterReusedIdAsync(inbound, now, message, stored, cancellationToken);
        }

        await _publisher.PublishAsync(ReplyMessage(inbound.MessageId, message?.CorrelationId, OutcomeName(stored.Outcome), stored.ReplyBody), cancellationToken);

        LogOutcome(message?.TradeId ?? string.Empty, inbound.MessageId, stored.Outcome, stored.ReasonCode, message?.CorrelationId);
        return new CaptureResult(
            inbound.MessageId,
            stored.Outcome,
            stored.ReasonCode,
            message?.TradeId,
            stored.Outcome == CaptureOutcomeKind.DeadLettered ? MessageDisposition.DeadLetter : MessageDisposition.Complete);
    }

    /// <summary>
    /// Refuses a body that arrived under an id the archive already holds with other content (decision 0067): nothing is applied,
    /// the first record stays as it is, and this body is archived under <see cref="ReusedArchiveId"/> (write-once, so its
    /// redeliveries repeat this outcome) and answered under that id's reply id, which duplicate detection does not confuse with
    /// the first answer. The message is dead-lettered: operations must see an OMS that reuses ids.
    /// </summary>
    private async Task<CaptureResult> DeadLetterReusedIdAsync(
        InboundMessage inbound,
        DateTimeOffset now,
        OmsTradeMessage? message,
        CaptureArchiveEntry first,
        CancellationToken cancellationToken)
    {
        var firstHash = Sha256Hex(first.Body.Span);
        var hash = Sha256Hex(inbound.Body.Span);
        var description =
            $"Message id {inbound.MessageId} was already archived with another body (SHA-256 {firstHash}, {OutcomeName(first.Outcome)}); "
            + $"this body (SHA-256 {hash}) is not applied: send it under a new message id.";
        var reply = ReplyOf(inbound, message, CaptureOutcomeKind.DeadLettered, new Rejection(ReasonCode.MessageIdReused, description), null);
        var replyBody = JsonSerializer.Serialize(reply, CaptureJsonContext.Default.OmsReply);
        var archiveId = ReusedArchiveId(inbound.MessageId, hash);

        var stored = await _archive.ArchiveAsync(
            new CaptureArchiveEntry(archiveId, now, inbound.Body, CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused, replyBody), cancellationToken);
        await _publisher.PublishAsync(ReplyMessage(archiveId, message?.CorrelationId, OutcomeName(stored.Outcome), stored.ReplyBody), cancellationToken);

        LogMessageIdReused(inbound.MessageId, firstHash, hash, first.Outcome, message?.CorrelationId);
        return new CaptureResult(
            inbound.MessageId,
            stored.Outcome,
            stored.ReasonCode,
            message?.TradeId,
            stored.Outcome == CaptureOutcomeKind.DeadLettered ? MessageDisposition.DeadLetter : MessageDisposition.Complete,
            description);
    }

    private static bool SameBody(CaptureArchiveEntry archived, InboundMessage inbound) => archived.Body.Span.SequenceEqual(inbound.Body.Span);

    /// <summary>The SHA-256 of a body, as 64 lower-case hex digits.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>
    /// The archive id of a body that reused an archived message id: <c>&lt;message id&gt;:reused:&lt;first 32 hex digits of the
    /// body's SHA-256&gt;</c>. Deterministic, so a redelivery of that body finds its own record; distinct per body, so no record
    /// is ever overwritten; its reply id (<see cref="ReplyMessageId"/> of it) differs from the first answer's.
    /// </summary>
    public static string ReusedArchiveId(string inboundMessageId, string bodySha256Hex)
    {
        ArgumentNullException.ThrowIfNull(bodySha256Hex);
        return $"{inboundMessageId}:reused:{bodySha256Hex[..32]}";
    }

    private static OmsReply ReplyOf(InboundMessage inbound, OmsTradeMessage? message, CaptureOutcomeKind outcome, Rejection? rejection, long? storedVersion) =>
        new(
            OmsContract.SchemaVersionV1,
            inbound.MessageId,
            message?.CorrelationId,
            message?.TradeId,
            message?.Version,
            OutcomeName(outcome),
            rejection?.Code.ToString(),
            rejection?.Message ?? outcome switch
            {
                CaptureOutcomeKind.Duplicate => "This version was already captured with the same content.",
                CaptureOutcomeKind.Stale => $"A higher version ({storedVersion}) is already captured.",
                _ => outcome.ToString(),
            },
            storedVersion,
            null,
            null);

    private static OutboundMessage ReplyMessage(string archiveId, string? correlationId, string outcome, string body) =>
        new(
            Entities.OmsReplies.Name,
            ReplyMessageId(archiveId),
            outcome,
            correlationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [OutcomeProperty] = outcome },
            body);

    /// <summary>The application property the trade-events subscriptions filter on.</summary>
    public const string EventTypeProperty = "eventType";

    /// <summary>The application property carrying the outcome on a reply.</summary>
    public const string OutcomeProperty = "outcome";

    /// <summary>The deterministic id of the reply to an inbound message.</summary>
    public static string ReplyMessageId(string inboundMessageId) => inboundMessageId + ":reply";

    /// <summary>The wire name of an outcome.</summary>
    public static string OutcomeName(CaptureOutcomeKind outcome) => outcome switch
    {
        CaptureOutcomeKind.Accepted => "accepted",
        CaptureOutcomeKind.Duplicate => "duplicate",
        CaptureOutcomeKind.Stale => "stale",
        CaptureOutcomeKind.Rejected => "rejected",
        _ => "deadLettered",
    };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Captured {InboundMessageId} for trade {TradeId}: {Outcome} {ReasonCode} (correlation {CorrelationId})")]
    private partial void LogOutcome(string tradeId, string inboundMessageId, CaptureOutcomeKind outcome, ReasonCode? reasonCode, string? correlationId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Trade {TradeId} changed while {InboundMessageId} was being captured (attempt {Attempt}); re-reading")]
    private partial void LogWriteConflict(string tradeId, string inboundMessageId, int attempt);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Inbound {InboundMessageId} reuses an archived message id with another body (first SHA-256 {FirstSha256}, {FirstOutcome}; this SHA-256 {Sha256}): dead-lettered, not applied (correlation {CorrelationId})")]
    private partial void LogMessageIdReused(string inboundMessageId, string firstSha256, string sha256, CaptureOutcomeKind firstOutcome, string? correlationId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Dead-lettering {InboundMessageId} after {DeliveryCount} deliveries ({ExceptionType})")]
    private partial void LogDeadLettered(string inboundMessageId, int deliveryCount, string exceptionType);
}
