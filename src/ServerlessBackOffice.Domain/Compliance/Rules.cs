using System.Globalization;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>A value that applies from a date on; rules read the entry in force on the trade date.</summary>
public sealed record EffectiveDated<T>(DateOnly EffectiveFrom, T Value);

/// <summary>Reads effective-dated configuration.</summary>
public static class EffectiveDated
{
    /// <summary>The entry in force on <paramref name="date"/>, or default when none is yet.</summary>
    /// <remarks>
    /// Of several entries with the same latest date the first one listed wins. One pass without LINQ: two rules read this on
    /// every trade (docs/performance.md).
    /// </remarks>
    public static T? InForce<T>(IEnumerable<EffectiveDated<T>> entries, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(entries);
        EffectiveDated<T>? best = null;
        if (entries is IReadOnlyList<EffectiveDated<T>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                best = Later(best, list[i], date);
            }
        }
        else
        {
            foreach (var entry in entries)
            {
                best = Later(best, entry, date);
            }
        }

        return best is null ? default : best.Value;
    }

    private static EffectiveDated<T>? Later<T>(EffectiveDated<T>? best, EffectiveDated<T> candidate, DateOnly date) =>
        candidate.EffectiveFrom <= date && (best is null || candidate.EffectiveFrom > best.EffectiveFrom) ? candidate : best;
}

/// <summary>Trading an instrument on the restricted list (insider lists, pending deals) raises a high-severity alert.</summary>
public sealed class RestrictedListRule(IReadOnlyList<EffectiveDated<IReadOnlySet<string>>> restricted) : ISurveillanceRule
{
    public string Name => "RestrictedList";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var list = EffectiveDated.InForce(restricted, trade.TradeDate);
        if (list is null || !list.Contains(trade.Isin))
        {
            return [];
        }

        return [ComplianceAlert.Create(Name, trade.TradeId, "High", $"{trade.Isin} is on the restricted list on {trade.TradeDate:yyyy-MM-dd}.",
            new Dictionary<string, string> { ["isin"] = trade.Isin, ["account"] = trade.Account }, [trade.TradeId])];
    }
}

/// <summary>A single trade whose notional exceeds the threshold in the book's base currency.</summary>
public sealed class LargeTradeRule(IReadOnlyList<EffectiveDated<decimal>> thresholdInBase) : ISurveillanceRule
{
    public string Name => "LargeTrade";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var threshold = EffectiveDated.InForce(thresholdInBase, trade.TradeDate);
        if (threshold <= 0m || trade.NotionalInBase <= threshold)
        {
            return [];
        }

        return [ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"Notional {Amount(trade.NotionalInBase)} exceeds the large-trade threshold {Amount(threshold)}.",
            new Dictionary<string, string> { ["notional"] = Amount(trade.NotionalInBase), ["threshold"] = Amount(threshold) }, [trade.TradeId])];
    }

    private static string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}

/// <summary>Execution long before capture: a booking later than the allowed delay.</summary>
public sealed class LateBookingRule(TimeSpan maximumDelay) : ISurveillanceRule
{
    public string Name => "LateBooking";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var delay = trade.CapturedAt - trade.ExecutedAt;
        if (delay <= maximumDelay)
        {
            return [];
        }

        return [ComplianceAlert.Create(Name, trade.TradeId, "Low", $"Booked {delay.TotalMinutes:0} minutes after execution (limit {maximumDelay.TotalMinutes:0}).",
            new Dictionary<string, string> { ["executedAt"] = trade.ExecutedAt.ToString("O", CultureInfo.InvariantCulture), ["capturedAt"] = trade.CapturedAt.ToString("O", CultureInfo.InvariantCulture) }, [trade.TradeId])];
    }
}

/// <summary>
/// Wash trades: the same beneficial owner buying and selling the same instrument within a window at prices within a
/// relative band — no change of beneficial ownership, only the appearance of activity.
/// </summary>
public sealed class WashTradeRule(TimeSpan window, decimal priceBand) : ISurveillanceRule
{
    public string Name => "WashTrade";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);
        List<SurveillanceTrade>? opposite = null;
        foreach (var other in context.RecentTradesOfOwner(trade.BeneficialOwner, trade.Isin, trade.ExecutedAt - window))
        {
            if (!string.Equals(other.TradeId, trade.TradeId, StringComparison.Ordinal) && other.IsBuy != trade.IsBuy && (other.ExecutedAt - trade.ExecutedAt).Duration() <= window)
            {
                (opposite ??= []).Add(other);
            }
        }

        if (opposite is null)
        {
            return [];
        }

        List<ComplianceAlert>? alerts = null;
        foreach (var other in opposite.Count == 1 ? (IEnumerable<SurveillanceTrade>)opposite : opposite.OrderBy(o => o.TradeId, StringComparer.Ordinal))
        {
            var relative = Math.Abs(other.Price - trade.Price) / trade.Price;
            if (relative <= priceBand)
            {
                // Keyed by the pair, so whichever of the two trades is evaluated second raises the same alert.
                (alerts ??= []).Add(ComplianceAlert.Create(Name, trade.BeneficialOwner, "High",
                    $"{trade.BeneficialOwner} bought and sold {trade.Isin} within {window.TotalMinutes:0} minutes at prices {relative:P2} apart.",
                    new Dictionary<string, string> { ["owner"] = trade.BeneficialOwner, ["isin"] = trade.Isin, ["prices"] = $"{other.Price.ToString(CultureInfo.InvariantCulture)} / {trade.Price.ToString(CultureInfo.InvariantCulture)}" },
                    [trade.TradeId, other.TradeId]));
            }
        }

        return alerts ?? (IEnumerable<ComplianceAlert>)[];
    }
}

/// <summary>Position and concentration limits per account: the absolute position after the trade against a unit limit.</summary>
public sealed class PositionLimitRule(IReadOnlyDictionary<string, decimal> maximumPositionByAccount, decimal defaultMaximum) : ISurveillanceRule
{
    public string Name => "PositionLimit";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);
        var before = context.PositionBefore(trade.Account, trade.Isin);
        var after = before + (trade.IsBuy ? trade.Quantity : -trade.Quantity);
        var limit = maximumPositionByAccount.TryGetValue(trade.Account, out var own) ? own : defaultMaximum;
        if (Math.Abs(after) <= limit || Math.Abs(after) <= Math.Abs(before))
        {
            return [];
        }

        return [ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"{trade.Account} holds {after.ToString(CultureInfo.InvariantCulture)} of {trade.Isin}, over its limit of {limit.ToString(CultureInfo.InvariantCulture)}.",
            new Dictionary<string, string> { ["before"] = before.ToString(CultureInfo.InvariantCulture), ["after"] = after.ToString(CultureInfo.InvariantCulture), ["limit"] = limit.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId])];
    }
}

/// <summary>
/// Price reasonability: a robust outlier score against recent executions, <c>|p − median| / (1.4826 × MAD)</c>
/// (the median absolute deviation scaled to a normal's standard deviation), or against the reference price when there is
/// too little history. Robust because one earlier outlier must not widen the band for the next.
/// </summary>
public sealed class PriceReasonabilityRule(int lookback, decimal maximumScore, decimal fallbackBand) : ISurveillanceRule
{
    // Up to this many prices are ranked on the stack; a longer configured lookback ranks in an array.
    private const int StackRanked = 128;

    public string Name => "PriceReasonability";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);
        var prices = context.RecentPrices(trade.Isin, lookback);
        if (prices.Count >= 5)
        {
            var ranked = prices.Count <= StackRanked ? stackalloc Ranked[prices.Count] : new Ranked[prices.Count];
            var (median, mad) = MedianAndMedianAbsoluteDeviation(prices, ranked);
            var scale = 1.4826m * mad;
            var score = scale == 0m ? (trade.Price == median ? 0m : decimal.MaxValue) : Math.Abs(trade.Price - median) / scale;
            if (score > maximumScore)
            {
                return [Alert(trade, $"score {(score == decimal.MaxValue ? "∞" : score.ToString("0.0", CultureInfo.InvariantCulture))} against the median {median.ToString(CultureInfo.InvariantCulture)} of {prices.Count} recent prices", median)];
            }
        }
        else if (context.ReferencePrice(trade.Isin) is { } reference && Math.Abs(trade.Price - reference) / reference > fallbackBand)
        {
            return [Alert(trade, $"{Math.Abs(trade.Price - reference) / reference:P1} from the reference price {reference.ToString(CultureInfo.InvariantCulture)}", reference)];
        }

        return [];
    }

    /// <summary>The median of a list (the mean of the two middle values for an even count).</summary>
    /// <remarks>
    /// Of equal values written differently (100.5 and 100.50) the one listed first ranks first, as a stable sort would rank
    /// them, so the median keeps the same digits it always had.
    /// </remarks>
    public static decimal Median(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var ranked = values.Count <= StackRanked ? stackalloc Ranked[values.Count] : new Ranked[values.Count];
        for (var i = 0; i < ranked.Length; i++)
        {
            ranked[i] = new Ranked(values[i], i);
        }

        return MedianOfRanked(ranked);
    }

    /// <summary>
    /// The median of the prices and the median of their absolute deviations from it: what a stable sort of the prices and
    /// then of the deviations gives, without allocating (this runs on every trade; docs/performance.md).
    /// </summary>
    public static (decimal Median, decimal MedianAbsoluteDeviation) MedianAndMedianAbsoluteDeviation(IReadOnlyList<decimal> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var ranked = prices.Count <= StackRanked ? stackalloc Ranked[prices.Count] : new Ranked[prices.Count];
        return MedianAndMedianAbsoluteDeviation(prices, ranked);
    }

    private static (decimal Median, decimal MedianAbsoluteDeviation) MedianAndMedianAbsoluteDeviation(IReadOnlyList<decimal> prices, Span<Ranked> ranked)
    {
        for (var i = 0; i < ranked.Length; i++)
        {
            ranked[i] = new Ranked(prices[i], i);
        }

        var median = MedianOfRanked(ranked);
        for (var i = 0; i < ranked.Length; i++)
        {
            ranked[i] = new Ranked(Math.Abs(prices[i] - median), i);
        }

        return (median, MedianOfRanked(ranked));
    }

    private static decimal MedianOfRanked(Span<Ranked> ranked)
    {
        if (ranked.Length == 0)
        {
            throw new InvalidOperationException("The median of no values is undefined.");
        }

        // Ranking by (value, position) is a total order, so this unstable in-place sort orders exactly as a stable sort of
        // the values would.
        ranked.Sort(default(RankedOrder));
        var middle = ranked.Length / 2;
        return ranked.Length % 2 == 1 ? ranked[middle].Value : (ranked[middle - 1].Value + ranked[middle].Value) / 2m;
    }

    private ComplianceAlert Alert(SurveillanceTrade trade, string why, decimal benchmark) =>
        ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"Price {trade.Price.ToString(CultureInfo.InvariantCulture)} of {trade.Isin} is an outlier: {why}.",
            new Dictionary<string, string> { ["price"] = trade.Price.ToString(CultureInfo.InvariantCulture), ["benchmark"] = benchmark.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId]);

    private readonly record struct Ranked(decimal Value, int Position);

    private readonly struct RankedOrder : IComparer<Ranked>
    {
        public int Compare(Ranked x, Ranked y)
        {
            var byValue = x.Value.CompareTo(y.Value);
            return byValue != 0 ? byValue : x.Position.CompareTo(y.Position);
        }
    }
}
