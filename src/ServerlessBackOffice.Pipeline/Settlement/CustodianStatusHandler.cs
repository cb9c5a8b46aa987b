using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>
/// The custodian status stage: one custodian-status-v1 report in, the instruction's state machine advanced (or the report kept
/// in its history unchanged), and the trade events other stages need out. Side effects, in order: parse strictly (a bad body
/// is dead-lettered with its reason); point-read the instruction (or start from the one this instance wrote last, trusted
/// only through the write: decision 0075; an unknown instruction is retried, then dead-lettered);
/// re-publish the last change's outbox; apply (<see cref="SettlementLifecycle.Apply"/>); write state + history + outbox in one
/// conditional write; publish. A report dated more than <see cref="MaximumReportedAhead"/> after the clock is dead-lettered
/// before anything is read: applied, it would make every later genuine report of the instruction look stale.
/// </summary>
public sealed partial class CustodianStatusHandler(
    ISettlementStore store,
    IMessagePublisher publisher,
    TimeProvider clock,
    ILogger<CustodianStatusHandler> logger,
    WrittenDocuments<SettlementInstructionDocument>? memory = null)
{
    private readonly WrittenDocuments<SettlementInstructionDocument> _instructions = memory ?? new();

    /// <summary>
    /// How far after our clock a report may be dated. Custodians stamp reports with their own clocks, and a mislabelled time
    /// zone is off by at most 14 hours; a day covers both without letting a date from the far future through.
    /// </summary>
    public static TimeSpan MaximumReportedAhead { get; } = TimeSpan.FromDays(1);

    /// <summary>The reason for a report dated after <see cref="MaximumReportedAhead"/> from now.</summary>
    public const string ReportedInFutureReason = "ReportedInFuture";

    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus.</summary>
    public const int MaximumWriteAttempts = 5;

    /// <summary>
    /// Deliveries of a status for an unknown instruction before it is dead-lettered. A status can overtake the write of its
    /// instruction only by seconds; after this many deliveries (with the queue's lock and redelivery delays) it is not ours.
    /// </summary>
    public const int UnknownInstructionDeliveries = 5;

    /// <summary>The reason for a body that is not custodian-status-v1.</summary>
    public const string MalformedStatusReason = "MalformedStatus";

    /// <summary>The reason for a status of an instruction we never issued.</summary>
    public const string UnknownInstructionReason = "UnknownInstruction";

    /// <summary>Handles one status report. Transient failures throw (the message is retried).</summary>
    public async Task<SettlementResult> HandleAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var (report, problem) = Parse(inbound.Body.Span);
        if (report is null)
        {
            LogDeadLettered(inbound.MessageId, MalformedStatusReason, problem!);
            return SettlementResult.DeadLetter(MalformedStatusReason, problem!);
        }

        var now = clock.GetUtcNow();
        if (report.ReportedAt > now + MaximumReportedAhead)
        {
            var description = string.Create(CultureInfo.InvariantCulture,
                $"Status {report.StatusId} of instruction {report.InstructionId} is reported at {report.ReportedAt:yyyy-MM-dd'T'HH:mm:ss'Z'}, more than {MaximumReportedAhead.TotalHours:0} hours after now ({now:yyyy-MM-dd'T'HH:mm:ss'Z'}); applied, it would make every later report of the instruction stale.");
            LogDeadLettered(inbound.MessageId, ReportedInFutureReason, description);
            return SettlementResult.DeadLetter(ReportedInFutureReason, description);
        }

        // The first attempt starts from the instruction this instance wrote and published last, without reading it, when it
        // published it today: then nothing of it is published again from a guess. Only its conditional write is trusted
        // (decision 0075).
        for (var attempt = 0; attempt <= MaximumWriteAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var document = assumed ? _instructions.Guess(report.InstructionId) : await store.GetInstructionAsync(report.InstructionId, cancellationToken);
            if (assumed && (document?.Phase is not InstructionPhase.Live || !_instructions.Flushed(report.InstructionId, document.ETag, ArchiveRecordNames.DayOf(now))))
            {
                continue;
            }

            if (document is null || document.Phase is InstructionPhase.Draft or InstructionPhase.Abandoned or InstructionPhase.Offset)
            {
                var description = $"Status {report.StatusId} is for instruction {report.InstructionId}, which we have not issued.";
                if (inbound.DeliveryCount >= UnknownInstructionDeliveries)
                {
                    LogDeadLettered(inbound.MessageId, UnknownInstructionReason, description);
                    return SettlementResult.DeadLetter(UnknownInstructionReason, description);
                }

                return SettlementResult.Retry(UnknownInstructionReason, description);
            }

            var (lifecycle, disposition) = document.Lifecycle.Apply(report);
            if (ReferenceEquals(lifecycle, document.Lifecycle))
            {
                if (assumed)
                {
                    continue;
                }

                // A duplicate report: the last change's messages may not all have left.
                await PublishAsync(document.Outbox, cancellationToken);
                return Complete(document, report, SettlementOutcomes.StatusIgnored, disposition);
            }

            var outbox = disposition == StatusDisposition.Applied ? EventsFor(document, lifecycle, report) : (Outbox: document.Outbox, Trades: document.Trades);
            var next = document with { Lifecycle = lifecycle, Trades = outbox.Trades, Outbox = outbox.Outbox };
            if (disposition == StatusDisposition.Applied && !_instructions.Flushed(report.InstructionId, document.ETag, ArchiveRecordNames.DayOf(now)))
            {
                await PublishAsync(document.Outbox, cancellationToken);
            }

            var written = await store.TryWriteInstructionAsync(next, document.ETag, cancellationToken);
            if (!written.Written)
            {
                if (assumed)
                {
                    _instructions.Forget(report.InstructionId, document.ETag);
                }

                LogWriteConflict(report.InstructionId, inbound.MessageId, attempt);
                continue;
            }

            if (written.ETag is { } etag)
            {
                _instructions.Written(report.InstructionId, next with { ETag = etag }, etag, ArchiveRecordNames.DayOf(now));
            }

            await PublishAsync(next.Outbox, cancellationToken);
            if (written.ETag is { } published)
            {
                _instructions.Published(report.InstructionId, published, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
            }

            return Complete(next, report, disposition == StatusDisposition.Applied ? SettlementOutcomes.StatusApplied : SettlementOutcomes.StatusIgnored, disposition);
        }

        throw new SettlementConcurrencyException($"Instruction {report.InstructionId}: {MaximumWriteAttempts} status writes lost a race; the message will be retried.");
    }

    /// <summary>The largest body read; a status report is well under 1 KB.</summary>
    public const int MaximumBytes = 16 * 1024;

    /// <summary>custodian-status-v1's limit on statusId.</summary>
    public const int MaximumStatusIdLength = 64;

    /// <summary>custodian-status-v1's limit on instructionId (an ISO 20022 TxId).</summary>
    public const int MaximumInstructionIdLength = 35;

    private static bool IsReasonCode(string code) => code.Length == 4 && code.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c));

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";

    /// <summary>Reads a custodian-status-v1 body, or says why it cannot be read.</summary>
    public static (CustodianStatusReport? Report, string? Problem) Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaximumBytes)
        {
            return (null, $"The body is {body.Length} bytes; the limit is {MaximumBytes}.");
        }

        CustodianStatusWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(body, SettlementJsonContext.Default.CustodianStatusWire);
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not custodian-status-v1 JSON: {ex.Message}");
        }

        if (wire is null)
        {
            return (null, "The body is JSON null.");
        }

        if (wire.SchemaVersion != 1 || wire.StatusId.Length == 0 || wire.InstructionId.Length == 0)
        {
            return (null, $"Status '{wire.StatusId}' has schema version {wire.SchemaVersion} or an empty id.");
        }

        // The ids and the reason code are stored in the instruction's history: the schema's limits keep a hostile report from
        // growing the document towards Cosmos DB's item size limit.
        if (wire.StatusId.Length > MaximumStatusIdLength || wire.InstructionId.Length > MaximumInstructionIdLength)
        {
            return (null, $"Status '{Truncate(wire.StatusId)}' has a status id longer than {MaximumStatusIdLength} or an instruction id longer than {MaximumInstructionIdLength} characters.");
        }

        if (wire.ReasonCode is { } code && !IsReasonCode(code))
        {
            return (null, $"Status '{wire.StatusId}' has reason code '{Truncate(code)}', not four characters A-Z or 0-9.");
        }

        // Enum.TryParse also reads numbers ("4" would be Settled): only the schema's names are statuses.
        if (!Enum.GetNames<SettlementStatus>().Contains(wire.Status, StringComparer.Ordinal)
            || !Enum.TryParse<SettlementStatus>(wire.Status, ignoreCase: false, out var status) || status == SettlementStatus.Instructed)
        {
            return (null, $"Status '{wire.StatusId}' has an unknown status '{wire.Status}'.");
        }

        if (!DateTimeOffset.TryParse(wire.ReportedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var reportedAt))
        {
            return (null, $"Status '{wire.StatusId}' has an unreadable reportedAt '{wire.ReportedAt}'.");
        }

        decimal quantity = 0m, cash = 0m;
        try
        {
            quantity = wire.SettledQuantity is null ? 0m : SettlementRules.Number(wire.SettledQuantity);
            cash = wire.SettledCash is null ? 0m : Math.Abs(SettlementRules.Number(wire.SettledCash));
        }
        catch (FormatException ex)
        {
            return (null, $"Status '{wire.StatusId}' has an unreadable amount: {ex.Message}");
        }

        if (status == SettlementStatus.PartiallySettled && wire.SettledQuantity is null && wire.SettledCash is null)
        {
            return (null, $"Status '{wire.StatusId}' is PartiallySettled without a settled quantity or cash.");
        }

        return (new CustodianStatusReport(wire.StatusId, wire.InstructionId, status, reportedAt, quantity, cash, wire.ReasonCode), null);
    }

    /// <summary>The trade events of an applied status, and the trades' new settled amounts.</summary>
    public static (IReadOnlyList<OutboundMessage> Outbox, IReadOnlyList<TradeAllocation> Trades) EventsFor(SettlementInstructionDocument document, SettlementLifecycle lifecycle, CustodianStatusReport report)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(report);
        switch (report.Status)
        {
            case SettlementStatus.Matched:
                return (SettlementRules.TradeEvents(document, SettlementEventTypes.SettlementMatched, report.StatusId, (_, w) => w with { StatusId = report.StatusId }), document.Trades);
            case SettlementStatus.Unmatched:
                return (SettlementRules.TradeEvents(document, SettlementEventTypes.SettlementUnmatched, report.StatusId, (_, w) => w with { StatusId = report.StatusId, ReasonCode = report.ReasonCode }), document.Trades);
            case SettlementStatus.Failed:
                var party = SettlementRules.FailingPartyOf(document.Instruction, report.ReasonCode);
                return (SettlementRules.TradeEvents(document, SettlementEventTypes.SettlementFailed, report.StatusId, (t, w) => w with
                {
                    StatusId = report.StatusId,
                    ReasonCode = report.ReasonCode,
                    FailedQuantity = TradeEventWire.Text(t.Quantity - t.CumulativeQuantity),
                    FailingParty = party,
                }), document.Trades);
            case SettlementStatus.Cancelled:
                // A cancellation we requested already published InstructionCancelled; one the custodian made on its own is news.
                return document.Phase == InstructionPhase.CancelRequested
                    ? ([], document.Trades)
                    : (SettlementRules.TradeEvents(document, SettlementEventTypes.InstructionCancelled, report.StatusId, (_, w) => w with { StatusId = report.StatusId, ReasonCode = report.ReasonCode ?? "CANC" }), document.Trades);
            default:
                var allocated = SettlementRules.Allocate(document, lifecycle);
                var settledOn = DateOnly.FromDateTime(report.ReportedAt.UtcDateTime);
                var messages = new List<OutboundMessage>();
                foreach (var (before, after) in document.Trades.Zip(allocated))
                {
                    var quantity = after.CumulativeQuantity - before.CumulativeQuantity;
                    var cash = after.CumulativeCash - before.CumulativeCash;
                    if (quantity == 0m && cash == 0m)
                    {
                        continue;
                    }

                    var full = after.CumulativeQuantity == after.Quantity;
                    var eventType = full ? SettlementEventTypes.TradeSettled : SettlementEventTypes.TradePartiallySettled;
                    messages.Add(SettlementRules.EventMessage(new SettlementEventWire(
                        $"{after.TradeId}:{report.StatusId}:{eventType}", eventType, after.TradeId, after.Version, after.BookId, document.InstructionId,
                        TradeEventWire.Date(document.Instruction.SettlementDate), after.Side, document.Instruction.Currency, document.Netted,
                        StatusId: report.StatusId, SettledOn: TradeEventWire.Date(settledOn),
                        SettledQuantity: TradeEventWire.Text(quantity), SettledCash: TradeEventWire.Text(cash),
                        CumulativeQuantity: TradeEventWire.Text(after.CumulativeQuantity), CumulativeCash: TradeEventWire.Text(after.CumulativeCash),
                        CorrelationId: after.CorrelationId)));
                }

                return (messages, allocated);
        }
    }

    private async Task PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await publisher.PublishAsync(message, cancellationToken);
        }
    }

    private SettlementResult Complete(SettlementInstructionDocument document, CustodianStatusReport report, string outcome, StatusDisposition disposition)
    {
        var description = $"Status {report.StatusId} ({report.Status}) of instruction {report.InstructionId}: {disposition}; the instruction is {document.Lifecycle.Status}.";
        LogOutcome(report.InstructionId, report.StatusId, disposition, document.Lifecycle.Status);
        return SettlementResult.Complete(outcome, description, disposition == StatusDisposition.Applied ? null : disposition.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Status {StatusId} of instruction {InstructionId}: {Disposition}; now {Status}")]
    private partial void LogOutcome(string instructionId, string statusId, StatusDisposition disposition, SettlementStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Custodian status {MessageId} dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status write for instruction {InstructionId} (message {MessageId}) lost a race on attempt {Attempt}; deciding again")]
    private partial void LogWriteConflict(string instructionId, string messageId, int attempt);
}
