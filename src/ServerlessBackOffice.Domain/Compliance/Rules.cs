using System.Globalization;
using System.Runtime.InteropServices;

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
/// relative band and, when <paramref name="quantityBand"/> is given, in quantities that offset each other within that
/// relative band — no change of beneficial ownership, only the appearance of activity. Without the quantity band every
/// round trip of an active account is a candidate (decision 0078).
/// </summary>
public sealed class WashTradeRule(TimeSpan window, decimal priceBand, decimal? quantityBand = null) : ISurveillanceRule
{
    public string Name => "WashTrade";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);

        // The window's own entries, read in place: no trade is copied for the comparison (docs/performance.md).
        var recent = context.RecentWindowTradesOfOwner(trade.BeneficialOwner, trade.Isin, trade.ExecutedAt - window);
        WindowTrade? single = null;
        List<WindowTrade>? opposite = null;
        for (var i = 0; i < recent.Count; i++)
        {
            var other = recent[i];
            // Side and time first: they are in the entry itself, while comparing trade ids reads another string.
            if (other.IsBuy != trade.IsBuy && (other.ExecutedAt - trade.ExecutedAt).Duration() <= window && !string.Equals(other.TradeId, trade.TradeId, StringComparison.Ordinal))
            {
                if (single is null)
                {
                    single = other;
                }
                else
                {
                    (opposite ??= [single]).Add(other);
                }
            }
        }

        if (single is null)
        {
            return [];
        }

        if (opposite is null)
        {
            return Alert(trade, single) is { } alert ? [alert] : [];
        }

        List<ComplianceAlert>? alerts = null;
        foreach (var other in opposite.OrderBy(o => o.TradeId, StringComparer.Ordinal))
        {
            if (Alert(trade, other) is { } alert)
            {
                (alerts ??= []).Add(alert);
            }
        }

        return alerts ?? (IEnumerable<ComplianceAlert>)[];
    }

    // The alert for a pair within the price band, or null.
    private ComplianceAlert? Alert(SurveillanceTrade trade, WindowTrade other)
    {
        var relative = Math.Abs(other.Price - trade.Price) / trade.Price;
        if (relative > priceBand)
        {
            return null;
        }

        string? quantities = null;
        if (quantityBand is { } band)
        {
            // Offsetting quantities: the smaller within the band of the larger (both are positive: capture refuses anything else).
            var larger = Math.Max(trade.Quantity, other.Quantity);
            if (larger <= 0m || Math.Abs(trade.Quantity - other.Quantity) / larger > band)
            {
                return null;
            }

            quantities = string.Create(CultureInfo.InvariantCulture, $"{other.Quantity} / {trade.Quantity}");
        }

        var evidence = new Dictionary<string, string> { ["owner"] = trade.BeneficialOwner, ["isin"] = trade.Isin, ["prices"] = string.Create(CultureInfo.InvariantCulture, $"{other.Price} / {trade.Price}") };
        if (quantities is not null)
        {
            evidence["quantities"] = quantities;
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"{trade.BeneficialOwner} bought and sold {trade.Isin} within {window.TotalMinutes:0} minutes at prices {relative:P2} apart")
            + (quantities is null ? "." : $", in offsetting quantities ({quantities}).");

        // Keyed by the pair, so whichever of the two trades is evaluated second raises the same alert.
        return ComplianceAlert.Create(Name, trade.BeneficialOwner, "High", summary, evidence, [trade.TradeId, other.TradeId]);
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
    // Up to this many prices are ranked on the stack; a longer configured lookback ranks in arrays.
    private const int OnTheStack = 64;

    // How many sets of recent prices the rule remembers the median and MAD of (a direct-mapped table; a set that lands on a
    // taken entry replaces it). One set per instrument and day is what a day's trades look back on.
    private const int RememberedSets = 1024;

    private static readonly ulong[] PowersOfTen = [.. Enumerable.Range(0, 19).Select(e => (ulong)Math.Pow(10, e))];

    private readonly Remembered?[] _remembered = new Remembered?[RememberedSets];

    public string Name => "PriceReasonability";

    public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(context);
        var prices = context.RecentPrices(trade.Isin, lookback);
        if (prices.Count >= 5)
        {
            var (median, mad) = MedianAndMadOnce(prices);
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
    /// them, so the median keeps the digits a stable sort gives.
    /// </remarks>
    public static decimal Median(IReadOnlyList<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        var copy = n <= OnTheStack ? stackalloc decimal[n] : new decimal[n];
        for (var i = 0; i < n; i++)
        {
            copy[i] = values[i];
        }

        return MedianOf(copy, n <= OnTheStack ? stackalloc Keyed[n] : new Keyed[n]);
    }

    /// <summary>
    /// The median of the prices and the median of their absolute deviations from it: what a stable sort of the prices and
    /// then of the deviations gives, without allocating (this runs on every trade; docs/performance.md).
    /// </summary>
    public static (decimal Median, decimal MedianAbsoluteDeviation) MedianAndMedianAbsoluteDeviation(IReadOnlyList<decimal> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var values = prices.Count <= OnTheStack ? stackalloc decimal[prices.Count] : new decimal[prices.Count];
        CopyTo(prices, values);
        return MedianAndMad(values);
    }

    // The median and MAD of the prices, computed once per set of prices: every trade of an instrument on a day looks back on
    // the same closes, so the ranking is done for the first and remembered for the others. Remembered by the prices' exact
    // bits — scale included, so 100.5 and 100.50, which rank alike but give different digits, are different sets — and
    // compared in full on every hit, so what is returned is always what MedianAndMedianAbsoluteDeviation gives.
    private (decimal Median, decimal Mad) MedianAndMadOnce(IReadOnlyList<decimal> prices)
    {
        if (prices.Count > OnTheStack)
        {
            return MedianAndMedianAbsoluteDeviation(prices);
        }

        Span<decimal> values = stackalloc decimal[prices.Count];
        CopyTo(prices, values);
        // Hashed from each price's sign-and-scale word and its low 32 bits (enough to spread the sets; a hit is compared in full).
        var words = MemoryMarshal.Cast<decimal, int>(values);
        var hash = new HashCode();
        for (var i = 0; i + 3 < words.Length; i += 4)
        {
            hash.Add(words[i]);
            hash.Add(words[i + 2]);
        }

        var key = hash.ToHashCode();
        var bits = MemoryMarshal.AsBytes(values);
        ref var entry = ref _remembered[(uint)key % RememberedSets];
        var remembered = Volatile.Read(ref entry);
        if (remembered is not null && remembered.Key == key && bits.SequenceEqual(MemoryMarshal.AsBytes(remembered.Prices.AsSpan())))
        {
            return (remembered.Median, remembered.Mad);
        }

        var copy = values.ToArray();
        var (median, mad) = MedianAndMad(values);
        Volatile.Write(ref entry, new Remembered(key, copy, median, mad));
        return (median, mad);
    }

    // Reads the prices into a span: through the list's own copy when it has one, instead of an interface call per price.
    private static void CopyTo(IReadOnlyList<decimal> prices, Span<decimal> values)
    {
        switch (prices)
        {
            case decimal[] array:
                array.AsSpan(0, values.Length).CopyTo(values);
                break;
            case List<decimal> list:
                CollectionsMarshal.AsSpan(list)[..values.Length].CopyTo(values);
                break;
            case SurveillanceWindow.Prefix prefix:
                prefix.CopyTo(values);
                break;
            default:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = prices[i];
                }

                break;
        }
    }

    // The median, then the median of the absolute deviations from it, in place of the values.
    private static (decimal Median, decimal Mad) MedianAndMad(Span<decimal> values)
    {
        var keys = values.Length <= OnTheStack ? stackalloc Keyed[values.Length] : new Keyed[values.Length];
        var median = MedianOf(values, keys);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Abs(values[i] - median);
        }

        return (median, MedianOf(values, keys));
    }

    // Ranks the values by (value, position) — a total order, so the unstable in-place sort orders exactly as a stable sort of
    // the values would — and returns the middle one (or the mean of the two middle ones). Decimal comparisons are slow, so
    // when every value fits a 64-bit integer at the largest scale among them (prices always do) the sort compares those
    // integers; otherwise it compares the decimals. Either way the median is read back from the values as given.
    private static decimal MedianOf(ReadOnlySpan<decimal> values, Span<Keyed> keys)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        if (TryIntegerKeys(values, keys))
        {
            SortKeys(keys);
        }
        else
        {
            var ranked = new Ranked[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                ranked[i] = new Ranked(values[i], i);
            }

            Array.Sort(ranked, default(RankedOrder));
            for (var i = 0; i < values.Length; i++)
            {
                keys[i] = new Keyed(0, ranked[i].Position);
            }
        }

        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[keys[middle].Position] : (values[keys[middle - 1].Position] + values[keys[middle].Position]) / 2m;
    }

    // A lookback of 20 is sorted faster by insertion than by the library's introsort, whose comparer is an interface call.
    private static void SortKeys(Span<Keyed> keys)
    {
        if (keys.Length > 32)
        {
            keys.Sort(default(KeyedOrder));
            return;
        }

        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var j = i - 1;
            while (j >= 0 && (keys[j].Key > key.Key || (keys[j].Key == key.Key && keys[j].Position > key.Position)))
            {
                keys[j + 1] = keys[j];
                j--;
            }

            keys[j + 1] = key;
        }
    }

    private static bool TryIntegerKeys(ReadOnlySpan<decimal> values, Span<Keyed> keys)
    {
        var largestScale = 0;
        foreach (var value in values)
        {
            largestScale = Math.Max(largestScale, value.Scale);
        }

        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < values.Length; i++)
        {
            decimal.GetBits(values[i], bits);
            var shift = largestScale - values[i].Scale;
            if (bits[2] != 0 || shift >= PowersOfTen.Length)
            {
                return false;
            }

            var mantissa = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
            if (mantissa > long.MaxValue / PowersOfTen[shift])
            {
                return false;
            }

            var key = (long)(mantissa * PowersOfTen[shift]);
            keys[i] = new Keyed(bits[3] < 0 ? -key : key, i);
        }

        return true;
    }

    private ComplianceAlert Alert(SurveillanceTrade trade, string why, decimal benchmark) =>
        ComplianceAlert.Create(Name, trade.TradeId, "Medium", $"Price {trade.Price.ToString(CultureInfo.InvariantCulture)} of {trade.Isin} is an outlier: {why}.",
            new Dictionary<string, string> { ["price"] = trade.Price.ToString(CultureInfo.InvariantCulture), ["benchmark"] = benchmark.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId]);

    private readonly record struct Keyed(long Key, int Position);

    private sealed record Remembered(int Key, decimal[] Prices, decimal Median, decimal Mad);

    private readonly record struct Ranked(decimal Value, int Position);

    private readonly struct KeyedOrder : IComparer<Keyed>
    {
        public int Compare(Keyed x, Keyed y)
        {
            var byKey = x.Key.CompareTo(y.Key);
            return byKey != 0 ? byKey : x.Position.CompareTo(y.Position);
        }
    }

    private readonly struct RankedOrder : IComparer<Ranked>
    {
        public int Compare(Ranked x, Ranked y)
        {
            var byValue = x.Value.CompareTo(y.Value);
            return byValue != 0 ? byValue : x.Position.CompareTo(y.Position);
        }
    }
}
