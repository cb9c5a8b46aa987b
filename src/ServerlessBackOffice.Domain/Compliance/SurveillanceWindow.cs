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
        var trades = Trades.Where(t => !string.Equals(t.TradeId, trade.TradeId, StringComparison.Ordinal)).Append(trade)
            .OrderBy(t => t.ExecutedAt).ThenBy(t => t.TradeId, StringComparer.Ordinal).ToList();
        var folded = new Dictionary<string, decimal>(FoldedPositions, StringComparer.Ordinal);
        var newest = trades[^1].ExecutedAt;
        while (trades.Count > 0 && (trades.Count > limits.MaximumTrades || trades[0].ExecutedAt < newest - limits.Retention))
        {
            var oldest = trades[0];
            folded[oldest.Account] = (folded.TryGetValue(oldest.Account, out var sum) ? sum : 0m) + oldest.SignedQuantity;
            trades.RemoveAt(0);
        }

        var raised = RaisedAlertIds.Concat(alertIds.Where(id => !RaisedAlertIds.Contains(id, StringComparer.Ordinal))).ToList();
        if (raised.Count > limits.MaximumAlertIds)
        {
            raised.RemoveRange(0, raised.Count - limits.MaximumAlertIds);
        }

        return this with { Trades = trades, FoldedPositions = folded, RaisedAlertIds = raised };
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
            string.Equals(isin, window.Isin, StringComparison.Ordinal) ? (closes.Count <= count ? closes : closes.Take(count).ToList()) : [];

        public decimal PositionBefore(string account, string isin) =>
            string.Equals(isin, window.Isin, StringComparison.Ordinal) ? window.Position(account, tradeId) : 0m;

        public decimal? ReferencePrice(string isin) => string.Equals(isin, window.Isin, StringComparison.Ordinal) ? referencePrice : null;
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
