using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Tests.Capture;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Trading;

public sealed class CalendarTests
{
    private static readonly BusinessCalendar NyseTrading = new("US-NYSE-TRADING", CaptureTestData.NyseHolidays, CaptureTestData.Start, CaptureTestData.End);
    private static readonly BusinessCalendar UsSettlement = new("US-SETTLEMENT", CaptureTestData.UsSettlementHolidays, CaptureTestData.Start, CaptureTestData.End);
    private static readonly BusinessCalendar Crest = new("UK-CREST-SETTLEMENT", CaptureTestData.UkHolidays, CaptureTestData.Start, CaptureTestData.End);
    private static readonly SettlementCycle[] UsT1 = [new(new DateOnly(2017, 9, 5), 2), new(new DateOnly(2024, 5, 28), 1)];
    private static readonly SettlementCycle[] UkT2ThenT1 = [new(new DateOnly(2014, 10, 6), 2), new(new DateOnly(2027, 10, 11), 1)];

    private static DateOnly D(string value) => DateOnly.Parse(value);

    [Fact]
    public void ColumbusDay_IsATradingDayButNotASettlementDay()
    {
        Assert.True(NyseTrading.IsBusinessDay(D("2026-10-12")));
        Assert.False(UsSettlement.IsBusinessDay(D("2026-10-12")));
    }

    [Theory]
    [InlineData("2026-10-09", "2026-10-13")] // Friday before Columbus Day: T+1 skips the weekend and the settlement holiday
    [InlineData("2026-11-25", "2026-11-27")] // Thanksgiving
    [InlineData("2026-07-02", "2026-07-06")] // Independence Day observed on Friday 3 July
    [InlineData("2026-11-24", "2026-11-25")]
    public void UsEquity_SettlesTPlusOneOnSettlementDays(string tradeDate, string settlementDate) =>
        Assert.Equal(D(settlementDate), SettlementDates.Compute(D(tradeDate), UsT1, UsSettlement));

    [Theory]
    [InlineData("2027-10-07", "2027-10-11")] // Thursday, T+2 still in force
    [InlineData("2027-10-08", "2027-10-12")] // Friday, T+2: Monday and Tuesday
    [InlineData("2027-10-11", "2027-10-12")] // the first T+1 trade date
    [InlineData("2026-12-24", "2026-12-30")] // T+2 over Christmas and the Boxing Day substitute on 28 December
    public void UkEquity_MovesFromTPlusTwoToTPlusOneOn11October2027(string tradeDate, string settlementDate) =>
        Assert.Equal(D(settlementDate), SettlementDates.Compute(D(tradeDate), UkT2ThenT1, Crest));

    [Fact]
    public void SettlementDate_OutsideTheCalendar_IsUnknownNotGuessed() =>
        Assert.Null(SettlementDates.Compute(D("2027-12-31"), UsT1, UsSettlement));

    [Fact]
    public void IsBusinessDay_OutsideCoverage_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => UsSettlement.IsBusinessDay(D("2028-01-03")));

    [Fact]
    public void SettlementDate_IsNeverANonSettlementDay_IsLaterThanTradeDate_AndMonotonic()
    {
        var dates = Gen.Choose(0, 700).Select(offset => CaptureTestData.Start.AddDays(offset)).ToArbitrary();
        var cycles = Gen.Choose(1, 3).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(dates, cycles, (tradeDate, days) =>
        {
            SettlementCycle[] cycle = [new(new DateOnly(2000, 1, 1), days)];
            var settlement = SettlementDates.Compute(tradeDate, cycle, UsSettlement)!.Value;
            var nextDay = SettlementDates.Compute(tradeDate.AddDays(1), cycle, UsSettlement)!.Value;
            var businessDaysBetween = Enumerable.Range(1, settlement.DayNumber - tradeDate.DayNumber)
                .Count(i => UsSettlement.IsBusinessDay(tradeDate.AddDays(i)));
            return UsSettlement.IsBusinessDay(settlement) && settlement > tradeDate && nextDay >= settlement && businessDaysBetween == days;
        }));
    }

    [Fact]
    public void CycleOn_PicksTheLatestCycleInForce()
    {
        Assert.Equal(2, SettlementDates.CycleOn(UkT2ThenT1, D("2027-10-10"))!.BusinessDays);
        Assert.Equal(1, SettlementDates.CycleOn(UkT2ThenT1, D("2027-10-11"))!.BusinessDays);
        Assert.Null(SettlementDates.CycleOn(UkT2ThenT1, D("2010-01-04")));
    }
}
