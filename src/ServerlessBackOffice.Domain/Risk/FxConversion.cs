using ServerlessBackOffice.Domain.ReferenceData;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>
/// Converts between currencies with the reference FX rates: the latest fixing on or before a date, direct, inverted, or
/// crossed through a common currency (EUR→GBP as EURUSD / GBPUSD). No rounding: the caller rounds where it reports.
/// </summary>
public sealed class FxConversion
{
    private readonly Dictionary<(string Base, string Quote), List<FxRate>> _rates = [];

    /// <summary>Indexes the rates by pair, oldest first.</summary>
    public FxConversion(IEnumerable<FxRate> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        foreach (var group in rates.GroupBy(r => (r.Base, r.Quote)))
        {
            _rates[group.Key] = [.. group.OrderBy(r => r.Date)];
        }
    }

    /// <summary>Units of <paramref name="to"/> per unit of <paramref name="from"/> on <paramref name="date"/>, or null when no rate is known.</summary>
    public decimal? Rate(string from, string to, DateOnly date)
    {
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            return 1m;
        }

        if (Direct(from, to, date) is { } direct)
        {
            return direct;
        }

        // Cross through any currency both sides are quoted against (the sample quotes everything against USD).
        foreach (var via in _rates.Keys.SelectMany(k => new[] { k.Base, k.Quote }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (via != from && via != to && Direct(from, via, date) is { } first && Direct(via, to, date) is { } second)
            {
                return first * second;
            }
        }

        return null;
    }

    private decimal? Direct(string from, string to, DateOnly date)
    {
        if (Latest(from, to, date) is { } rate)
        {
            return rate;
        }

        return Latest(to, from, date) is { } inverse && inverse != 0m ? 1m / inverse : null;
    }

    private decimal? Latest(string baseCurrency, string quote, DateOnly date)
    {
        if (!_rates.TryGetValue((baseCurrency, quote), out var series))
        {
            return null;
        }

        for (var i = series.Count - 1; i >= 0; i--)
        {
            if (series[i].Date <= date)
            {
                return series[i].Rate;
            }
        }

        return null;
    }
}
