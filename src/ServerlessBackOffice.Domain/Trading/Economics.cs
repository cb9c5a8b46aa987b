namespace ServerlessBackOffice.Domain.Trading;

/// <summary>Which way the trade goes, from our client's point of view.</summary>
public enum Side
{
    /// <summary>The account buys: pays cash, receives securities.</summary>
    Buy,

    /// <summary>The account sells: delivers securities, receives cash.</summary>
    Sell,
}

/// <summary>How a price is quoted.</summary>
public enum PriceType
{
    /// <summary>Currency per unit (shares).</summary>
    PerUnit,

    /// <summary>Percent of par (bonds): the quantity is a nominal amount and 99.5 means 99.5% of it.</summary>
    PercentOfPar,
}

/// <summary>The kinds of instrument the back office captures.</summary>
public enum AssetClass
{
    /// <summary>Listed shares.</summary>
    Equity,

    /// <summary>Government bonds (US Treasuries).</summary>
    GovernmentBond,

    /// <summary>Corporate bonds.</summary>
    CorporateBond,
}

/// <summary>How a commission schedule charges.</summary>
public enum CommissionBasis
{
    /// <summary>Basis points of the gross amount.</summary>
    BasisPointsOfGross,

    /// <summary>A fixed amount per unit (per share, or per 1 of nominal for bonds).</summary>
    PerUnit,
}

/// <summary>An account's commission schedule; <paramref name="Minimum"/> is in the trade currency.</summary>
/// <param name="Id">Schedule id referenced by accounts.</param>
/// <param name="Basis">How the rate applies.</param>
/// <param name="Rate">The rate (basis points, or currency per unit).</param>
/// <param name="Minimum">The minimum commission per trade, in trade-currency units.</param>
public sealed record CommissionSchedule(string Id, CommissionBasis Basis, decimal Rate, decimal Minimum);

/// <summary>How a regulatory fee or transaction tax is computed.</summary>
public enum FeeBasis
{
    /// <summary>Rate per million of gross (SEC Section 31 is quoted in dollars per million).</summary>
    PerMillionOfGross,

    /// <summary>Percent of gross (UK SDRT 0.5, French FTT).</summary>
    PercentOfGross,

    /// <summary>An amount per unit traded (FINRA TAF per share).</summary>
    PerUnit,
}

/// <summary>
/// One effective-dated rate of a fee or tax. A rule applies to trades whose side and asset class match and, when the
/// lists are not empty, whose market or issuer country is listed. The source names the publication the rate comes from.
/// </summary>
/// <param name="Code">Stable code of the fee (SEC31, FINRA_TAF, UK_SDRT, FR_FTT); rates of one code supersede each other by date.</param>
/// <param name="AppliesTo">The side that pays it.</param>
/// <param name="AssetClasses">Asset classes it applies to.</param>
/// <param name="Mics">Markets it applies to; empty for any.</param>
/// <param name="IssuerCountries">ISO 3166 issuer countries it applies to; empty for any.</param>
/// <param name="Basis">How the rate is applied.</param>
/// <param name="Rate">The rate.</param>
/// <param name="MaximumPerTrade">A cap per trade in trade-currency units, or null.</param>
/// <param name="EffectiveFrom">First trade date the rate applies to.</param>
/// <param name="Source">The publication the rate comes from.</param>
public sealed record FeeRule(
    string Code,
    Side AppliesTo,
    IReadOnlyList<AssetClass> AssetClasses,
    IReadOnlyList<string> Mics,
    IReadOnlyList<string> IssuerCountries,
    FeeBasis Basis,
    decimal Rate,
    decimal? MaximumPerTrade,
    DateOnly EffectiveFrom,
    string Source)
{
    /// <summary>True when this rule's scope covers the trade (dates are checked by <see cref="FeeSchedule"/>).</summary>
    public bool Covers(Side side, AssetClass assetClass, string mic, string issuerCountry)
    {
        if (side != AppliesTo || !Contains(AssetClasses, assetClass))
        {
            return false;
        }

        return (Mics.Count == 0 || Contains(Mics, mic)) && (IssuerCountries.Count == 0 || Contains(IssuerCountries, issuerCountry));
    }

    // A loop, not LINQ: this runs for every fee of every trade on the hot path.
    private static bool Contains<T>(IReadOnlyList<T> list, T value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], value))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>All fee and tax rates, with history. Rates are superseded by later rows of the same code, never edited.</summary>
public sealed class FeeSchedule
{
    private readonly FeeRule[][] _byCode;

    /// <summary>Groups rules by code, newest first.</summary>
    public FeeSchedule(IEnumerable<FeeRule> rules)
    {
        _byCode = [.. rules.GroupBy(r => r.Code, StringComparer.Ordinal).Select(g => g.OrderByDescending(r => r.EffectiveFrom).ToArray())];
    }

    /// <summary>The rule of each code in force on <paramref name="tradeDate"/> that covers the trade.</summary>
    public IEnumerable<FeeRule> Applicable(DateOnly tradeDate, Side side, AssetClass assetClass, string mic, string issuerCountry)
    {
        foreach (var history in _byCode)
        {
            foreach (var rule in history)
            {
                if (rule.EffectiveFrom <= tradeDate)
                {
                    if (rule.Covers(side, assetClass, mic, issuerCountry))
                    {
                        yield return rule;
                    }

                    break;
                }
            }
        }
    }
}

/// <summary>What the economics calculation needs, already validated and enriched from reference data.</summary>
/// <param name="TradeDate">The trade date (selects fee rates).</param>
/// <param name="Side">Buy or sell.</param>
/// <param name="Quantity">Units, or nominal for bonds; positive.</param>
/// <param name="Price">Price per unit, or percent of par; positive.</param>
/// <param name="PriceType">How the price is quoted.</param>
/// <param name="PriceFactor">Multiplier from quoted price to cash per unit (1 for most; a pool factor or contract size otherwise).</param>
/// <param name="Currency">The trade currency.</param>
/// <param name="AssetClass">The instrument's asset class.</param>
/// <param name="Mic">The execution venue.</param>
/// <param name="IssuerCountry">ISO 3166 country of the issuer.</param>
/// <param name="CommissionOverride">A commission agreed on the ticket, which replaces the schedule; null to use the schedule.</param>
/// <param name="Commission">The account's schedule.</param>
/// <param name="AccruedInterest">Exact accrued interest for bonds (zero for equities).</param>
public sealed record EconomicsInput(
    DateOnly TradeDate,
    Side Side,
    decimal Quantity,
    decimal Price,
    PriceType PriceType,
    decimal PriceFactor,
    Currency Currency,
    AssetClass AssetClass,
    string Mic,
    string IssuerCountry,
    decimal? CommissionOverride,
    CommissionSchedule Commission,
    decimal AccruedInterest);

/// <summary>One fee or tax line of a trade.</summary>
/// <param name="Code">The fee's code.</param>
/// <param name="Amount">The rounded amount.</param>
/// <param name="Source">Where the rate comes from.</param>
public sealed record FeeLine(string Code, Money Amount, string Source);

/// <summary>
/// The cash economics of a trade, each line rounded once by <see cref="MoneyRounding"/>. Net is the cash that moves:
/// a buyer pays gross + commission + fees + accrued; a seller receives gross − commission − fees + accrued.
/// </summary>
/// <param name="Gross">Quantity × price (× 1/100 for percent of par) × price factor.</param>
/// <param name="Commission">Commission from the override or the schedule.</param>
/// <param name="Fees">Regulatory fees and transaction taxes.</param>
/// <param name="AccruedInterest">Accrued interest (bonds).</param>
/// <param name="Net">Net settlement amount, always computed from the rounded lines so the lines add up to it exactly.</param>
public sealed record TradeEconomics(Money Gross, Money Commission, IReadOnlyList<FeeLine> Fees, Money AccruedInterest, Money Net)
{
    /// <summary>The sum of the fee lines.</summary>
    public Money TotalFees
    {
        get
        {
            var total = Money.Zero(Gross.Currency);
            foreach (var fee in Fees)
            {
                total += fee.Amount;
            }

            return total;
        }
    }
}

/// <summary>Computes gross, commission, fees and taxes, accrued interest and net for a trade. Pure and allocation-light.</summary>
public static class TradeEconomicsCalculator
{
    /// <summary>Computes the economics of one trade from its input and the fee schedule.</summary>
    public static TradeEconomics Compute(EconomicsInput input, FeeSchedule fees)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(fees);
        if (input.Quantity <= 0m || input.Price <= 0m || input.PriceFactor <= 0m)
        {
            // Validation rejects these before economics runs; reaching here is a bug, not bad input.
            throw new ArgumentException("Quantity, price and price factor must be positive.", nameof(input));
        }

        var currency = input.Currency;
        var exactGross = input.PriceType == PriceType.PercentOfPar
            ? input.Quantity * input.Price / 100m * input.PriceFactor
            : input.Quantity * input.Price * input.PriceFactor;
        var gross = Money.Round(exactGross, currency);

        var commission = Money.Round(input.CommissionOverride ?? ScheduledCommission(input, exactGross), currency);

        var lines = new List<FeeLine>(2);
        foreach (var rule in fees.Applicable(input.TradeDate, input.Side, input.AssetClass, input.Mic, input.IssuerCountry))
        {
            var exact = rule.Basis switch
            {
                FeeBasis.PerMillionOfGross => exactGross * rule.Rate / 1_000_000m,
                FeeBasis.PercentOfGross => exactGross * rule.Rate / 100m,
                FeeBasis.PerUnit => input.Quantity * rule.Rate,
                _ => throw new ArgumentOutOfRangeException(nameof(fees), rule.Basis, "Unknown fee basis."),
            };
            if (rule.MaximumPerTrade is { } cap && exact > cap)
            {
                exact = cap;
            }

            var amount = Money.Round(exact, currency);
            if (amount.Amount != 0m)
            {
                lines.Add(new FeeLine(rule.Code, amount, rule.Source));
            }
        }

        var economics = new TradeEconomics(gross, commission, lines, Money.Round(input.AccruedInterest, currency), Money.Zero(currency));
        var charges = economics.Commission + economics.TotalFees;
        var net = input.Side == Side.Buy
            ? gross + charges + economics.AccruedInterest
            : Money.Round(gross.Amount - charges.Amount + economics.AccruedInterest.Amount, currency);
        return economics with { Net = net };
    }

    private static decimal ScheduledCommission(EconomicsInput input, decimal exactGross)
    {
        var scheduled = input.Commission.Basis switch
        {
            CommissionBasis.BasisPointsOfGross => exactGross * input.Commission.Rate / 10_000m,
            CommissionBasis.PerUnit => input.Quantity * input.Commission.Rate,
            _ => throw new ArgumentOutOfRangeException(nameof(input), input.Commission.Basis, "Unknown commission basis."),
        };
        return Math.Max(scheduled, input.Commission.Minimum);
    }
}
