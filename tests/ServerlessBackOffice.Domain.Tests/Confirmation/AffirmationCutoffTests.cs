using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Confirmation;

/// <summary>Affirmation cut-offs per market, and the pure decision of which trades are unaffirmed at a given instant.</summary>
public sealed class AffirmationCutoffTests
{
    private static readonly AffirmationCutoffSchedule Schedule = AffirmationCutoffSchedule.Default;

    [Theory]
    [InlineData("2026-11-24", "2026-11-25T02:00:00Z")] // 21:00 EST = UTC-5
    [InlineData("2026-07-14", "2026-07-15T01:00:00Z")] // 21:00 EDT = UTC-4
    public void UsEquity_IsNineInTheEveningNewYorkTimeOnTradeDate(string tradeDate, string expected)
    {
        var cutoff = Schedule.For("US-EQUITY").CutoffFor(DateOnly.Parse(tradeDate, System.Globalization.CultureInfo.InvariantCulture), null);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cutoff);
    }

    [Fact]
    public void UkEquity_IsNoonLondonOnTheNextBusinessDay_SkippingWeekendsAndHolidays()
    {
        // Thursday 24 December 2026: Friday 25 and Monday 28 December are holidays, so T+1 is Tuesday 29 December.
        var calendar = new BusinessCalendar("UK", [new DateOnly(2026, 12, 25), new DateOnly(2026, 12, 28)], new DateOnly(2026, 1, 1), new DateOnly(2027, 12, 31));

        var cutoff = Schedule.For("UK-EQUITY").CutoffFor(new DateOnly(2026, 12, 24), calendar);

        Assert.Equal(new DateTimeOffset(2026, 12, 29, 12, 0, 0, TimeSpan.Zero), cutoff);
    }

    [Fact]
    public void EuEquity_IsNoonCentralEuropeanTimeOnTheNextBusinessDay()
    {
        // Friday 27 November 2026 → Monday 30 November, 12:00 CET = 11:00 UTC.
        var cutoff = Schedule.For("EU-EQUITY-EURONEXT").CutoffFor(new DateOnly(2026, 11, 27), null);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 11, 0, 0, TimeSpan.Zero), cutoff);
    }

    [Fact]
    public void UnknownMarket_GetsTheStrictFallback()
    {
        var rule = Schedule.For("XX-NEW");

        Assert.Equal(("XX-NEW", "T+0 21:00 America/New_York"), (rule.Market, rule.Describe()));
    }

    [Fact]
    public void Overrides_ReplaceOneMarketAndKeepTheRest()
    {
        var schedule = Schedule.WithOverrides([new("US-EQUITY", "T+0 20:30 America/Chicago")]);

        Assert.Equal("T+0 20:30 America/Chicago", schedule.For("US-EQUITY").Describe());
        Assert.Equal("T+1 12:00 Europe/London", schedule.For("UK-EQUITY").Describe());
    }

    [Theory]
    [InlineData("21:00 America/New_York")]
    [InlineData("T+0 9pm America/New_York")]
    [InlineData("T+0 21:00 Mars/Olympus_Mons")]
    [InlineData("T-1 21:00 America/New_York")]
    public void Override_InAnotherForm_IsRefused(string text)
    {
        Assert.Throws<FormatException>(() => AffirmationCutoffSchedule.Parse("US-EQUITY", text));
    }

    [Fact]
    public void Due_ListsOnlyAwaitingUnreportedTradesPastTheirCutoff_InCutoffOrder()
    {
        var at = new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);
        CutoffCandidate[] candidates =
        [
            new("late", 1, true, at.AddHours(-1), 0),
            new("exactly-now", 2, true, at, 1),
            new("future", 1, true, at.AddTicks(1), 0),
            new("affirmed", 1, false, at.AddHours(-2), 0),
            new("reported", 3, true, at.AddHours(-3), 3),
            new("never-confirmed", 0, true, at.AddHours(-3), 0),
        ];

        Assert.Equal(["late", "exactly-now"], UnaffirmedAtCutoff.Due(candidates, at).Select(c => c.TradeId));
    }

    [Fact]
    public void Due_IsMonotonicInTime_AndNeverListsAReportedVersion()
    {
        var candidates = Gen.Choose(-100, 100).SelectMany(minutes => Gen.Elements(true, false).SelectMany(awaiting =>
            Gen.Choose(0, 3).SelectMany(confirmed => Gen.Choose(0, 3).Select(reported =>
                new CutoffCandidate("T", confirmed, awaiting, DateTimeOffset.UnixEpoch.AddMinutes(minutes), reported))))).ListOf().ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(candidates, list =>
        {
            var early = UnaffirmedAtCutoff.Due(list, DateTimeOffset.UnixEpoch);
            var late = UnaffirmedAtCutoff.Due(list, DateTimeOffset.UnixEpoch.AddHours(3));
            return early.All(late.Contains) && late.All(c => c.ReportedVersion != c.ConfirmedVersion && c.AwaitingAffirmation);
        }));
    }

    [Fact]
    public void EconomicAmendment_IgnoresTheVersionAndListsEveryMatchedChange()
    {
        var terms = new ConfirmationTerms("T-1", 1, "ACC", "W22LROWP2IHZNBB6K528", "US0378331005", "Buy", 100m, 230.10m, "USD",
            new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 25), 23021.51m);

        Assert.Empty(EconomicAmendment.Changes(terms, terms with { Version = 2 }));
        Assert.Equal(["quantity", "netAmount"], EconomicAmendment.Changes(terms, terms with { Version = 2, Quantity = 101m, NetAmount = 23251.61m }).Select(d => d.Field));
        Assert.Equal(["price"], EconomicAmendment.Changes(terms, terms with { Price = 230.1000001m }).Select(d => d.Field));
    }
}
