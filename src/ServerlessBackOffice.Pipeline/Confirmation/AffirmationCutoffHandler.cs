using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Confirmation;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>What one run of the cut-off watch did.</summary>
/// <param name="Candidates">Documents the query returned.</param>
/// <param name="Reported">UnaffirmedAtCutoff events published now.</param>
public sealed record CutoffRunResult(int Candidates, int Reported);

/// <summary>
/// The affirmation cut-off watch, run by a timer: find the confirmations past their cut-off and still unaffirmed (a query,
/// the only cross-partition read of the stage), then per trade re-read the document (point read), decide again with the pure
/// <see cref="UnaffirmedAtCutoff"/> rule, record the report and its UnaffirmedAtCutoff event in one conditional write, and
/// publish. Each confirmed version is reported once, so re-runs and overlapping runs publish nothing twice.
/// </summary>
public sealed partial class AffirmationCutoffHandler(IConfirmationStore store, ConfirmationOutbox outbox, TimeProvider clock, ILogger<AffirmationCutoffHandler> logger)
{
    /// <summary>The most trades one run reports; the next run continues (a limit on everything).</summary>
    public const int MaximumPerRun = 5_000;

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

        LogRun(tradeIds.Count, reported, now);
        return new CutoffRunResult(tradeIds.Count, reported);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Affirmation cut-off watch at {Now}: {Candidates} candidates, {Reported} reported")]
    private partial void LogRun(int candidates, int reported, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade {TradeId} v{Version} unaffirmed by {CounterpartyLei} at its cut-off {CutoffAt}")]
    private partial void LogReported(string tradeId, int version, string counterpartyLei, string cutoffAt);
}
