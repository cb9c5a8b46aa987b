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

    /// <summary>Every entry in posting order.</summary>
    public IReadOnlyList<JournalEntry> Entries => _ordered;

    /// <summary>Current balances of every account that was ever posted to.</summary>
    public IReadOnlyDictionary<LedgerAccount, decimal> Balances => _balances;

    /// <summary>Posts a trade version: its trade-date entry, reversing the version it replaces.</summary>
    public PostingOutcome PostTrade(LedgerTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return Commit(TradeLedger.PostTrade(StateOf(trade.TradeId), trade, RollPastClosedDays));
    }

    /// <summary>Cancels a trade: its live trade-date entry is reversed on <paramref name="valueDate"/>.</summary>
    public PostingOutcome CancelTrade(string tradeId, int version, DateOnly valueDate) =>
        Commit(TradeLedger.Cancel(StateOf(tradeId), version, valueDate, RollPastClosedDays));

    /// <summary>Posts a settlement (full or partial) of the live version of a trade.</summary>
    public PostingOutcome PostSettlement(LedgerSettlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        return Commit(TradeLedger.Settle(StateOf(settlement.TradeId), settlement, RollPastClosedDays));
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

    private TradeLedgerState StateOf(string tradeId) => _trades.TryGetValue(tradeId, out var state) ? state : TradeLedgerState.Empty(tradeId);

    private PostingOutcome Commit(PostingDecision decision)
    {
        foreach (var entry in decision.Outcome.Entries)
        {
            entry.AssertBalanced();
            if (_entries.ContainsKey(entry.JournalId))
            {
                // The per-trade state already makes repeats duplicates; a second entry under one id would be our bug.
                throw new System.Diagnostics.UnreachableException($"Journal id {entry.JournalId} would be posted twice.");
            }
        }

        foreach (var entry in decision.Outcome.Entries)
        {
            _entries.Add(entry.JournalId, entry);
            _ordered.Add(entry);
            foreach (var line in entry.Lines)
            {
                _balances[line.Account] = _balances.GetValueOrDefault(line.Account) + line.Amount;
            }
        }

        _trades[decision.State.TradeId] = decision.State;
        return decision.Outcome;
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

}
