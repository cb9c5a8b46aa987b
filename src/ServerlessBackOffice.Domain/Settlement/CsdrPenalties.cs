namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>The instrument categories of the CSDR settlement discipline penalty rates (Delegated Regulation (EU) 2017/389).</summary>
public enum CsdrCategory
{
    /// <summary>Shares with a liquid market (MiFIR Art. 2(1)(17)(b)).</summary>
    LiquidShares,

    /// <summary>Shares without a liquid market.</summary>
    IlliquidShares,

    /// <summary>Instruments traded on SME growth markets (other than debt).</summary>
    SmeGrowthMarket,

    /// <summary>Debt issued or guaranteed by sovereign issuers.</summary>
    SovereignDebt,

    /// <summary>Other debt (corporate bonds not traded on SME growth markets).</summary>
    OtherDebt,

    /// <summary>Debt traded on SME growth markets.</summary>
    SmeDebt,

    /// <summary>All other financial instruments.</summary>
    Other,
}

/// <summary>Who failed: the penalty is payable by the failing participant and receivable by the other.</summary>
public enum FailingParty
{
    /// <summary>Our side failed (for example we lacked securities to deliver): the penalty is payable.</summary>
    Us,

    /// <summary>The counterparty failed: the penalty is receivable.</summary>
    Counterparty,
}

/// <summary>
/// Penalty rates in force from a date, held as data: basis points per day of the failed quantity's value by category,
/// and the annual central-bank overnight credit rate per currency for cash fails (charged per calendar day / 365).
/// </summary>
public sealed record CsdrPenaltyRates(DateOnly EffectiveFrom, IReadOnlyDictionary<CsdrCategory, decimal> BasisPointsPerDay, IReadOnlyDictionary<string, decimal> CashRateByCurrency)
{
    /// <summary>The rates of Delegated Regulation (EU) 2017/389 as applied from 1 February 2022.</summary>
    public static CsdrPenaltyRates Regulation2017389 { get; } = new(
        new DateOnly(2022, 2, 1),
        new Dictionary<CsdrCategory, decimal>
        {
            [CsdrCategory.LiquidShares] = 1.0m,
            [CsdrCategory.IlliquidShares] = 0.5m,
            [CsdrCategory.SmeGrowthMarket] = 0.25m,
            [CsdrCategory.SovereignDebt] = 0.10m,
            [CsdrCategory.OtherDebt] = 0.20m,
            [CsdrCategory.SmeDebt] = 0.15m,
            [CsdrCategory.Other] = 0.5m,
        },
        new Dictionary<string, decimal>(StringComparer.Ordinal));
}

/// <summary>One day's penalty on one failed instruction.</summary>
/// <param name="Day">The business day the instruction failed to settle.</param>
/// <param name="Amount">Positive: receivable by us; negative: payable by us. In the instruction's currency, rounded to cents.</param>
/// <param name="Basis">The value the rate applied to (failed quantity × reference price, or the cash amount).</param>
/// <param name="Rate">The daily rate applied, as a fraction.</param>
public sealed record DailyPenalty(DateOnly Day, decimal Amount, decimal Basis, decimal Rate);

/// <summary>
/// CSDR settlement discipline cash penalties for EU markets (the UK did not adopt the regime). A securities fail accrues
/// <c>failed quantity × reference price × rate</c> for each business day it remains unsettled after the intended settlement
/// date — the day itself included — and a cash fail accrues <c>cash × annual rate / 365</c>.
/// </summary>
public static class CsdrPenalties
{
    /// <summary>The daily penalties of a securities fail (the delivering side lacked securities).</summary>
    public static IReadOnlyList<DailyPenalty> ForSecuritiesFail(
        DateOnly intendedSettlementDate,
        DateOnly asOf,
        decimal failedQuantity,
        Func<DateOnly, decimal> referencePrice,
        CsdrCategory category,
        FailingParty failingParty,
        CsdrPenaltyRates rates,
        Func<DateOnly, bool> isSettlementDay)
    {
        ArgumentNullException.ThrowIfNull(referencePrice);
        ArgumentNullException.ThrowIfNull(rates);
        var rate = rates.BasisPointsPerDay[category] / 10_000m;
        return FailedDays(intendedSettlementDate, asOf, isSettlementDay)
            .Select(day =>
            {
                var basis = failedQuantity * referencePrice(day);
                return new DailyPenalty(day, Signed(Round(basis * rate), failingParty), basis, rate);
            })
            .ToList();
    }

    /// <summary>The daily penalties of a cash fail (the receiving side lacked cash).</summary>
    public static IReadOnlyList<DailyPenalty> ForCashFail(
        DateOnly intendedSettlementDate,
        DateOnly asOf,
        decimal failedCash,
        string currency,
        FailingParty failingParty,
        CsdrPenaltyRates rates,
        Func<DateOnly, bool> isSettlementDay)
    {
        ArgumentNullException.ThrowIfNull(rates);
        if (!rates.CashRateByCurrency.TryGetValue(currency, out var annual))
        {
            throw new ArgumentException($"No CSDR cash penalty rate for {currency}.", nameof(currency));
        }

        var rate = annual / 365m;
        return FailedDays(intendedSettlementDate, asOf, isSettlementDay)
            .Select(day => new DailyPenalty(day, Signed(Round(failedCash * rate), failingParty), failedCash, rate))
            .ToList();
    }

    private static IEnumerable<DateOnly> FailedDays(DateOnly intended, DateOnly asOf, Func<DateOnly, bool> isSettlementDay)
    {
        ArgumentNullException.ThrowIfNull(isSettlementDay);
        for (var day = intended; day <= asOf; day = day.AddDays(1))
        {
            if (isSettlementDay(day))
            {
                yield return day;
            }
        }
    }

    private static decimal Signed(decimal amount, FailingParty failingParty) => failingParty == FailingParty.Us ? -amount : amount;

    private static decimal Round(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);
}
