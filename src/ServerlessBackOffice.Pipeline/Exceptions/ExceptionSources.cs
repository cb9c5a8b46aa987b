using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Pipeline.Exceptions;

/// <summary>Case ids and the shared rules of the exception sources.</summary>
public static class ExceptionSources
{
    /// <summary>The case id of a reconciliation break.</summary>
    public static string BreakCaseId(string breakId) => "break:" + breakId;

    /// <summary>The case id of a settlement fail (per instruction).</summary>
    public static string FailCaseId(string instructionId) => "fail:" + instructionId;

    /// <summary>The case id of a confirmation mismatch.</summary>
    public static string MismatchCaseId(string tradeId) => "mismatch:" + tradeId;

    /// <summary>The case id of a trade unaffirmed at the cut-off.</summary>
    public static string UnaffirmedCaseId(string tradeId) => "unaffirmed:" + tradeId;

    /// <summary>The case id of a rejected OMS message.</summary>
    public static string RejectionCaseId(string inboundMessageId) => "rejected:" + inboundMessageId;

    /// <summary>The case id of a compliance alert.</summary>
    public static string AlertCaseId(string alertId) => "alert:" + alertId;

    /// <summary>The part of a case id after its type prefix (the break id, trade id, instruction id...).</summary>
    public static string KeyOf(string caseId)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        var colon = caseId.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? caseId : caseId[(colon + 1)..];
    }

    /// <summary>Whether a confirmation needs a person: mismatched, or confirmed and reported unaffirmed at the cut-off.</summary>
    public static bool NeedsAPerson(ConfirmationDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Status == ConfirmationStatus.Mismatched
            || (document.Status == ConfirmationStatus.Confirmed && document.ConfirmedVersion > 0 && document.CutoffReportedVersion == document.ConfirmedVersion);
    }

    internal static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Open reconciliation breaks, from the reconciliation store (one document per account and kind).</summary>
public sealed class ReconciliationBreakSource(IReconciliationStore store) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.ReconciliationBreak];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var document in store.ListAsync(cancellationToken))
        {
            foreach (var tracked in document.OpenBreaks)
            {
                var b = tracked.Latest;
                yield return new ExceptionCase(
                    ExceptionSources.BreakCaseId(b.BreakId),
                    ExceptionType.ReconciliationBreak,
                    b.BreakId,
                    string.Create(CultureInfo.InvariantCulture, $"{b.Type}: {b.Asset} ours {b.Ours}, custodian {b.Theirs}, pending {b.Pending}"),
                    tracked.FirstSeen,
                    ExceptionsView.DefaultOwner(ExceptionType.ReconciliationBreak),
                    true,
                    [$"{ExceptionSources.Day(tracked.FirstSeen)} first seen on the statement of {ExceptionSources.Day(tracked.FirstSeen)}", $"{ExceptionSources.Day(b.StatementDate)} still open on the latest statement"]);
            }
        }
    }
}

/// <summary>
/// Settlement fails, from the settlement store's open instructions: an instruction the custodian reported failed, or one
/// still unsettled after its intended settlement date.
/// </summary>
public sealed class SettlementFailSource(ISettlementStore store) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.SettlementFail];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var document in store.OpenInstructionsAsync(cancellationToken))
        {
            var lifecycle = document.Lifecycle;
            var intended = document.Instruction.SettlementDate;
            if (document.Phase != InstructionPhase.Live || lifecycle.IsFinal || (lifecycle.Status != SettlementStatus.Failed && intended >= asOf))
            {
                continue;
            }

            var reason = lifecycle.Status == SettlementStatus.Failed
                ? $"Failed{(lifecycle.LastReasonCode is null ? string.Empty : " " + lifecycle.LastReasonCode)}"
                : $"{lifecycle.Status} after the intended settlement date";
            var history = lifecycle.History
                .Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Report.ReportedAt:yyyy-MM-dd'T'HH:mm:ss'Z'} {h.Report.Status}{(h.Report.ReasonCode is null ? string.Empty : " " + h.Report.ReasonCode)} ({h.Disposition})"))
                .Prepend(string.Create(CultureInfo.InvariantCulture, $"{document.IssuedAt:yyyy-MM-dd'T'HH:mm:ss'Z'} instructed for {ExceptionSources.Day(intended)}"))
                .ToList();
            yield return new ExceptionCase(
                ExceptionSources.FailCaseId(document.InstructionId),
                ExceptionType.SettlementFail,
                $"{document.InstructionId} ({string.Join(' ', document.Trades.Select(t => t.TradeId))})",
                string.Create(CultureInfo.InvariantCulture, $"{reason}; settled {lifecycle.SettledQuantity} of {lifecycle.Quantity}"),
                intended,
                ExceptionsView.DefaultOwner(ExceptionType.SettlementFail),
                true,
                history);
        }
    }
}

/// <summary>Mismatched confirmations and trades unaffirmed at the cut-off, from the confirmation documents.</summary>
public sealed class ConfirmationExceptionSource(IExceptionDocumentQuery query) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.ConfirmationMismatch, ExceptionType.UnaffirmedAtCutoff];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var document in query.ConfirmationExceptionsAsync(cancellationToken))
        {
            if (!ExceptionSources.NeedsAPerson(document))
            {
                continue;
            }

            var mismatched = document.Status == ConfirmationStatus.Mismatched;
            var type = mismatched ? ExceptionType.ConfirmationMismatch : ExceptionType.UnaffirmedAtCutoff;
            var raised = document.CutoffAt is { } cutoff ? ArchiveRecordNames.DayOf(cutoff) : asOf;
            var reason = mismatched
                ? $"affirmation {document.AffirmationId} disputes v{document.ConfirmedVersion} ({document.Confirmation?.CounterpartyLei})"
                : string.Create(CultureInfo.InvariantCulture, $"v{document.ConfirmedVersion} not affirmed by the cut-off {document.CutoffAt:yyyy-MM-dd'T'HH:mm:ss'Z'} ({document.Confirmation?.CounterpartyLei})");
            yield return new ExceptionCase(
                mismatched ? ExceptionSources.MismatchCaseId(document.TradeId) : ExceptionSources.UnaffirmedCaseId(document.TradeId),
                type,
                document.TradeId,
                reason,
                raised,
                ExceptionsView.DefaultOwner(type),
                true,
                [.. document.Notes]);
        }
    }
}

/// <summary>Compliance alerts raised within a look-back window (alerts have no closing state of their own).</summary>
public sealed class ComplianceAlertSource(IExceptionDocumentQuery query, int lookbackDays = 7) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.ComplianceAlert];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var alert in query.AlertsSinceAsync(asOf.AddDays(-lookbackDays), cancellationToken))
        {
            var raised = DateOnly.TryParseExact(alert.TradeDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : asOf;
            yield return new ExceptionCase(
                ExceptionSources.AlertCaseId(alert.AlertId),
                ExceptionType.ComplianceAlert,
                alert.TradeId,
                $"{alert.Rule} ({alert.Severity}): {alert.Summary}",
                raised,
                ExceptionsView.DefaultOwner(ExceptionType.ComplianceAlert),
                true,
                [$"{alert.DetectedAt} raised on {string.Join(' ', alert.TradeIds)}"]);
        }
    }
}

/// <summary>
/// OMS messages capture rejected (or dead-lettered with a reason), from capture's rejection index records
/// (<see cref="ArchiveCaptureArchive.RejectionIndexName"/>) of the last <paramref name="lookbackDays"/> calendar days. A
/// rejection closes when its trade was captured afterwards (the OMS sent it again, corrected) — read from the trade store.
/// </summary>
/// <remarks>Lists each look-back day's record names and reads only the rejections.</remarks>
public sealed class CaptureRejectionSource(IArchiveStore archive, ITradeStore trades, int lookbackDays = 10) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.RejectedOmsMessage];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = ArchiveCaptureArchive.RejectionIndexPrefix;
        for (var day = asOf.AddDays(-lookbackDays); day <= asOf; day = day.AddDays(1))
        {
            // The rejection index only: a day holds twelve records a trade, and the index one a rejection.
            var names = new List<string>();
            await foreach (var info in archive.ListAsync(day, prefix, cancellationToken))
            {
                names.Add(info.Name);
            }

            // Reads run 16 at a time.
            var entries = new CaptureArchiveEntry?[names.Count];
            var current = day;
            await Parallel.ForEachAsync(
                Enumerable.Range(0, names.Count),
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (i, token) => entries[i] = await ReadAsync(current, names[i], token));
            for (var i = 0; i < names.Count; i++)
            {
                var name = names[i];
                var entry = entries[i];
                if (entry is null || entry.Outcome is not (CaptureOutcomeKind.Rejected or CaptureOutcomeKind.DeadLettered))
                {
                    continue;
                }

                var (tradeId, message) = ReplyFields(entry.ReplyBody);
                if (tradeId is not null && await trades.GetAsync(tradeId, cancellationToken) is not null)
                {
                    continue;
                }

                yield return new ExceptionCase(
                    ExceptionSources.RejectionCaseId(entry.InboundMessageId),
                    ExceptionType.RejectedOmsMessage,
                    tradeId ?? entry.InboundMessageId,
                    $"{entry.ReasonCode}: {message}",
                    ArchiveRecordNames.DayOf(entry.ReceivedAt),
                    ExceptionsView.DefaultOwner(ExceptionType.RejectedOmsMessage),
                    true,
                    [string.Create(CultureInfo.InvariantCulture, $"{entry.ReceivedAt:yyyy-MM-dd'T'HH:mm:ss'Z'} {CaptureHandler.OutcomeName(entry.Outcome)} {entry.ReasonCode} (archived as {ExceptionSources.Day(day)}/{name})")]);
            }
        }
    }

    private async Task<CaptureArchiveEntry?> ReadAsync(DateOnly day, string name, CancellationToken cancellationToken)
    {
        var stream = await archive.OpenAsync(day, name, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken);
            try
            {
                return ArchiveCaptureArchive.Parse(copy.GetBuffer().AsSpan(0, (int)copy.Length));
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
    }

    private static (string? TradeId, string? Message) ReplyFields(string reply)
    {
        try
        {
            using var document = JsonDocument.Parse(reply);
            var root = document.RootElement;
            string? Text(string property) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Text("tradeId"), Text("message"));
        }
        catch (JsonException)
        {
            return (null, reply);
        }
    }
}

/// <summary>Messages on the dead-letter sub-queue of every queue and subscription, peeked (bounded per entity).</summary>
public sealed class DeadLetterSource(IDeadLetterQueues queues, int maxPerEntity = 250) : IExceptionSource
{
    /// <inheritdoc />
    public IReadOnlyList<ExceptionType> Types { get; } = [ExceptionType.DeadLetteredMessage];

    /// <inheritdoc />
    public async IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var entity in queues.EntityPaths)
        {
            foreach (var message in await queues.PeekAsync(entity, maxPerEntity, cancellationToken))
            {
                yield return ToCase(message);
            }
        }
    }

    /// <summary>The case of a dead-lettered message.</summary>
    public static ExceptionCase ToCase(DeadLetteredMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new ExceptionCase(
            message.CaseId,
            ExceptionType.DeadLetteredMessage,
            $"{message.EntityPath} {message.MessageId}",
            $"{message.Reason ?? "no reason"}: {message.Description ?? string.Empty}",
            ArchiveRecordNames.DayOf(message.EnqueuedAt),
            ExceptionsView.DefaultOwner(ExceptionType.DeadLetteredMessage),
            true,
            [string.Create(CultureInfo.InvariantCulture, $"{message.EnqueuedAt:yyyy-MM-dd'T'HH:mm:ss'Z'} enqueued; dead-lettered after {message.DeliveryCount} deliveries")]);
    }
}
