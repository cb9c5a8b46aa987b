namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>
/// What the ledger holds for one trade: the live version, its trade-date entry, how much has settled, whether it is
/// cancelled. Every posting decision needs only this, so a store keeps it in the trade's own partition and writes it
/// together with the new entries — atomically, and without contention between trades.
/// </summary>
/// <param name="TradeId">The trade.</param>
/// <param name="Version">The highest version seen (a cancel that overtook its trade sets it with no trade).</param>
/// <param name="Trade">The live version's terms, once posted.</param>
/// <param name="TradeDateEntry">The live version's trade-date entry (what an amendment or cancel reverses).</param>
/// <param name="SettledQuantity">Cumulative settled quantity of the live version.</param>
/// <param name="Cancelled">Whether the trade is cancelled.</param>
/// <param name="EntryCount">How many entries have been posted for the trade (a sequence for the store).</param>
public sealed record TradeLedgerState(string TradeId, int Version, LedgerTrade? Trade, JournalEntry? TradeDateEntry, decimal SettledQuantity, bool Cancelled, int EntryCount)
{
    /// <summary>A trade the ledger has not seen.</summary>
    public static TradeLedgerState Empty(string tradeId) => new(tradeId, 0, null, null, 0m, false, 0);
}

/// <summary>A posting decision: the trade's new state and the outcome, with the entries to write.</summary>
public sealed record PostingDecision(TradeLedgerState State, PostingOutcome Outcome);

/// <summary>
/// The ledger's decisions for one trade, as pure functions of its state and an event. Amendments reverse and re-post,
/// older versions are stale, redeliveries are duplicates, settled trades are not amended or cancelled, and entries whose
/// value date falls on a closed day move to the next open day (through <c>valueDate</c>, which the book's calendar supplies).
/// </summary>
public static class TradeLedger
{
    /// <summary>Posts a trade version.</summary>
    public static PostingDecision PostTrade(TradeLedgerState state, LedgerTrade trade, Func<JournalEntry, JournalEntry> valueDate)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(valueDate);
        if (trade.Version < state.Version || (trade.Version == state.Version && state.Cancelled))
        {
            return new(state, PostingOutcome.Stale);
        }

        var entry = valueDate(PostingRules.TradeDate(trade));
        if (trade.Version == state.Version && state.TradeDateEntry is { } posted)
        {
            // The same version again: the journal id is the idempotency key, so the content must match what was posted.
            return new(state, SameTerms(posted, entry)
                ? PostingOutcome.Duplicate
                : PostingOutcome.Refused($"Journal id {entry.JournalId} was already posted with different content; a journal id is an idempotency key."));
        }

        if (state.SettledQuantity != 0m)
        {
            return new(state, PostingOutcome.Refused($"Trade {trade.TradeId} has settled {state.SettledQuantity}; it cannot be amended by version {trade.Version}."));
        }

        var entries = new List<JournalEntry>(2);
        if (state is { TradeDateEntry: { } live, Trade: { } previous, Cancelled: false })
        {
            entries.Add(valueDate(live.Reversal(Later(previous.TradeDate, trade.TradeDate), $"amended by version {trade.Version}")));
        }

        entries.Add(entry);
        var next = state with { Version = trade.Version, Trade = trade, TradeDateEntry = entry, Cancelled = false, EntryCount = state.EntryCount + entries.Count };
        return new(next, new PostingOutcome(PostingResult.Posted, entries));
    }

    /// <summary>Cancels a trade by reversing its live trade-date entry.</summary>
    public static PostingDecision Cancel(TradeLedgerState state, int version, DateOnly valueDateOfCancel, Func<JournalEntry, JournalEntry> valueDate)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(valueDate);
        if (state.Cancelled && version <= state.Version)
        {
            return new(state, PostingOutcome.Duplicate);
        }

        if (version < state.Version)
        {
            return new(state, PostingOutcome.Stale);
        }

        if (state.SettledQuantity != 0m)
        {
            return new(state, PostingOutcome.Refused($"Trade {state.TradeId} has settled {state.SettledQuantity}; a settled trade is not cancelled in the ledger."));
        }

        if (state is not { TradeDateEntry: { } live, Trade: { } trade })
        {
            // The cancel overtook its trade (reordering): remember it, so the trade's older versions arrive as stale.
            return new(state with { Version = version, Cancelled = true }, new PostingOutcome(PostingResult.Posted, []));
        }

        var reversal = valueDate(live.Reversal(Later(trade.TradeDate, valueDateOfCancel), $"cancelled by version {version}"));
        return new(state with { Version = version, Cancelled = true, EntryCount = state.EntryCount + 1 }, new PostingOutcome(PostingResult.Posted, [reversal]));
    }

    /// <summary>Posts a full or partial settlement of the live version.</summary>
    public static PostingDecision Settle(TradeLedgerState state, LedgerSettlement settlement, Func<JournalEntry, JournalEntry> valueDate)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentNullException.ThrowIfNull(valueDate);
        if (state.Trade is not { } trade || state.Cancelled)
        {
            return new(state, PostingOutcome.Refused($"Trade {settlement.TradeId} is not live in the ledger; the settlement waits for its trade."));
        }

        if (settlement.Version != trade.Version)
        {
            return new(state, PostingOutcome.Refused($"Settlement {settlement.StatusId} is for version {settlement.Version} of {settlement.TradeId}; the ledger holds version {trade.Version}."));
        }

        if (settlement.CumulativeQuantity <= state.SettledQuantity)
        {
            // An equal or lower cumulative quantity is a redelivered or out-of-order status: it changes nothing.
            return new(state, PostingOutcome.Duplicate);
        }

        if (settlement.CumulativeQuantity > trade.Quantity)
        {
            return new(state, PostingOutcome.Refused($"Settlement {settlement.StatusId} settles {settlement.CumulativeQuantity} of a trade of {trade.Quantity}."));
        }

        var entry = valueDate(PostingRules.Settlement(trade, settlement, state.SettledQuantity));
        return new(state with { SettledQuantity = settlement.CumulativeQuantity, EntryCount = state.EntryCount + 1 }, new PostingOutcome(PostingResult.Posted, [entry]));
    }

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static bool SameTerms(JournalEntry posted, JournalEntry candidate) =>
        posted.SameContentAs(candidate with { ValueDate = posted.ValueDate, OriginalValueDate = posted.OriginalValueDate });
}
