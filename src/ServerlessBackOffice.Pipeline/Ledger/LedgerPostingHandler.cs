using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>
/// The ledger stage: load the trade's ledger state, decide (pure), commit entries and state atomically. Safe under
/// at-least-once delivery: a redelivered event is a duplicate by the trade's own state; two deliveries racing on one
/// trade cannot both commit, because the commit presents the state's concurrency token — the loser decides again.
/// </summary>
public sealed partial class LedgerPostingHandler(ILedgerStore store, ILogger<LedgerPostingHandler> logger)
{
    /// <summary>How many times a decision is retried after losing a concurrency race before the message is retried.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Posts a command and returns its outcome.</summary>
    /// <exception cref="LedgerConcurrencyException">Every attempt lost a race; the message should be retried later.</exception>
    /// <exception cref="System.Diagnostics.UnreachableException">A posting broke an invariant: our bug, never retried into the books.</exception>
    public async Task<PostingOutcome> HandleAsync(LedgerCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var closedDays = await store.ClosedDaysAsync(command.Book, cancellationToken);
        JournalEntry RollPastClosedDays(JournalEntry entry)
        {
            var day = entry.ValueDate;
            while (closedDays.Contains(day))
            {
                day = day.AddDays(1);
            }

            return day == entry.ValueDate ? entry : entry with { ValueDate = day, OriginalValueDate = entry.OriginalValueDate ?? entry.ValueDate };
        }

        // A trade's first version nearly always finds no ledger state (decision 0079, as 0075 for the other stages): the first
        // attempt decides against the empty state without reading it and commits with no concurrency token, which creates
        // the state. Only that commit is trusted: if the state exists after all (a redelivery, a race) the commit fails and
        // the attempts that follow read it; a decision to write nothing is never trusted to the assumption.
        var assumeNew = command is PostTradeVersion { Trade.Version: 1 };
        for (var attempt = assumeNew ? 0 : 1; attempt <= MaxAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var loaded = assumed ? new LoadedTradeLedger(TradeLedgerState.Empty(command.TradeId), null) : await store.LoadAsync(command.TradeId, cancellationToken);
            var decision = command switch
            {
                PostTradeVersion post => TradeLedger.PostTrade(loaded.State, post.Trade, RollPastClosedDays),
                CancelTradeVersion cancel => TradeLedger.Cancel(loaded.State, cancel.Version, cancel.ValueDate, RollPastClosedDays),
                RecordSettlement settle => TradeLedger.Settle(loaded.State, settle.Settlement, RollPastClosedDays),
                _ => throw new ArgumentException($"Unknown ledger command {command.GetType().Name}.", nameof(command)),
            };

            foreach (var entry in decision.Outcome.Entries)
            {
                entry.AssertBalanced();
            }

            if (ReferenceEquals(decision.State, loaded.State))
            {
                if (assumed)
                {
                    continue;
                }

                // Nothing to write: a duplicate, a stale version or a refusal.
                LogOutcome(command.TradeId, decision.Outcome.Result, decision.Outcome.Reason);
                return decision.Outcome;
            }

            if (await store.TryCommitAsync(loaded, decision, cancellationToken))
            {
                LogOutcome(command.TradeId, decision.Outcome.Result, decision.Outcome.Reason);
                return decision.Outcome;
            }

            LogConflict(command.TradeId, attempt);
        }

        throw new LedgerConcurrencyException($"Trade {command.TradeId}: {MaxAttempts} attempts lost a concurrency race; the message will be retried.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger posting for trade {TradeId}: {Result} {Reason}")]
    private partial void LogOutcome(string tradeId, PostingResult result, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ledger commit for trade {TradeId} lost a concurrency race on attempt {Attempt}; deciding again")]
    private partial void LogConflict(string tradeId, int attempt);
}

/// <summary>Every attempt to commit lost a concurrency race; transient, so the message is retried.</summary>
public sealed class LedgerConcurrencyException : Exception
{
    public LedgerConcurrencyException(string message) : base(message)
    {
    }

    public LedgerConcurrencyException()
    {
    }

    public LedgerConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
