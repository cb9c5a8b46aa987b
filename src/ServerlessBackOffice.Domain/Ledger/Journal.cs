using System.Diagnostics;

namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>What happened to a posting request.</summary>
public enum PostingResult
{
    /// <summary>The entry (or entries) were posted.</summary>
    Posted,

    /// <summary>The same entry was already posted: nothing changed (a redelivery).</summary>
    Duplicate,

    /// <summary>A newer version of the trade is already posted: the older one is ignored.</summary>
    Stale,

    /// <summary>The request was refused; <see cref="PostingOutcome.Reason"/> says why.</summary>
    Refused,
}

/// <summary>The outcome of a posting request, with the entries it posted.</summary>
public sealed record PostingOutcome(PostingResult Result, IReadOnlyList<JournalEntry> Entries, string? Reason = null)
{
    internal static PostingOutcome Duplicate { get; } = new(PostingResult.Duplicate, []);

    internal static PostingOutcome Stale { get; } = new(PostingResult.Stale, []);

    internal static PostingOutcome Refused(string reason) => new(PostingResult.Refused, [], reason);
}

/// <summary>
/// A book's journal with its invariants enforced where entries are created: every entry balances per asset; a journal id
/// posts once (same content again is a duplicate, different content is refused); nothing posts to a closed day — a late
/// correction posts on the next open day with a reference to its original value date; amendments and cancels reverse,
/// never edit. The same class backs the in-memory store, the end-of-day check and the property tests.
/// </summary>
public sealed class Journal
{
    private readonly Dictionary<string, JournalEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<JournalEntry> _ordered = [];
    private readonly Dictionary<LedgerAccount, decimal> _balances = [];
    private readonly Dictionary<string, TradeLedgerState> _trades = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<DateOnly>> _closedDays = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _tombstones = new(StringComparer.Ordinal);

    /// <summary>Every entry in posting order.</summary>
    public IReadOnlyList<JournalEntry> Entries => _ordered;

    /// <summary>Current balances of every account that was ever posted to.</summary>
    public IReadOnlyDictionary<LedgerAccount, decimal> Balances => _balances;

    /// <summary>Posts a trade version: its trade-date entry, reversing the version it replaces.</summary>
    public PostingOutcome PostTrade(LedgerTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var entry = PostingRules.TradeDate(trade);
        if (_tombstones.TryGetValue(trade.TradeId, out var cancelledAt) && trade.Version <= cancelledAt)
        {
            return PostingOutcome.Stale;
        }

        if (!_trades.TryGetValue(trade.TradeId, out var state))
        {
            return Apply([entry], () => _trades[trade.TradeId] = new TradeLedgerState(trade, entry));
        }

        if (trade.Version < state.Trade.Version)
        {
            return PostingOutcome.Stale;
        }

        if (trade.Version == state.Trade.Version)
        {
            return state.Cancelled ? PostingOutcome.Stale : IdempotentRepeat(entry);
        }

        if (state.SettledQuantity != 0m)
        {
            return PostingOutcome.Refused($"Trade {trade.TradeId} has settled {state.SettledQuantity}; it cannot be amended by version {trade.Version}.");
        }

        var entries = new List<JournalEntry>();
        if (!state.Cancelled)
        {
            entries.Add(state.TradeDateEntry.Reversal(trade.TradeDate < state.Trade.TradeDate ? state.Trade.TradeDate : trade.TradeDate, $"amended by version {trade.Version}"));
        }

        entries.Add(entry);
        return Apply(entries, () => _trades[trade.TradeId] = new TradeLedgerState(trade, entry));
    }

    /// <summary>Cancels a trade: its live trade-date entry is reversed on <paramref name="valueDate"/>.</summary>
    public PostingOutcome CancelTrade(string tradeId, int version, DateOnly valueDate)
    {
        if (!_trades.TryGetValue(tradeId, out var state))
        {
            // The cancel overtook its trade (reordering): remember it, so the trade's older versions arrive as stale.
            _tombstones[tradeId] = Math.Max(version, _tombstones.GetValueOrDefault(tradeId));
            return new PostingOutcome(PostingResult.Posted, []);
        }

        if (version < state.Trade.Version || (version == state.Trade.Version && state.Cancelled))
        {
            return state.Cancelled ? PostingOutcome.Duplicate : PostingOutcome.Stale;
        }

        if (state.SettledQuantity != 0m)
        {
            return PostingOutcome.Refused($"Trade {tradeId} has settled {state.SettledQuantity}; a settled trade is not cancelled in the ledger.");
        }

        var reversal = state.TradeDateEntry.Reversal(valueDate < state.Trade.TradeDate ? state.Trade.TradeDate : valueDate, $"cancelled by version {version}");
        return Apply([reversal], () => _trades[tradeId] = state with { Trade = state.Trade with { Version = version }, Cancelled = true });
    }

    /// <summary>Posts a settlement (full or partial) of the live version of a trade.</summary>
    public PostingOutcome PostSettlement(LedgerSettlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        if (!_trades.TryGetValue(settlement.TradeId, out var state) || state.Cancelled)
        {
            return PostingOutcome.Refused($"Trade {settlement.TradeId} is not live in the ledger; the settlement waits for its trade.");
        }

        if (settlement.Version != state.Trade.Version)
        {
            return PostingOutcome.Refused($"Settlement {settlement.StatusId} is for version {settlement.Version} of {settlement.TradeId}; the ledger holds version {state.Trade.Version}.");
        }

        if (settlement.CumulativeQuantity <= state.SettledQuantity)
        {
            // An equal or lower cumulative quantity is a redelivered or out-of-order status: it changes nothing.
            return PostingOutcome.Duplicate;
        }

        if (settlement.CumulativeQuantity > state.Trade.Quantity)
        {
            return PostingOutcome.Refused($"Settlement {settlement.StatusId} settles {settlement.CumulativeQuantity} of a trade of {state.Trade.Quantity}.");
        }

        var entry = PostingRules.Settlement(state.Trade, settlement, state.SettledQuantity);
        return Apply([entry], () => _trades[settlement.TradeId] = state with { SettledQuantity = settlement.CumulativeQuantity });
    }

    /// <summary>Each account's position per instrument: pending plus settled, the sum of its live fills.</summary>
    public IReadOnlyDictionary<(string Book, string Account, string Instrument), decimal> Positions() =>
        _balances.Where(b => b.Key.Kind is AccountKind.PositionPending or AccountKind.PositionSettled)
            .GroupBy(b => (b.Key.Book, b.Key.Owner, b.Key.Asset))
            .ToDictionary(g => g.Key, g => g.Sum(b => b.Value));

    /// <summary>Closes a book's business day: no entry takes that value date afterwards.</summary>
    public void CloseDay(string book, DateOnly day)
    {
        if (!_closedDays.TryGetValue(book, out var days))
        {
            _closedDays[book] = days = [];
        }

        days.Add(day);
    }

    /// <summary>Whether a book's day is closed.</summary>
    public bool IsClosed(string book, DateOnly day) => _closedDays.TryGetValue(book, out var days) && days.Contains(day);

    /// <summary>An account's balance as of the end of a value date.</summary>
    public decimal BalanceAsOf(LedgerAccount account, DateOnly asOf) =>
        _ordered.Where(e => e.ValueDate <= asOf).SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.Amount);

    /// <summary>The trial balance of a book at the end of a value date.</summary>
    public TrialBalance TrialBalance(string book, DateOnly asOf) =>
        Ledger.TrialBalance.From(book, asOf, _ordered.Where(e => e.Book == book && e.ValueDate <= asOf));

    /// <summary>
    /// Checks the invariants again over everything posted (the end-of-day check): every entry balances, every asset sums
    /// to zero, and the running balances equal the sum of the entries. Returns the breaks; an empty list means intact.
    /// </summary>
    public IReadOnlyList<string> CheckInvariants()
    {
        var breaks = new List<string>();
        breaks.AddRange(_ordered.Where(e => !e.IsBalanced).Select(e => $"Entry {e.JournalId} does not balance."));
        var recomputed = _ordered.SelectMany(e => e.Lines).GroupBy(l => l.Account).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount));
        foreach (var (account, balance) in _balances.Where(b => recomputed.GetValueOrDefault(b.Key) != b.Value))
        {
            breaks.Add($"Balance of {account} is {balance} but its entries sum to {recomputed.GetValueOrDefault(account)}.");
        }

        breaks.AddRange(_balances.GroupBy(b => (b.Key.Book, b.Key.Asset)).Where(g => g.Sum(b => b.Value) != 0m)
            .Select(g => $"Book {g.Key.Book} does not net to zero in {g.Key.Asset}: {g.Sum(b => b.Value)}."));
        return breaks;
    }

    private PostingOutcome IdempotentRepeat(JournalEntry entry) =>
        _entries.TryGetValue(entry.JournalId, out var existing) && existing.SameContentAs(entry)
            ? PostingOutcome.Duplicate
            : PostingOutcome.Refused($"Journal id {entry.JournalId} was already posted with different content; a journal id is an idempotency key.");

    private PostingOutcome Apply(List<JournalEntry> entries, Action commitState)
    {
        var posted = new List<JournalEntry>(entries.Count);
        foreach (var candidate in entries)
        {
            var entry = RollPastClosedDays(candidate);
            entry.AssertBalanced();
            if (_entries.TryGetValue(entry.JournalId, out var existing))
            {
                if (existing.SameContentAs(entry))
                {
                    continue;
                }

                return PostingOutcome.Refused($"Journal id {entry.JournalId} was already posted with different content; a journal id is an idempotency key.");
            }

            posted.Add(entry);
        }

        // All checks passed: apply the whole set, so a request posts all of its entries or none.
        foreach (var entry in posted)
        {
            _entries.Add(entry.JournalId, entry);
            _ordered.Add(entry);
            foreach (var line in entry.Lines)
            {
                _balances[line.Account] = _balances.GetValueOrDefault(line.Account) + line.Amount;
            }
        }

        commitState();
        return posted.Count == 0 ? PostingOutcome.Duplicate : new PostingOutcome(PostingResult.Posted, posted);
    }

    private JournalEntry RollPastClosedDays(JournalEntry entry)
    {
        var day = entry.ValueDate;
        while (IsClosed(entry.Book, day))
        {
            day = day.AddDays(1);
        }

        return day == entry.ValueDate ? entry : entry with { ValueDate = day, OriginalValueDate = entry.OriginalValueDate ?? entry.ValueDate };
    }

    private sealed record TradeLedgerState(LedgerTrade Trade, JournalEntry TradeDateEntry, decimal SettledQuantity = 0m, bool Cancelled = false);
}
