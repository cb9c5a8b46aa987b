using System.Globalization;
using System.Runtime.InteropServices;
using AlertIdSequence = ServerlessBackOffice.Domain.Compliance.WindowSequence<string, int>;
using TradeSequence = ServerlessBackOffice.Domain.Compliance.WindowSequence<ServerlessBackOffice.Domain.Compliance.WindowTrade, ServerlessBackOffice.Domain.Compliance.TradeData>;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>One trade version as a surveillance window remembers it: enough for wash trades and positions.</summary>
/// <param name="TradeId">The trade.</param>
/// <param name="Version">The version applied (a later version replaces it; an earlier one is stale).</param>
/// <param name="Account">The account (positions are per account).</param>
/// <param name="IsBuy">True for a buy.</param>
/// <param name="Quantity">Units or nominal, positive.</param>
/// <param name="Price">The execution price.</param>
/// <param name="ExecutedAt">Execution time (UTC).</param>
public sealed record WindowTrade(string TradeId, int Version, string Account, bool IsBuy, decimal Quantity, decimal Price, DateTimeOffset ExecutedAt)
{
    /// <summary>The trade's contribution to its account's position: positive for a buy.</summary>
    public decimal SignedQuantity => IsBuy ? Quantity : -Quantity;

    /// <summary>The window's entry for a surveilled trade.</summary>
    public static WindowTrade From(SurveillanceTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return new WindowTrade(trade.TradeId, trade.Version, trade.Account, trade.IsBuy, trade.Quantity, trade.Price, trade.ExecutedAt);
    }
}

/// <summary>Bounds on what a window keeps, so a document never grows without limit (TigerStyle: a limit on everything).</summary>
/// <param name="Retention">Trades executed this long before the newest one are folded into the positions.</param>
/// <param name="MaximumTrades">At most this many trades are kept individually; the oldest are folded first.</param>
/// <param name="MaximumAlertIds">How many raised alert ids are remembered (one alert per distinct breach).</param>
public sealed record WindowLimits(TimeSpan Retention, int MaximumTrades, int MaximumAlertIds)
{
    /// <summary>
    /// Seven days of trades (far beyond Service Bus redelivery, which comes within minutes, and any wash-trade window), at
    /// most 1,000 of them (about 150 KB of a 2 MB Cosmos document), and the last 2,000 alert ids.
    /// </summary>
    public static WindowLimits Default { get; } = new(TimeSpan.FromDays(7), 1_000, 2_000);
}

/// <summary>
/// What surveillance knows about one beneficial owner's trading in one instrument: the recent trades (for wash trades),
/// each account's position (the recent trades plus what was folded out of the window) and the alerts already raised.
/// One window is one Cosmos document, so every trade reads and writes exactly one document in one partition.
/// Pure: every change returns a new window, and a window never changes once made.
/// </summary>
/// <remarks>
/// The windows <see cref="Apply"/> returns keep their trades and alert ids in sequences that keep, beside each entry, what
/// the hot paths compare (hashes, times, quantities), in a buffer that successive versions share and append to in place.
/// Applying a trade to an older version again (a redelivery, a retried write) copies, so each version keeps exactly its own
/// contents (docs/performance.md). Windows made with other lists (read from the store, or by hand) behave the same; their
/// first change converts them.
/// </remarks>
/// <param name="BeneficialOwner">The owner.</param>
/// <param name="Isin">The instrument.</param>
/// <param name="Trades">Recent trade versions, one per trade id, oldest execution first.</param>
/// <param name="FoldedPositions">Per account, the summed signed quantity of trades folded out of <paramref name="Trades"/>.</param>
/// <param name="RaisedAlertIds">Ids of alerts already raised from this window, oldest first (bounded).</param>
public sealed record SurveillanceWindow(
    string BeneficialOwner,
    string Isin,
    IReadOnlyList<WindowTrade> Trades,
    IReadOnlyDictionary<string, decimal> FoldedPositions,
    IReadOnlyList<string> RaisedAlertIds)
{
    /// <summary>A window with nothing in it yet.</summary>
    public static SurveillanceWindow Empty(string beneficialOwner, string isin) =>
        new(beneficialOwner, isin, TradeSequence.Empty, new Dictionary<string, decimal>(StringComparer.Ordinal), AlertIdSequence.Empty);

    /// <summary>The version of a trade this window has applied, or null when it has not seen the trade (or folded it).</summary>
    public int? AppliedVersion(string tradeId)
    {
        if (Trades is TradeSequence sequence)
        {
            var index = IndexOf(sequence, tradeId, TradeData.HashOf(tradeId));
            return index < 0 ? null : sequence[index].Version;
        }

        foreach (var trade in Trades)
        {
            if (string.Equals(trade.TradeId, tradeId, StringComparison.Ordinal))
            {
                return trade.Version;
            }
        }

        return null;
    }

    /// <summary>Whether an alert with this id was already raised from this window (and is still remembered).</summary>
    public bool HasRaised(string alertId) => Remembered(RaisedAlertIds, alertId, TradeData.HashOf(alertId));

    /// <summary>An account's position in the instrument, leaving out one trade (the one being evaluated, when amended).</summary>
    public decimal Position(string account, string? excludingTradeId)
    {
        var position = FoldedPositions.TryGetValue(account, out var folded) ? folded : 0m;
        if (Trades is TradeSequence sequence)
        {
            // The same sum in the same order, read from the data beside the trades: a trade's strings are compared only when
            // its hash matches, and an account's characters once — a later trade whose previous trade of the same account
            // is the last one that matched has that account too; one whose previous trade did not match has another.
            var data = sequence.Data;
            var accountHash = TradeData.HashOf(account);
            var excludedHash = TradeData.HashOf(excludingTradeId);
            var lastMatched = -1;
            for (var i = 0; i < data.Length; i++)
            {
                ref readonly var entry = ref data[i];
                if (entry.AccountHash != accountHash)
                {
                    continue;
                }

                var previous = i - entry.PreviousSameAccount;
                var same = entry.PreviousSameAccount > 0 && previous >= 0
                    ? previous == lastMatched
                    : string.Equals(sequence[i].Account, account, StringComparison.Ordinal);
                if (!same)
                {
                    continue;
                }

                lastMatched = i;
                if (entry.TradeIdHash != excludedHash || !string.Equals(sequence[i].TradeId, excludingTradeId, StringComparison.Ordinal))
                {
                    position += entry.SignedQuantity;
                }
            }

            return position;
        }

        foreach (var trade in Trades)
        {
            if (string.Equals(trade.Account, account, StringComparison.Ordinal) && !string.Equals(trade.TradeId, excludingTradeId, StringComparison.Ordinal))
            {
                position += trade.SignedQuantity;
            }
        }

        return position;
    }

    /// <summary>
    /// The window after a trade version and the alerts it raised: the version replaces any earlier version of the same trade
    /// (an amendment moves the position by the difference, never twice), trades beyond the limits are folded into the
    /// positions, and the alert ids are remembered.
    /// </summary>
    public SurveillanceWindow Apply(WindowTrade trade, IEnumerable<string> alertIds, WindowLimits limits)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(alertIds);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaximumAlertIds);
        var trades = WithTrade(trade);
        var data = trades.Data;
        var newest = trades[^1].ExecutedAt;
        long? oldestKeptTicks = null;
        var fold = 0;
        while (fold < data.Length && (data.Length - fold > limits.MaximumTrades || data[fold].ExecutedAtUtcTicks < (oldestKeptTicks ??= (newest - limits.Retention).UtcTicks)))
        {
            fold++;
        }

        // The positions are copied only when something is folded into them (or when they came with another key comparer);
        // otherwise the new window shares the unchanged dictionary, which nothing mutates.
        var folded = FoldedPositions;
        if (fold > 0 || FoldedPositions is not Dictionary<string, decimal> { Comparer: var comparer } || !ReferenceEquals(comparer, StringComparer.Ordinal))
        {
            var positions = new Dictionary<string, decimal>(FoldedPositions, StringComparer.Ordinal);
            for (var i = 0; i < fold; i++)
            {
                var oldest = trades[i];
                positions[oldest.Account] = (positions.TryGetValue(oldest.Account, out var sum) ? sum : 0m) + data[i].SignedQuantity;
            }

            trades = trades.Skip(fold);
            folded = positions;
        }

        return this with { Trades = trades, FoldedPositions = folded, RaisedAlertIds = WithAlertIds(alertIds, limits.MaximumAlertIds) };
    }

    // The trades with this version in place of any earlier one, ordered by execution time then trade id. The window is kept
    // in that order, so the new version goes where it belongs — nearly always last, appended in place — instead of re-sorting
    // every trade. Both give what a stable sort of every trade would.
    private TradeSequence WithTrade(WindowTrade trade)
    {
        if (Trades is not TradeSequence sequence)
        {
            return Sequence(WithTradeInList(trade));
        }

        var data = sequence.Data;
        var tradeIdHash = TradeData.HashOf(trade.TradeId);
        var ticks = trade.ExecutedAt.UtcTicks;
        if (IndexOf(sequence, trade.TradeId, tradeIdHash) >= 0
            || (data.Length > 0 && (data[^1].ExecutedAtUtcTicks > ticks || (data[^1].ExecutedAtUtcTicks == ticks && string.CompareOrdinal(sequence[^1].TradeId, trade.TradeId) > 0))))
        {
            // An amendment, or a trade executed before the newest one: rebuilt, the new version where it belongs.
            return Sequence(WithTradeInList(trade));
        }

        // The usual case: the newest trade, appended. Its account's chain starts at the latest earlier trade of that account.
        var accountHash = TradeData.HashOf(trade.Account);
        var previous = 0;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            if (data[i].AccountHash == accountHash && string.Equals(sequence[i].Account, trade.Account, StringComparison.Ordinal))
            {
                previous = data.Length - i;
                break;
            }
        }

        return sequence.Append(trade, new TradeData(accountHash, tradeIdHash, previous, ticks, trade.SignedQuantity));
    }

    private static int IndexOf(TradeSequence sequence, string? tradeId, int hash)
    {
        var data = sequence.Data;
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i].TradeIdHash == hash && string.Equals(sequence[i].TradeId, tradeId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // What WithTrade does for a window held in some other list, which need not be in order: a window that is out of order is
    // sorted as a whole.
    private List<WindowTrade> WithTradeInList(WindowTrade trade)
    {
        var trades = new List<WindowTrade>(Trades.Count + 1);
        var ordered = true;
        foreach (var t in Trades)
        {
            if (string.Equals(t.TradeId, trade.TradeId, StringComparison.Ordinal))
            {
                continue;
            }

            ordered &= trades.Count == 0 || Order(trades[^1], t) <= 0;
            trades.Add(t);
        }

        if (!ordered)
        {
            trades.Add(trade);
            return trades.OrderBy(t => t.ExecutedAt).ThenBy(t => t.TradeId, StringComparer.Ordinal).ToList();
        }

        var at = trades.Count;
        while (at > 0 && Order(trades[at - 1], trade) > 0)
        {
            at--;
        }

        trades.Insert(at, trade);
        return trades;
    }

    // The trades as a sequence, each with its data and its account's chain.
    private static TradeSequence Sequence(List<WindowTrade> trades)
    {
        var latestOfAccount = new Dictionary<string, int>(StringComparer.Ordinal);
        var data = new TradeData[trades.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var trade = trades[i];
            var previous = 0;

            // A window read from elsewhere could hold a trade without an account: it is kept as it is, in no chain.
            if (trade.Account is not null)
            {
                previous = latestOfAccount.TryGetValue(trade.Account, out var latest) ? i - latest : 0;
                latestOfAccount[trade.Account] = i;
            }

            data[i] = new TradeData(TradeData.HashOf(trade.Account), TradeData.HashOf(trade.TradeId), previous, trade.ExecutedAt.UtcTicks, trade.SignedQuantity);
        }

        return TradeSequence.Of(trades, data);
    }

    private static int Order(WindowTrade x, WindowTrade y)
    {
        var byTime = x.ExecutedAt.CompareTo(y.ExecutedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.TradeId, y.TradeId);
    }

    // The raised alert ids with the new ones appended (an id already remembered is not repeated), the oldest dropped beyond
    // the limit. Unchanged ids are shared with the new window, not copied; new ones are appended in place when they can be.
    private IReadOnlyList<string> WithAlertIds(IEnumerable<string> alertIds, int maximum)
    {
        AlertIdSequence? raised = null;
        foreach (var id in alertIds)
        {
            var hash = TradeData.HashOf(id);
            if (!Remembered(RaisedAlertIds, id, hash))
            {
                raised = (raised ?? AsSequence(RaisedAlertIds)).Append(id, hash);
            }
        }

        if ((raised?.Count ?? RaisedAlertIds.Count) > maximum)
        {
            raised ??= AsSequence(RaisedAlertIds);
            raised = raised.Skip(raised.Count - maximum);
        }

        return raised ?? RaisedAlertIds;
    }

    private static AlertIdSequence AsSequence(IReadOnlyList<string> alertIds)
    {
        if (alertIds is AlertIdSequence sequence)
        {
            return sequence;
        }

        var ids = new string[alertIds.Count];
        var hashes = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = alertIds[i];
            hashes[i] = TradeData.HashOf(ids[i]);
        }

        return AlertIdSequence.Of(ids, hashes);
    }

    private static bool Remembered(IReadOnlyList<string> raised, string alertId, int hash)
    {
        if (raised is AlertIdSequence sequence)
        {
            var hashes = sequence.Data;
            for (var i = 0; i < hashes.Length; i++)
            {
                if (hashes[i] == hash && string.Equals(sequence[i], alertId, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        for (var i = 0; i < raised.Count; i++)
        {
            if (string.Equals(raised[i], alertId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The context the rules see for <paramref name="trade"/>: the owner's other recent trades in the instrument, the account's
    /// position without this trade, and the instrument's recent closes (newest first) and reference price.
    /// </summary>
    public ISurveillanceContext ContextFor(SurveillanceTrade trade, IReadOnlyList<decimal> recentClosesNewestFirst, decimal? referencePrice)
    {
        ArgumentNullException.ThrowIfNull(trade);
        return new WindowContext(this, trade.TradeId, recentClosesNewestFirst, referencePrice);
    }

    private sealed class WindowContext(SurveillanceWindow window, string tradeId, IReadOnlyList<decimal> closes, decimal? referencePrice) : ISurveillanceContext
    {
        public IReadOnlyList<SurveillanceTrade> RecentTradesOfOwner(string beneficialOwner, string isin, DateTimeOffset since)
        {
            if (!IsWindowOf(beneficialOwner, isin))
            {
                return [];
            }

            List<SurveillanceTrade>? result = null;
            foreach (var t in RecentWindowTradesOfOwner(beneficialOwner, isin, since))
            {
                (result ??= []).Add(new SurveillanceTrade(t.TradeId, t.Version, string.Empty, t.Account, beneficialOwner, isin, t.IsBuy, t.Quantity, t.Price,
                    string.Empty, 0m, t.ExecutedAt, t.ExecutedAt, DateOnly.FromDateTime(t.ExecutedAt.UtcDateTime)));
            }

            return result ?? (IReadOnlyList<SurveillanceTrade>)[];
        }

        public IReadOnlyList<WindowTrade> RecentWindowTradesOfOwner(string beneficialOwner, string isin, DateTimeOffset since)
        {
            if (!IsWindowOf(beneficialOwner, isin))
            {
                return [];
            }

            if (window.Trades is TradeSequence sequence)
            {
                // The trades are in execution order, so those executed since then are the last ones: handed out as a view of
                // the window, unless the trade being evaluated is among them (an amendment).
                var data = sequence.Data;
                var tradeIdHash = TradeData.HashOf(tradeId);
                var sinceTicks = since.UtcTicks;
                var first = data.Length;
                var includesThisTrade = false;
                while (first > 0 && data[first - 1].ExecutedAtUtcTicks >= sinceTicks)
                {
                    first--;
                    includesThisTrade |= data[first].TradeIdHash == tradeIdHash && string.Equals(sequence[first].TradeId, tradeId, StringComparison.Ordinal);
                }

                if (!includesThisTrade)
                {
                    return first == data.Length ? [] : sequence.Skip(first);
                }
            }

            List<WindowTrade>? result = null;
            foreach (var t in window.Trades)
            {
                if (t.ExecutedAt >= since && !string.Equals(t.TradeId, tradeId, StringComparison.Ordinal))
                {
                    (result ??= []).Add(t);
                }
            }

            return result ?? (IReadOnlyList<WindowTrade>)[];
        }

        public IReadOnlyList<decimal> RecentPrices(string isin, int count) =>
            !string.Equals(isin, window.Isin, StringComparison.Ordinal) ? [] : closes.Count <= count ? closes : new Prefix(closes, Math.Max(count, 0));

        public decimal PositionBefore(string account, string isin) =>
            string.Equals(isin, window.Isin, StringComparison.Ordinal) ? window.Position(account, tradeId) : 0m;

        public decimal? ReferencePrice(string isin) => string.Equals(isin, window.Isin, StringComparison.Ordinal) ? referencePrice : null;

        private bool IsWindowOf(string beneficialOwner, string isin) =>
            string.Equals(beneficialOwner, window.BeneficialOwner, StringComparison.Ordinal) && string.Equals(isin, window.Isin, StringComparison.Ordinal);
    }

    // The first prices of a list, read in place: the price rule reads them once per trade, so they are not copied.
    internal sealed class Prefix(IReadOnlyList<decimal> source, int count) : IReadOnlyList<decimal>
    {
        public int Count => count;

        // What the price rule reads: the prices copied in one go when the source is an array or a list.
        public void CopyTo(Span<decimal> destination)
        {
            switch (source)
            {
                case decimal[] array:
                    array.AsSpan(0, count).CopyTo(destination);
                    break;
                case List<decimal> list:
                    CollectionsMarshal.AsSpan(list)[..count].CopyTo(destination);
                    break;
                default:
                    for (var i = 0; i < count; i++)
                    {
                        destination[i] = source[i];
                    }

                    break;
            }
        }

        public decimal this[int index] => (uint)index < (uint)count ? source[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<decimal> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return source[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>A short description for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{BeneficialOwner}/{Isin}: {Trades.Count} trades, {RaisedAlertIds.Count} alerts");
}

/// <summary>
/// The rules in force, as effective-dated data: each entry names a rule instance that applies from a date on; on a trade
/// date the latest entry of each rule name is in force (a later entry replaces the rule's parameters, it does not add a
/// second copy of the rule).
/// </summary>
public sealed class SurveillanceRuleBook
{
    private readonly IReadOnlyList<EffectiveDated<ISurveillanceRule>> _entries;
    private readonly Dictionary<DateOnly, ISurveillanceRule[]> _byDate = [];
    private readonly Lock _gate = new();

    /// <summary>Creates a rule book from its entries.</summary>
    public SurveillanceRuleBook(IEnumerable<EffectiveDated<ISurveillanceRule>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
    }

    /// <summary>Every entry, as configured.</summary>
    public IReadOnlyList<EffectiveDated<ISurveillanceRule>> Entries => _entries;

    /// <summary>The rules in force on a date, one per rule name, ordered by name.</summary>
    public IReadOnlyList<ISurveillanceRule> InForce(DateOnly date)
    {
        // Memoised per date: the hot path evaluates thousands of trades of the same day.
        lock (_gate)
        {
            if (_byDate.TryGetValue(date, out var cached))
            {
                return cached;
            }

            var rules = _entries.Where(e => e.EffectiveFrom <= date)
                .GroupBy(e => e.Value.Name, StringComparer.Ordinal)
                .Select(g => g.OrderByDescending(e => e.EffectiveFrom).First().Value)
                .OrderBy(r => r.Name, StringComparer.Ordinal)
                .ToArray();
            if (_byDate.Count > 366)
            {
                _byDate.Clear();
            }

            _byDate[date] = rules;
            return rules;
        }
    }
}
