using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>What one run of the cut-off watch did.</summary>
/// <param name="Candidates">Documents the query returned.</param>
/// <param name="Reported">UnaffirmedAtCutoff events published now.</param>
/// <param name="ExpiredHeld">Affirmations held for unknown trades that expired now (decision 0061).</param>
public sealed record CutoffRunResult(int Candidates, int Reported, int ExpiredHeld = 0);

/// <summary>
/// The affirmation cut-off watch, run by a timer: find the confirmations past their cut-off and still unaffirmed (a query,
/// the only cross-partition read of the stage), then per trade re-read the document (point read), decide again with the pure
/// <see cref="UnaffirmedAtCutoff"/> rule, record the report and its UnaffirmedAtCutoff event in one conditional write, and
/// publish. Each confirmed version is reported once, so re-runs and overlapping runs publish nothing twice.
/// The same run expires affirmations held for trades that never arrived (decision 0061): a document that only holds
/// affirmations, the oldest held <see cref="HeldAffirmationBusinessDays"/> business days ago or more, has each affirmation
/// archived as an expiry record (<c>state/confirmations/expired-held/&lt;message id&gt;.json</c>) and is then deleted with its ETag.
/// </summary>
public sealed partial class AffirmationCutoffHandler(IConfirmationStore store, ConfirmationOutbox outbox, TimeProvider clock, ILogger<AffirmationCutoffHandler> logger)
{
    /// <summary>The most trades one run reports; the next run continues (a limit on everything).</summary>
    public const int MaximumPerRun = 5_000;

    /// <summary>
    /// Business days (weekdays) an affirmation is held for a trade that never arrived. Affirmations come on trade date and the
    /// cut-off is T+1: a trade not captured a week later is not ours.
    /// </summary>
    public const int HeldAffirmationBusinessDays = 5;

    /// <summary>The reason on an expiry record.</summary>
    public const string HeldAffirmationExpiredReason = "HeldAffirmationExpired";

    /// <summary>Reports every trade unaffirmed at its cut-off now.</summary>
    public async Task<CutoffRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var tradeIds = new List<string>();
        await foreach (var document in store.DueForCutoffAsync(now, cancellationToken))
        {
            tradeIds.Add(document.TradeId);
            if (tradeIds.Count == MaximumPerRun)
            {
                break;
            }
        }

        var reported = 0;
        foreach (var tradeId in tradeIds)
        {
            if (await ReportAsync(tradeId, now, cancellationToken))
            {
                reported++;
            }
        }

        var expired = await ExpireHeldAsync(now, cancellationToken);
        LogRun(tradeIds.Count, reported, now);
        return new CutoffRunResult(tradeIds.Count, reported, expired);
    }

    /// <summary>Expires the affirmations held for unknown trades since before the limit; returns how many expired.</summary>
    public async Task<int> ExpireHeldAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = BusinessDaysBefore(now, HeldAffirmationBusinessDays);
        var tradeIds = new List<string>();
        await foreach (var document in store.HeldOnlyBeforeAsync(before, cancellationToken))
        {
            tradeIds.Add(document.TradeId);
            if (tradeIds.Count == MaximumPerRun)
            {
                break;
            }
        }

        var expired = 0;
        foreach (var tradeId in tradeIds)
        {
            // Decided again on a fresh read: the trade or another affirmation may have arrived since the query.
            var document = await store.GetAsync(tradeId, cancellationToken);
            if (document?.HeldOnlySince() is not { } since || since >= before || document.ETag is null)
            {
                continue;
            }

            // Archived first (write-once), deleted second: a crash in between leaves the document for the next run, which
            // writes the same records again (the first of each stands).
            foreach (var held in document.Held)
            {
                await outbox.WriteAsync(ExpiryRecord(tradeId, held, now), cancellationToken);
            }

            if (await store.TryDeleteAsync(tradeId, document.ETag, cancellationToken))
            {
                expired += document.Held.Count;
                LogExpired(tradeId, document.Held.Count, since);
            }
        }

        return expired;
    }

    /// <summary>The archive record of an expired held affirmation (the same bytes on every run of the same day).</summary>
    public static ArchiveRecord ExpiryRecord(string tradeId, HeldAffirmation held, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(held);
        var heldAt = held.HeldAt is { } at ? ConfirmationRules.Instant(at) : string.Empty;
        var record = new ExpiredHeldAffirmationRecord(
            tradeId, held.InboundMessageId, heldAt, HeldAffirmationExpiredReason,
            $"Affirmation {held.Affirmation.AffirmationId} of trade {tradeId} v{held.Affirmation.Version} was held from {heldAt} and no trade event for it arrived within {HeldAffirmationBusinessDays} business days.",
            held.Affirmation);
        return new ArchiveRecord(
            ArchiveRecordNames.DayOf(now),
            ArchiveRecordNames.State(ConfirmationRules.ArchiveStage, $"expired-held/{ArchiveRecordNames.Safe(held.InboundMessageId)}.json"),
            JsonSerializer.SerializeToUtf8Bytes(record, ConfirmationJsonContext.Default.ExpiredHeldAffirmationRecord),
            "application/json");
    }

    /// <summary>The instant <paramref name="days"/> weekdays before <paramref name="now"/>, at the same time of day.</summary>
    public static DateTimeOffset BusinessDaysBefore(DateTimeOffset now, int days)
    {
        var at = now;
        for (var counted = 0; counted < days;)
        {
            at = at.AddDays(-1);
            if (at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                counted++;
            }
        }

        return at;
    }

    /// <summary>Reports one trade if it is (still) unaffirmed at its cut-off; false when there is nothing to report.</summary>
    public async Task<bool> ReportAsync(string tradeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= ConfirmationHandler.MaximumWriteAttempts; attempt++)
        {
            var document = await store.GetAsync(tradeId, cancellationToken);
            if (document?.Confirmation is not { } confirmation || !UnaffirmedAtCutoff.IsDue(document.ToCutoffCandidate(), now))
            {
                return false;
            }

            var eventId = $"{tradeId}:{confirmation.Version}:{ConfirmationRules.UnaffirmedAtCutoffEvent}";
            var wire = new UnaffirmedAtCutoffWire(
                eventId, ConfirmationRules.UnaffirmedAtCutoffEvent, tradeId, confirmation.Version, confirmation.BookId, confirmation.CounterpartyLei,
                confirmation.ConfirmationId, document.Status.ToString(), document.Market ?? string.Empty, ConfirmationRules.Instant(document.CutoffAt!.Value),
                ConfirmationRules.Instant(now), confirmation.CorrelationId);
            var next = document with
            {
                CutoffReportedVersion = confirmation.Version,
                Notes = ConfirmationDocument.Bounded(document.Notes, ConfirmationDocument.Note(confirmation.Version, $"unaffirmed at the cut-off {wire.CutoffAt}")),
                Outbox = [ConfirmationRules.TradeEvent(eventId, ConfirmationRules.UnaffirmedAtCutoffEvent, confirmation.CorrelationId, JsonSerializer.Serialize(wire, ConfirmationJsonContext.Default.UnaffirmedAtCutoffWire))],
                PendingArchive = [],
            };

            // The previous change's messages are replaced by this write: make sure they left first (decision 0060).
            await outbox.FlushAsync(document, null, cancellationToken);
            var written = await store.TryWriteAsync(next, document.ETag, cancellationToken);
            if (written.Written)
            {
                await outbox.FlushAsync(next, null, cancellationToken);
                LogReported(tradeId, confirmation.Version, confirmation.CounterpartyLei, wire.CutoffAt);
                return true;
            }
        }

        throw new ConfirmationConcurrencyException($"Trade {tradeId}: {ConfirmationHandler.MaximumWriteAttempts} cut-off writes lost a race; the next run retries.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade {TradeId}: {Count} held affirmations expired, held since {HeldSince}; no trade event arrived (archived under state/confirmations/expired-held)")]
    private partial void LogExpired(string tradeId, int count, DateTimeOffset heldSince);

    [LoggerMessage(Level = LogLevel.Information, Message = "Affirmation cut-off watch at {Now}: {Candidates} candidates, {Reported} reported")]
    private partial void LogRun(int candidates, int reported, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade {TradeId} v{Version} unaffirmed by {CounterpartyLei} at its cut-off {CutoffAt}")]
    private partial void LogReported(string tradeId, int version, string counterpartyLei, string cutoffAt);
}
