using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>
/// The deterministic sample price history of the sample securities, for the local day run and tests (a real deployment
/// loads a vendor's CSV with <see cref="PriceHistory.ParseCsv"/>). Each security's series starts from a price derived from
/// its ISIN — equities between 20 and 520, bonds at 100 (percent of par) — and walks with a daily volatility of 1.5% for
/// equities and 0.3% for bonds, through <see cref="PriceHistory.Synthetic"/>: same date, same prices, on every machine.
/// </summary>
public static class SamplePriceHistory
{
    /// <summary>Weekday closes: the 250-day VaR window needs 251 of them.</summary>
    public const int Days = 261;

    /// <summary>The seed of the sample.</summary>
    public const int Seed = 20261124;

    /// <summary>The sample history of <paramref name="securities"/> with <see cref="Days"/> weekday closes ending at <paramref name="end"/>.</summary>
    public static PriceHistory Create(IEnumerable<Security> securities, DateOnly end)
    {
        ArgumentNullException.ThrowIfNull(securities);
        return PriceHistory.Synthetic(
            securities.OrderBy(s => s.Isin, StringComparer.Ordinal).Select(s => (s.Isin, StartPrice(s), s.AssetClass == AssetClass.Equity ? 0.015m : 0.003m)),
            end,
            Days,
            Seed);
    }

    /// <summary>The first close of a security's sample series.</summary>
    public static decimal StartPrice(Security security)
    {
        ArgumentNullException.ThrowIfNull(security);
        if (security.AssetClass != AssetClass.Equity)
        {
            return 100m;
        }

        // FNV-1a of the ISIN: a stable, spread-out price per share without a table to maintain.
        var hash = 2166136261u;
        foreach (var c in security.Isin)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return 20m + (hash % 50_000u / 100m);
    }
}
