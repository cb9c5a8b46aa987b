namespace ServerlessBackOffice.Domain.Risk;

/// <summary>A stress scenario's parameters. The defaults are the desk's standard set.</summary>
/// <param name="EquityShock">Relative change of every equity price (−0.20 = −20%).</param>
/// <param name="RateShiftBasisPoints">Parallel shift of yields in basis points (+200).</param>
/// <param name="FxShock">Relative change of every foreign currency against the base currency (−0.10 = foreign −10%).</param>
public sealed record StressParameters(decimal EquityShock = -0.20m, decimal RateShiftBasisPoints = 200m, decimal FxShock = -0.10m);

/// <summary>
/// Deterministic stress scenarios on a portfolio, in the book's base currency:
/// equities shocked by a relative move; bonds repriced for a parallel yield shift through modified duration
/// (<c>ΔV ≈ −D_mod × Δy × V</c>, first order); and every position in a foreign currency revalued for an FX move.
/// </summary>
public static class StressTest
{
    /// <summary>Runs the three standard scenarios.</summary>
    public static IReadOnlyList<StressResult> Run(IReadOnlyList<RiskPosition> positions, string baseCurrency, StressParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(parameters);
        var equity = positions.Where(p => p.AssetClass == RiskAssetClass.Equity).Sum(p => p.BaseValue * parameters.EquityShock);
        var shift = parameters.RateShiftBasisPoints / 10_000m;
        var rates = positions.Where(p => p.AssetClass == RiskAssetClass.Bond).Sum(p => -p.ModifiedDuration * shift * p.BaseValue);
        var fx = positions.Where(p => !string.Equals(p.Currency, baseCurrency, StringComparison.Ordinal)).Sum(p => p.BaseValue * parameters.FxShock);
        return
        [
            new StressResult("EquityShock", $"Equities {parameters.EquityShock:P0}", equity),
            new StressResult("RatesUp", $"Rates {parameters.RateShiftBasisPoints:+0;-0} bp through modified duration", rates),
            new StressResult("FxShock", $"Foreign currencies {parameters.FxShock:P0} against {baseCurrency}", fx),
        ];
    }

    /// <summary>
    /// Modified duration of a fixed-coupon bond from its cash flows: Macaulay duration at the yield, divided by
    /// (1 + y/f). Coupon and yield are annual rates (0.045 = 4.5%); <paramref name="yearsToMaturity"/> may be fractional.
    /// </summary>
    public static decimal ModifiedDuration(decimal couponRate, int frequency, decimal yearsToMaturity, decimal yield)
    {
        if (frequency <= 0 || yearsToMaturity <= 0m)
        {
            return 0m;
        }

        var periodYield = yield / frequency;
        var coupon = couponRate / frequency * 100m;
        var periods = (int)Math.Ceiling(yearsToMaturity * frequency);
        var firstPeriod = (yearsToMaturity * frequency) - (periods - 1); // the fraction of a period to the next coupon
        decimal price = 0m, weighted = 0m;
        for (var k = 0; k < periods; k++)
        {
            var t = firstPeriod + k; // in periods
            var cashFlow = coupon + (k == periods - 1 ? 100m : 0m);
            var discount = Discount(1m + periodYield, t);
            price += cashFlow * discount;
            weighted += t / frequency * cashFlow * discount;
        }

        var macaulay = weighted / price;
        return macaulay / (1m + periodYield);
    }

    private static decimal Discount(decimal onePlusRate, decimal periods)
    {
        // (1+r)^-t for fractional t: the integer part exactly, the fraction through a converging series of ln/exp,
        // because decimal has no Pow and a double here would put binary rounding into a money figure.
        var whole = (int)Math.Floor(periods);
        var fraction = periods - whole;
        var factor = 1m;
        for (var i = 0; i < whole; i++)
        {
            factor /= onePlusRate;
        }

        return fraction == 0m ? factor : factor * Exp(-fraction * Ln(onePlusRate));
    }

    private static decimal Ln(decimal x)
    {
        // ln(x) = 2 · atanh((x − 1)/(x + 1)), converging fast for x near 1 (yields are small).
        var z = (x - 1m) / (x + 1m);
        var z2 = z * z;
        decimal term = z, sum = 0m;
        for (var n = 1; n < 200 && term != 0m; n += 2)
        {
            sum += term / n;
            term *= z2;
        }

        return 2m * sum;
    }

    private static decimal Exp(decimal x)
    {
        decimal term = 1m, sum = 1m;
        for (var n = 1; n < 60 && term != 0m; n++)
        {
            term *= x / n;
            sum += term;
        }

        return sum;
    }
}
