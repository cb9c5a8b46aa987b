using System.Globalization;

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
/// Pure: every change returns a new window.
/// </summary>
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
        new(beneficialOwner, isin, [], new Dictionary<string, decimal>(StringComparer.Ordinal), []);

    /// <summary>The version of a trade this window has applied, or null when it has not seen the trade (or folded it).</summary>
    public int? AppliedVersion(string tradeId)
    {
        foreach (var trade in Trades)
        {
            if (string.Equals(trade.TradeId, tradeId, StringComparison.Ordinal))
            {
                return trade.Version;
            }
        }

        return null;
    }

    /// <summary>An account's position in the instrument, leaving out one trade (the one being evaluated, when amended).</summary>
    public decimal Position(string account, string? excludingTradeId)
    {
        var position = FoldedPositions.TryGetValue(account, out var folded) ? folded : 0m;
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
        var trades = WithTrade(trade);
        var newest = trades[^1].ExecutedAt;
        var fold = 0;
        while (fold < trades.Count && (trades.Count - fold > limits.MaximumTrades || trades[fold].ExecutedAt < newest - limits.Retention))
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
                positions[oldest.Account] = (positions.TryGetValue(oldest.Account, out var sum) ? sum : 0m) + oldest.SignedQuantity;
            }

            trades.RemoveRange(0, fold);
            folded = positions;
        }

        return this with { Trades = trades, FoldedPositions = folded, RaisedAlertIds = WithAlertIds(alertIds, limits.MaximumAlertIds) };
    }

    // The trades with this version in place of any earlier one, ordered by execution time then trade id. The window is kept
    // in that order, so the new version is inserted where it belongs (usually last) instead of re-sorting every trade; a
    // window that is somehow out of order is sorted as a whole. Both give what a stable sort of every trade would.
    private List<WindowTrade> WithTrade(WindowTrade trade)
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

    private static int Order(WindowTrade x, WindowTrade y)
    {
        var byTime = x.ExecutedAt.CompareTo(y.ExecutedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(x.TradeId, y.TradeId);
    }

    // The raised alert ids with the new ones appended (an id already remembered is not repeated), the oldest dropped beyond
    // the limit. Unchanged ids are shared with the new window, not copied.
    private IReadOnlyList<string> WithAlertIds(IEnumerable<string> alertIds, int maximum)
    {
        List<string>? raised = null;
        foreach (var id in alertIds)
        {
            if (!Remembered(id))
            {
                (raised ??= [.. RaisedAlertIds]).Add(id);
            }
        }

        if ((raised?.Count ?? RaisedAlertIds.Count) > maximum)
        {
            raised ??= [.. RaisedAlertIds];
            raised.RemoveRange(0, raised.Count - maximum);
        }

        return raised ?? RaisedAlertIds;
    }

    private bool Remembered(string alertId)
    {
        for (var i = 0; i < RaisedAlertIds.Count; i++)
        {
            if (string.Equals(RaisedAlertIds[i], alertId, StringComparison.Ordinal))
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
            if (!string.Equals(beneficialOwner, window.BeneficialOwner, StringComparison.Ordinal) || !string.Equals(isin, window.Isin, StringComparison.Ordinal))
            {
                return [];
            }

            List<SurveillanceTrade>? result = null;
            foreach (var t in window.Trades)
            {
                if (t.ExecutedAt >= since && !string.Equals(t.TradeId, tradeId, StringComparison.Ordinal))
                {
                    (result ??= []).Add(new SurveillanceTrade(t.TradeId, t.Version, string.Empty, t.Account, beneficialOwner, isin, t.IsBuy, t.Quantity, t.Price,
                        string.Empty, 0m, t.ExecutedAt, t.ExecutedAt, DateOnly.FromDateTime(t.ExecutedAt.UtcDateTime)));
                }
            }

            return result ?? (IReadOnlyList<SurveillanceTrade>)[];
        }

        public IReadOnlyList<decimal> RecentPrices(string isin, int count) =>
            !string.Equals(isin, window.Isin, StringComparison.Ordinal) ? [] : closes.Count <= count ? closes : new Prefix(closes, Math.Max(count, 0));

        public decimal PositionBefore(string account, string isin) =>
            string.Equals(isin, window.Isin, StringComparison.Ordinal) ? window.Position(account, tradeId) : 0m;

        public decimal? ReferencePrice(string isin) => string.Equals(isin, window.Isin, StringComparison.Ordinal) ? referencePrice : null;
    }

    // The first prices of a list, read in place: the price rule reads them once per trade, so they are not copied.
    private sealed class Prefix(IReadOnlyList<decimal> source, int count) : IReadOnlyList<decimal>
    {
        public int Count => count;

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
