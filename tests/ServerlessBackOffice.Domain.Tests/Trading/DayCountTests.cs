using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Trading;

public sealed class DayCountTests
{
    private static DateOnly D(string value) => DateOnly.Parse(value);

    // 30/360 US: Standard Securities Calculation Methods (SIA), rules in the published order.
    [Theory]
    [InlineData("2003-02-15", "2003-03-15", 30)] // SIA: 15 Feb to 15 Mar is 30 days although 28 actual
    [InlineData("2006-08-31", "2007-02-28", 178)] // D1 31 -> 30
    [InlineData("2007-08-31", "2008-02-29", 179)]
    [InlineData("2007-02-28", "2008-02-29", 360)] // both last day of February: D1 = D2 = 30
    [InlineData("2006-02-28", "2006-08-31", 180)] // D1 last of Feb -> 30, then D2 31 with D1 30 -> 30
    [InlineData("2026-01-30", "2026-03-31", 60)]
    [InlineData("2026-01-29", "2026-03-31", 62)] // D2 stays 31 when D1 < 30
    public void Thirty360Us_CountsPerSia(string start, string end, int days) =>
        Assert.Equal(days, DayCount.Days(DayCountConvention.Thirty360Us, D(start), D(end)));

    // 30E/360: ISDA 2006 4.16(g); February is never adjusted.
    [Theory]
    [InlineData("2007-02-28", "2008-02-29", 361)]
    [InlineData("2006-08-31", "2007-02-28", 178)]
    [InlineData("2026-01-31", "2026-03-31", 60)]
    [InlineData("2026-01-29", "2026-03-31", 61)]
    public void ThirtyE360_CountsPerIsda(string start, string end, int days) =>
        Assert.Equal(days, DayCount.Days(DayCountConvention.ThirtyE360, D(start), D(end)));

    [Theory]
    [InlineData("2006-08-20", "2007-02-20", "0.511111111")] // 184 / 360
    [InlineData("2007-02-20", "2007-08-20", "0.502777778")] // 181 / 360
    [InlineData("2007-08-31", "2008-02-29", "0.505555556")] // 182 / 360
    public void Act360_MatchesPublishedFractions(string start, string end, string fraction) =>
        Assert.Equal(decimal.Parse(fraction), decimal.Round(DayCount.YearFraction(DayCountConvention.Act360, D(start), D(end)), 9));

    [Fact]
    public void Act365Fixed_UsesActualDaysOver365EvenInLeapYears() =>
        Assert.Equal(366m / 365m, DayCount.YearFraction(DayCountConvention.Act365Fixed, D("2028-01-01"), D("2029-01-01")));

    [Fact]
    public void ActActIcma_AFullRegularPeriodIsOneOverFrequency()
    {
        var period = new CouponPeriod(D("2026-05-15"), D("2026-11-15"));
        Assert.Equal(0.5m, DayCount.YearFraction(DayCountConvention.ActActIcma, period.Start, period.End, period, 2));
    }

    [Fact]
    public void AccruedInterest_OnATreasuryNote_IsCouponOverFrequencyTimesDaysOverPeriodDays()
    {
        // UST 4.25% 15 Nov 2034 settling 2 Jan 2025: 48 days of the 181-day period 15 Nov 2024 - 15 May 2025,
        // accrued per 100 = 4.25 / 2 x 48 / 181 = 0.563535912 (TreasuryDirect's formula).
        var accrued = AccruedInterest.Compute(100m, 0.0425m, 2, DayCountConvention.ActActIcma, D("2034-11-15"), D("2025-01-02"));
        Assert.Equal(0.563535912m, decimal.Round(accrued, 9));
    }

    [Fact]
    public void AccruedInterest_OnACorporateBond_Uses30360()
    {
        // Apple 3.85% 4 May 2043 settling 25 Nov 2026: 4 Nov to 25 Nov is 21 days on 30/360; 1,000,000 x 3.85% x 21/360.
        var accrued = AccruedInterest.Compute(1_000_000m, 0.0385m, 2, DayCountConvention.Thirty360Us, D("2043-05-04"), D("2026-11-25"));
        Assert.Equal(2245.83m, decimal.Round(accrued, 2));
    }

    [Fact]
    public void AccruedInterest_OnACouponDate_IsZero() =>
        Assert.Equal(0m, AccruedInterest.Compute(100m, 0.0425m, 2, DayCountConvention.ActActIcma, D("2034-11-15"), D("2026-05-15")));

    [Fact]
    public void CouponPeriod_OfAMonthEndMaturity_KeepsCouponsOnMonthEnds()
    {
        var period = CouponPeriod.Containing(D("2026-12-15"), D("2031-05-31"), 2);
        Assert.Equal(new CouponPeriod(D("2026-11-30"), D("2027-05-31")), period);
    }

    [Fact]
    public void CouponPeriod_AlwaysContainsTheDate()
    {
        var maturity = D("2034-02-15");
        for (var date = D("2025-01-01"); date < D("2029-01-01"); date = date.AddDays(3))
        {
            var period = CouponPeriod.Containing(date, maturity, 2);
            Assert.True(period.Start <= date && date < period.End, $"{date} not in {period}");
            Assert.Equal(15, period.Start.Day);
        }
    }
}
