using ServerlessBackOffice.Domain.Settlement;

namespace ServerlessBackOffice.Domain.Tests.Settlement;

/// <summary>Fails ageing in settlement days and CSDR penalties, with known answers.</summary>
public sealed class FailsAndPenaltiesTests
{
    // TARGET2 closing days used here: weekends, 1 January, 25 and 26 December (Easter does not fall in these ranges).
    private static bool IsTarget2Day(DateOnly d) =>
        d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !(d.Month == 12 && d.Day is 25 or 26) && !(d.Month == 1 && d.Day == 1);

    [Theory]
    [InlineData("2026-11-24", "2026-11-23", 0, AgeBucket.NotLate)]
    [InlineData("2026-11-24", "2026-11-24", 1, AgeBucket.Day1)]
    [InlineData("2026-11-24", "2026-11-26", 3, AgeBucket.Days2To3)]
    [InlineData("2026-11-24", "2026-11-30", 5, AgeBucket.Days4To7)]   // the weekend does not count
    [InlineData("2026-12-22", "2027-01-04", 8, AgeBucket.Days8To15)]  // nor do 25 December and 1 January
    [InlineData("2026-11-02", "2026-11-30", 21, AgeBucket.Days16Plus)]
    public void DaysFailing_CountsSettlementDaysFromTheIntendedDate(string intended, string asOf, int expectedDays, AgeBucket expectedBucket)
    {
        var days = FailsAgeing.DaysFailing(DateOnly.Parse(intended, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(asOf, System.Globalization.CultureInfo.InvariantCulture), IsTarget2Day);

        Assert.Equal(expectedDays, days);
        Assert.Equal(expectedBucket, FailsAgeing.Bucket(days));
    }

    [Fact]
    public void SecuritiesFail_OfLiquidShares_AccruesOneBasisPointOfTheReferenceValuePerDay()
    {
        // 10,000 shares failing for three days at reference prices 50.00, 51.00 and 49.50: 1 bp a day of the value.
        var prices = new Dictionary<DateOnly, decimal> { [new(2026, 11, 24)] = 50.00m, [new(2026, 11, 25)] = 51.00m, [new(2026, 11, 26)] = 49.50m };

        var penalties = CsdrPenalties.ForSecuritiesFail(new(2026, 11, 24), new(2026, 11, 26), 10_000m, d => prices[d],
            CsdrCategory.LiquidShares, FailingParty.Counterparty, CsdrPenaltyRates.Regulation2017389, IsTarget2Day);

        Assert.Equal([50.00m, 51.00m, 49.50m], penalties.Select(p => p.Amount));
        Assert.All(penalties, p => Assert.Equal(0.0001m, p.Rate));
    }

    [Fact]
    public void SecuritiesFail_ByUsOnSovereignDebt_IsPayableAtATenthOfABasisPoint()
    {
        var penalties = CsdrPenalties.ForSecuritiesFail(new(2026, 11, 27), new(2026, 11, 30), 1_000_000m, _ => 0.9875m,
            CsdrCategory.SovereignDebt, FailingParty.Us, CsdrPenaltyRates.Regulation2017389, IsTarget2Day);

        // Friday and Monday: two settlement days, each 1,000,000 × 0.9875 × 0.00001 = 9.875 → 9.88 payable.
        Assert.Equal([-9.88m, -9.88m], penalties.Select(p => p.Amount));
    }

    [Fact]
    public void CashFail_AccruesTheCentralBankRateOver365()
    {
        var rates = CsdrPenaltyRates.Regulation2017389 with { CashRateByCurrency = new Dictionary<string, decimal> { ["EUR"] = 0.0240m } };

        var penalty = Assert.Single(CsdrPenalties.ForCashFail(new(2026, 11, 24), new(2026, 11, 24), 1_000_000m, "EUR", FailingParty.Counterparty, rates, IsTarget2Day));

        Assert.Equal(65.75m, penalty.Amount); // 1,000,000 × 2.40% / 365 = 65.753…
    }

    [Fact]
    public void CashFail_WithoutARateForTheCurrency_Refuses()
    {
        Assert.Throws<ArgumentException>(() => CsdrPenalties.ForCashFail(new(2026, 11, 24), new(2026, 11, 24), 1m, "PLN", FailingParty.Us, CsdrPenaltyRates.Regulation2017389, IsTarget2Day));
    }
}
