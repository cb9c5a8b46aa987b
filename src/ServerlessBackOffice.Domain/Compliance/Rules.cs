using System.Globalization;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>A value that applies from a date on; rules read the entry in force on the trade date.</summary>
public sealed record EffectiveDated<T>(DateOnly EffectiveFrom, T Value);

/// <summary>Reads effective-dated configuration.</summary>
public static class EffectiveDated
{
    /// <summary>The entry in force on <paramref name="date"/>, or default when none is yet.</summary>
    public static T? InForce<T>(IEnumerable<EffectiveDated<T>> entries, DateOnly date) =>
        entries.Where(e => e.EffectiveFrom <= date).OrderByDescending(e => e.EffectiveFrom).Select(e => e.Value).FirstOrDefault();
}

/// <summary>Trading an instrument on the restricted list (insider lists, pending deals) raises a high-severity alert.</summary>
public sealed class RestrictedListRule(IReadOnlyList<EffectiveDated<IReadOnlySet<string>>> restricted) : ISurveillanceRule
{
    public string Name => "RestrictedList";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var list = EffectiveDated.InForce(restricted, trade.TradeDate);
        if (list is not null && list.Contains(trade.Isin))
        {
            yield return ComplianceAlert.Create(Name, trade.TradeId, "High", $"{trade.Isin} is on the restricted list on {trade.TradeDate:yyyy-MM-dd}.",
                new Dictionary<string, string> { ["isin"] = trade.Isin, ["account"] = trade.Account }, [trade.TradeId]);
        }
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
        if (threshold > 0m && trade.NotionalInBase > threshold)
        {
            yield return ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"Notional {Amount(trade.NotionalInBase)} exceeds the large-trade threshold {Amount(threshold)}.",
                new Dictionary<string, string> { ["notional"] = Amount(trade.NotionalInBase), ["threshold"] = Amount(threshold) }, [trade.TradeId]);
        }
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
        if (delay > maximumDelay)
        {
            yield return ComplianceAlert.Create(Name, trade.TradeId, "Low", $"Booked {delay.TotalMinutes:0} minutes after execution (limit {maximumDelay.TotalMinutes:0}).",
                new Dictionary<string, string> { ["executedAt"] = trade.ExecutedAt.ToString("O", CultureInfo.InvariantCulture), ["capturedAt"] = trade.CapturedAt.ToString("O", CultureInfo.InvariantCulture) }, [trade.TradeId]);
        }
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
        foreach (var other in context.RecentTradesOfOwner(trade.BeneficialOwner, trade.Isin, trade.ExecutedAt - window)
                     .Where(o => o.TradeId != trade.TradeId && o.IsBuy != trade.IsBuy && (o.ExecutedAt - trade.ExecutedAt).Duration() <= window)
                     .OrderBy(o => o.TradeId, StringComparer.Ordinal))
        {
            var relative = Math.Abs(other.Price - trade.Price) / trade.Price;
            if (relative <= priceBand)
            {
                // Keyed by the pair, so whichever of the two trades is evaluated second raises the same alert.
                yield return ComplianceAlert.Create(Name, trade.BeneficialOwner, "High",
                    $"{trade.BeneficialOwner} bought and sold {trade.Isin} within {window.TotalMinutes:0} minutes at prices {relative:P2} apart.",
                    new Dictionary<string, string> { ["owner"] = trade.BeneficialOwner, ["isin"] = trade.Isin, ["prices"] = $"{other.Price.ToString(CultureInfo.InvariantCulture)} / {trade.Price.ToString(CultureInfo.InvariantCulture)}" },
                    [trade.TradeId, other.TradeId]);
            }
        }
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
        if (Math.Abs(after) > limit && Math.Abs(after) > Math.Abs(before))
        {
            yield return ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"{trade.Account} holds {after.ToString(CultureInfo.InvariantCulture)} of {trade.Isin}, over its limit of {limit.ToString(CultureInfo.InvariantCulture)}.",
                new Dictionary<string, string> { ["before"] = before.ToString(CultureInfo.InvariantCulture), ["after"] = after.ToString(CultureInfo.InvariantCulture), ["limit"] = limit.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId]);
        }
    }
}

/// <summary>
/// Price reasonability: a robust outlier score against recent executions, <c>|p − median| / (1.4826 × MAD)</c>
/// (the median absolute deviation scaled to a normal's standard deviation), or against the reference price when there is
/// too little history. Robust because one earlier outlier must not widen the band for the next.
/// </summary>
public sealed class PriceReasonabilityRule(int lookback, decimal maximumScore, decimal fallbackBand) : ISurveillanceRule
{
    public string Name => "PriceReasonability";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);
        var prices = context.RecentPrices(trade.Isin, lookback);
        if (prices.Count >= 5)
        {
            var median = Median(prices);
            var mad = Median(prices.Select(p => Math.Abs(p - median)).ToList());
            var scale = 1.4826m * mad;
            var score = scale == 0m ? (trade.Price == median ? 0m : decimal.MaxValue) : Math.Abs(trade.Price - median) / scale;
            if (score > maximumScore)
            {
                yield return Alert(trade, $"score {(score == decimal.MaxValue ? "∞" : score.ToString("0.0", CultureInfo.InvariantCulture))} against the median {median.ToString(CultureInfo.InvariantCulture)} of {prices.Count} recent prices", median);
            }
        }
        else if (context.ReferencePrice(trade.Isin) is { } reference && Math.Abs(trade.Price - reference) / reference > fallbackBand)
        {
            yield return Alert(trade, $"{Math.Abs(trade.Price - reference) / reference:P1} from the reference price {reference.ToString(CultureInfo.InvariantCulture)}", reference);
        }
    }

    /// <summary>The median of a list (the mean of the two middle values for an even count).</summary>
    public static decimal Median(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2m;
    }

    private ComplianceAlert Alert(SurveillanceTrade trade, string why, decimal benchmark) =>
        ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"Price {trade.Price.ToString(CultureInfo.InvariantCulture)} of {trade.Isin} is an outlier: {why}.",
            new Dictionary<string, string> { ["price"] = trade.Price.ToString(CultureInfo.InvariantCulture), ["benchmark"] = benchmark.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId]);
}
