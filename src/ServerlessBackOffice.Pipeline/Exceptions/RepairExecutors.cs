using System.Globalization;
using System.Text;
using System.Text.Json;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Exceptions;

/// <summary>
/// Resubmits a dead-lettered message to the queue it came from, as it was or with a corrected body. The original (body,
/// properties, dead-letter reason) and the body resubmitted are archived beside the repair; the resubmission's message id
/// is derived from the original's and the repair's, so executing again publishes the same message (dropped by duplicate
/// detection, and deduplicated by the consumer beyond its window). The dead-lettered message is removed only after the
/// resubmission was published.
/// </summary>
public sealed class ResubmitMessageExecutor(IDeadLetterQueues queues, IMessagePublisher publisher, IArchiveStore archive, TimeProvider clock) : IRepairExecutor
{
    /// <summary>The application property naming the message a resubmission replaces.</summary>
    public const string ResubmittedFromProperty = "resubmittedFrom";

    /// <summary>The application property naming the repair that resubmitted a message.</summary>
    public const string RepairIdProperty = "repairId";

    /// <inheritdoc />
    public RepairKind Kind => RepairKind.ResubmitMessage;

    /// <summary>The message id of a resubmission.</summary>
    public static string ResubmissionMessageId(string originalMessageId, string repairId) => $"{originalMessageId}~{repairId}";

    /// <inheritdoc />
    public async Task<RepairCheck> CheckAsync(string caseId, string after, CancellationToken cancellationToken)
    {
        if (!DeadLetteredMessage.TryParseCaseId(caseId, out var entity, out var sequence))
        {
            return RepairCheck.Refused($"'{caseId}' is not a dead-lettered message (dlq:<entity>:<sequence number>).");
        }

        if (entity.Contains("/Subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            return RepairCheck.Refused("Resubmitting from a subscription's dead-letter queue would publish to the topic and reach every subscription; not supported (see docs/exceptions.md).");
        }

        var message = await queues.PeekOneAsync(entity, sequence, cancellationToken);
        return message is null
            ? RepairCheck.Refused($"No message with sequence number {sequence} is on the dead-letter queue of {entity}.")
            : new RepairCheck(Describe(message), null);
    }

    /// <inheritdoc />
    public async Task<string> ExecuteAsync(Repair repair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        if (!DeadLetteredMessage.TryParseCaseId(repair.Subject, out var entity, out var sequence))
        {
            throw new InvalidOperationException($"Repair {repair.RepairId} has no dead-letter case id.");
        }

        var message = await queues.PeekOneAsync(entity, sequence, cancellationToken);
        if (message is null)
        {
            return "the message is no longer on the dead-letter queue (already resubmitted)";
        }

        var corrected = repair.After.Length > 0;
        var body = corrected ? repair.After : Encoding.UTF8.GetString(message.Body.Span);
        var day = ArchiveRecordNames.DayOf(clock.GetUtcNow());
        await archive.WriteAsync(new ArchiveRecord(day, RepairService.RecordName(repair.RepairId, "original-message"), Encoding.UTF8.GetBytes(Describe(message)), "application/json"), cancellationToken);
        await archive.WriteAsync(new ArchiveRecord(day, RepairService.RecordName(repair.RepairId, "resubmitted-body"), Encoding.UTF8.GetBytes(body), "application/json"), cancellationToken);

        var properties = new Dictionary<string, string>(message.ApplicationProperties, StringComparer.Ordinal)
        {
            [ResubmittedFromProperty] = message.MessageId,
            [RepairIdProperty] = repair.RepairId,
        };
        var id = ResubmissionMessageId(message.MessageId, repair.RepairId);
        await publisher.PublishAsync(new OutboundMessage(entity, id, message.Subject ?? string.Empty, message.CorrelationId, properties, body), cancellationToken);
        await queues.RemoveAsync(entity, sequence, cancellationToken);
        return $"resubmitted to {entity} as {id}{(corrected ? " with the corrected body" : string.Empty)}; removed from the dead-letter queue";
    }

    /// <summary>The original message as archived and shown as the repair's "before".</summary>
    public static string Describe(DeadLetteredMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("entity", message.EntityPath);
            writer.WriteNumber("sequenceNumber", message.SequenceNumber);
            writer.WriteString("messageId", message.MessageId);
            writer.WriteString("correlationId", message.CorrelationId);
            writer.WriteString("subject", message.Subject);
            writer.WriteString("deadLetterReason", message.Reason);
            writer.WriteString("deadLetterDescription", message.Description);
            writer.WriteString("enqueuedAt", message.EnqueuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteNumber("deliveryCount", message.DeliveryCount);
            writer.WriteStartObject("applicationProperties");
            foreach (var (key, value) in message.ApplicationProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteString("body", Encoding.UTF8.GetString(message.Body.Span));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// Marks an open reconciliation break explained: written to the account's reconciliation document with its ETag (the
/// reconciliation handler's own concurrency), so a statement being applied at the same moment is never lost. An explained
/// break that persists with the same difference stays explained; a different difference opens a new break.
/// </summary>
public sealed class ExplainBreakExecutor(IReconciliationStore store) : IRepairExecutor
{
    private const int MaximumWriteAttempts = 5;

    /// <inheritdoc />
    public RepairKind Kind => RepairKind.ExplainBreak;

    /// <inheritdoc />
    public async Task<RepairCheck> CheckAsync(string caseId, string after, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(after))
        {
            return RepairCheck.Refused("An explanation is needed (the repair's 'after').");
        }

        if (!TryParse(caseId, out var breakId, out var account, out var kind))
        {
            return RepairCheck.Refused($"'{caseId}' is not a reconciliation break (break:BRK:<account>:<kind>:<asset>).");
        }

        var document = await store.GetAsync(account, kind, cancellationToken);
        var found = document?.Breaks.FirstOrDefault(b => b.BreakId == breakId);
        return found is null || !found.ToTracked().IsOpen
            ? RepairCheck.Refused($"Break {breakId} is not open.")
            : new RepairCheck(JsonSerializer.Serialize(found, ReconciliationJsonContext.Default.BreakWire), null);
    }

    /// <inheritdoc />
    public async Task<string> ExecuteAsync(Repair repair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        if (!TryParse(repair.Subject, out var breakId, out var account, out var kind))
        {
            throw new InvalidOperationException($"Repair {repair.RepairId} has no break case id.");
        }

        for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var document = await store.GetAsync(account, kind, cancellationToken);
            var found = document?.Breaks.FirstOrDefault(b => b.BreakId == breakId);
            if (document is null || found is null)
            {
                return $"break {breakId} is no longer tracked; nothing changed";
            }

            if (found.Explained)
            {
                return $"break {breakId} is already explained";
            }

            if (found.ClearedOn is not null)
            {
                return $"break {breakId} cleared on {found.ClearedOn:yyyy-MM-dd} before the repair executed; nothing changed";
            }

            var explanation = $"{repair.After} (repair {repair.RepairId}, proposed by {repair.Maker}, approved by {repair.Checker})";
            var next = document with { Breaks = [.. document.Breaks.Select(b => b.BreakId == breakId ? b with { Explained = true, Explanation = explanation } : b)] };
            var written = await store.TryWriteAsync(next, document.ETag, cancellationToken);
            if (written.Written)
            {
                return $"break {breakId} marked explained";
            }
        }

        throw new ReconciliationConcurrencyException($"Break {breakId}: {MaximumWriteAttempts} writes lost a race; approve again to retry.");
    }

    /// <summary>Splits a break case id: <c>break:BRK:&lt;account&gt;:&lt;kind&gt;:&lt;asset&gt;</c>.</summary>
    public static bool TryParse(string caseId, out string breakId, out string account, out HoldingKind kind)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        breakId = ExceptionSources.KeyOf(caseId);
        account = string.Empty;
        kind = default;
        var parts = breakId.Split(':');
        if (!caseId.StartsWith("break:BRK:", StringComparison.Ordinal) || parts.Length < 4 || !Enum.TryParse(parts[^2], out kind))
        {
            return false;
        }

        account = string.Join(':', parts[1..^2]);
        return true;
    }
}

/// <summary>
/// Force-matches a mismatched affirmation within a wider tolerance given by the maker
/// (<c>priceBasisPoints=50;priceAbsolute=0;netAmount=25</c>): the disputing affirmation is read back from the archive and
/// matched again by the confirmation stage's own rules, the trade's confirmation document is written with its ETag, and
/// TradeAffirmed is published through the stage's outbox (deterministic event id, so executing again publishes nothing new).
/// </summary>
public sealed class ForceMatchExecutor(IConfirmationStore store, IArchiveStore archive, ConfirmationOutbox outbox, TimeProvider clock, int searchDays = 14) : IRepairExecutor
{
    private const int MaximumWriteAttempts = 5;

    /// <inheritdoc />
    public RepairKind Kind => RepairKind.ForceMatch;

    /// <inheritdoc />
    public async Task<RepairCheck> CheckAsync(string caseId, string after, CancellationToken cancellationToken)
    {
        if (!caseId.StartsWith("mismatch:", StringComparison.Ordinal))
        {
            return RepairCheck.Refused($"'{caseId}' is not a confirmation mismatch (mismatch:<tradeId>).");
        }

        if (!TryParseTolerance(after, out var tolerance, out var problem))
        {
            return RepairCheck.Refused(problem!);
        }

        var document = await store.GetAsync(ExceptionSources.KeyOf(caseId), cancellationToken);
        if (document is null || document.Status != ConfirmationStatus.Mismatched)
        {
            return RepairCheck.Refused($"Trade {ExceptionSources.KeyOf(caseId)} is not mismatched (status {document?.Status.ToString() ?? "unknown"}).");
        }

        var affirmation = await FindAffirmationAsync(document, cancellationToken);
        if (affirmation is null)
        {
            return RepairCheck.Refused($"The disputing affirmation {document.AffirmationId} is not in the archive of the last {searchDays} days.");
        }

        var step = ConfirmationRules.ApplyAffirmation(Reopened(document, affirmation), affirmation, "repair-check", tolerance, clock.GetUtcNow());
        return step.Outcome != ConfirmationRules.Outcomes.Affirmed
            ? RepairCheck.Refused($"Even within the wider tolerance: {step.Description}")
            : new RepairCheck(string.Create(CultureInfo.InvariantCulture, $"Mismatched v{document.ConfirmedVersion}: affirmation {affirmation.AffirmationId} price {affirmation.Price}, quantity {affirmation.Quantity}, net {affirmation.NetAmount}; confirmed price {document.Confirmation!.Price}, quantity {document.Confirmation.Quantity}, net {document.Confirmation.NetAmount}"), null);
    }

    /// <inheritdoc />
    public async Task<string> ExecuteAsync(Repair repair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        var tradeId = ExceptionSources.KeyOf(repair.Subject);
        if (!TryParseTolerance(repair.After, out var tolerance, out var problem))
        {
            throw new InvalidOperationException(problem);
        }

        for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var document = await store.GetAsync(tradeId, cancellationToken);
            if (document is null)
            {
                return $"trade {tradeId} has no confirmation; nothing changed";
            }

            if (document.Status != ConfirmationStatus.Mismatched)
            {
                // Affirmed already (by this repair before a crash, or by a new affirmation): publish what is pending, change nothing.
                await outbox.FlushAsync(document, null, cancellationToken);
                return $"trade {tradeId} is {document.Status}; nothing changed";
            }

            var affirmation = await FindAffirmationAsync(document, cancellationToken)
                ?? throw new InvalidOperationException($"The disputing affirmation {document.AffirmationId} is no longer found in the archive.");
            var now = clock.GetUtcNow();
            var step = ConfirmationRules.ApplyAffirmation(Reopened(document, affirmation), affirmation, "repair:" + repair.RepairId, tolerance, now);
            if (step.Outcome != ConfirmationRules.Outcomes.Affirmed)
            {
                return $"not affirmed within the wider tolerance: {step.Description}";
            }

            var next = step.Next with
            {
                Notes = ConfirmationDocument.Bounded(step.Next.Notes, ConfirmationDocument.Note(document.ConfirmedVersion, $"force-matched within {repair.After} by repair {repair.RepairId} ({repair.Maker}, approved by {repair.Checker})")),
                RecentInboundMessageIds = ConfirmationDocument.Bounded(document.RecentInboundMessageIds, "repair:" + repair.RepairId),
            };
            var written = await store.TryWriteAsync(next, document.ETag, cancellationToken);
            if (!written.Written)
            {
                continue;
            }

            await outbox.FlushAsync(next, null, cancellationToken);
            return $"affirmation {affirmation.AffirmationId} force-matched to v{document.ConfirmedVersion}; TradeAffirmed published";
        }

        throw new ConfirmationConcurrencyException($"Trade {tradeId}: {MaximumWriteAttempts} force-match writes lost a race; approve again to retry.");
    }

    /// <summary>Reads a tolerance: <c>priceBasisPoints=…;priceAbsolute=…;netAmount=…</c> (any subset; missing parts are zero).</summary>
    public static bool TryParseTolerance(string text, out MatchingTolerance tolerance, out string? problem)
    {
        tolerance = MatchingTolerance.Exact;
        problem = null;
        decimal bps = 0m, absolute = 0m, net = 0m;
        foreach (var part in (text ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !decimal.TryParse(pair[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                problem = $"'{part}' is not name=value with a non-negative decimal value.";
                return false;
            }

            switch (pair[0])
            {
                case "priceBasisPoints": bps = value; break;
                case "priceAbsolute": absolute = value; break;
                case "netAmount": net = value; break;
                default:
                    problem = $"Unknown tolerance '{pair[0]}' (priceBasisPoints, priceAbsolute, netAmount).";
                    return false;
            }
        }

        if (bps == 0m && absolute == 0m && net == 0m)
        {
            problem = "A force-match needs a wider tolerance: priceBasisPoints=…;priceAbsolute=…;netAmount=….";
            return false;
        }

        tolerance = new MatchingTolerance(bps, absolute, net);
        return true;
    }

    private static ConfirmationDocument Reopened(ConfirmationDocument document, AffirmationWire affirmation) => document with
    {
        Status = ConfirmationStatus.Confirmed,
        ProcessedAffirmationIds = [.. document.ProcessedAffirmationIds.Where(id => id != affirmation.AffirmationId)],
        Outbox = [],
        PendingArchive = [],
    };

    private async Task<AffirmationWire?> FindAffirmationAsync(ConfirmationDocument document, CancellationToken cancellationToken)
    {
        var today = ArchiveRecordNames.DayOf(clock.GetUtcNow());
        foreach (var messageId in document.RecentInboundMessageIds.Reverse())
        {
            var name = ArchiveRecordNames.Inbound(Entities.AffirmationsInbound.Name, messageId);
            for (var day = today; day >= today.AddDays(-searchDays); day = day.AddDays(-1))
            {
                var stream = await archive.OpenAsync(day, name, cancellationToken);
                if (stream is null)
                {
                    continue;
                }

                await using (stream)
                {
                    var record = await JsonSerializer.DeserializeAsync(stream, ConfirmationJsonContext.Default.InboundAffirmationRecord, cancellationToken);
                    var (affirmation, _) = record is null ? (null, null) : AffirmationParser.Parse(Encoding.UTF8.GetBytes(record.Body));
                    if (affirmation?.AffirmationId == document.AffirmationId)
                    {
                        return affirmation;
                    }
                }

                break;
            }
        }

        return null;
    }
}

/// <summary>
/// Cancels a trade and books it again through the capture path: a cancel of the trade (the next version of what was
/// stored when the repair was proposed) and the maker's new trade are published to the OMS inbound queue, so capture
/// validates, enriches and answers them like any OMS message. Both message ids derive from the repair, so executing again
/// publishes the same messages (duplicates to the broker, and to capture).
/// </summary>
public sealed class CancelAndRebookExecutor(ITradeStore trades, IMessagePublisher publisher) : IRepairExecutor
{
    /// <inheritdoc />
    public RepairKind Kind => RepairKind.CancelAndRebook;

    /// <inheritdoc />
    public async Task<RepairCheck> CheckAsync(string caseId, string after, CancellationToken cancellationToken)
    {
        var tradeId = ExceptionSources.KeyOf(caseId);
        var stored = await trades.GetAsync(tradeId, cancellationToken);
        if (stored is null || stored.State.Status != TradeStatus.Live)
        {
            return RepairCheck.Refused($"Trade {tradeId} is not a live trade.");
        }

        var (rebook, problem) = OmsMessageParser.Parse(Encoding.UTF8.GetBytes(after ?? string.Empty));
        if (problem is not null)
        {
            return RepairCheck.Refused($"The rebooked trade is not an OMS contract v1 message: {problem.Message}");
        }

        if (rebook!.Action != "new" || rebook.TradeId == tradeId)
        {
            return RepairCheck.Refused("The rebooked trade must be a new trade (action \"new\") under a new trade id.");
        }

        return new RepairCheck(JsonSerializer.Serialize(AsOmsMessage(stored.State.Trade.Terms, stored.State.Trade.Terms.Version, stored.State.Trade.Terms.Version == 1 ? "new" : "amend", tradeId), CaptureJsonContext.Default.OmsTradeMessage), null);
    }

    /// <inheritdoc />
    public async Task<string> ExecuteAsync(Repair repair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        var before = JsonSerializer.Deserialize(repair.Before, CaptureJsonContext.Default.OmsTradeMessage)
            ?? throw new InvalidOperationException($"Repair {repair.RepairId} has no trade in its 'before'.");
        var cancel = before with { Action = "cancel", Version = before.Version + 1, CorrelationId = repair.RepairId };
        var rebook = JsonSerializer.Deserialize(repair.After, CaptureJsonContext.Default.OmsTradeMessage)!;
        var queue = Entities.OmsTrades.Name;
        var cancelId = $"{cancel.TradeId}-v{cancel.Version}~{repair.RepairId}";
        var rebookId = $"{rebook.TradeId}-v{rebook.Version}~{repair.RepairId}";
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { [ResubmitMessageExecutor.RepairIdProperty] = repair.RepairId };
        await publisher.PublishAsync(new OutboundMessage(queue, cancelId, "cancel", cancel.CorrelationId, properties, JsonSerializer.Serialize(cancel, CaptureJsonContext.Default.OmsTradeMessage)), cancellationToken);
        await publisher.PublishAsync(new OutboundMessage(queue, rebookId, "new", rebook.CorrelationId, properties, repair.After), cancellationToken);
        return $"published the cancel of {cancel.TradeId} v{cancel.Version} ({cancelId}) and the rebooking {rebook.TradeId} ({rebookId}) to {queue}";
    }

    /// <summary>A stored trade's terms as an OMS contract v1 message.</summary>
    public static OmsTradeMessage AsOmsMessage(TradeTerms terms, long version, string action, string correlationId)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return new OmsTradeMessage(
            OmsContract.SchemaVersionV1, terms.TradeId, version, action,
            terms.ExecutedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            terms.TradeDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            terms.AccountId,
            terms.Side == Side.Buy ? "buy" : "sell",
            terms.Isin,
            terms.Mic,
            terms.Quantity.ToString(CultureInfo.InvariantCulture),
            terms.Price.ToString(CultureInfo.InvariantCulture),
            terms.PriceType == PriceType.PercentOfPar ? "percentOfPar" : "perUnit",
            terms.Currency.Code,
            terms.CounterpartyLei,
            terms.CommissionOverride?.ToString(CultureInfo.InvariantCulture),
            terms.SettlementDateOverride?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            correlationId);
    }
}
