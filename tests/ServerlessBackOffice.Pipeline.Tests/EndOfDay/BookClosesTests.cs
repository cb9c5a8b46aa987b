using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Pipeline.Tests.EndOfDay;

/// <summary>Which books have closed at an instant, each at its close in its own time zone, across daylight-saving changes.</summary>
public sealed class BookClosesTests
{
    private static readonly Book NewYork = new("NY-CASH", "New York", "America/New_York", "USD");
    private static readonly Book London = new("LDN-CASH", "London", "Europe/London", "GBP");
    private static readonly Book Paris = new("PAR-CASH", "Paris", "Europe/Paris", "EUR");
    private static readonly EndOfDayOptions Options = new() { BookCloseTimes = { ["NY-CASH"] = new TimeOnly(17, 30), ["LDN-CASH"] = new TimeOnly(17, 30), ["PAR-CASH"] = new TimeOnly(17, 30) } };

    private static IReadOnlyList<BookClose> Passed(string utc, int lookBack = 0) =>
        BookCloses.Passed([NewYork, London, Paris], Options, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), lookBack);

    [Theory]
    // Winter: New York UTC-5, London UTC+0, Paris UTC+1.
    [InlineData("2026-11-24T16:29:59Z", "")]
    [InlineData("2026-11-24T16:30:00Z", "PAR-CASH")]
    [InlineData("2026-11-24T17:30:00Z", "PAR-CASH LDN-CASH")]
    [InlineData("2026-11-24T22:29:59Z", "PAR-CASH LDN-CASH")]
    [InlineData("2026-11-24T22:30:00Z", "PAR-CASH LDN-CASH NY-CASH")]
    // Between the US change (8 March) and the European one (29 March): New York UTC-4, London UTC+0.
    [InlineData("2026-03-10T21:30:00Z", "PAR-CASH LDN-CASH NY-CASH")]
    [InlineData("2026-03-10T21:29:00Z", "PAR-CASH LDN-CASH")]
    // European summer time: London UTC+1, Paris UTC+2.
    [InlineData("2026-03-30T15:30:00Z", "PAR-CASH")]
    [InlineData("2026-03-30T16:30:00Z", "PAR-CASH LDN-CASH")]
    // Saturday: no book closes.
    [InlineData("2026-11-28T23:00:00Z", "")]
    public void Passed_OnTheDay_NamesTheBooksWhoseCloseHasPassed(string now, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Passed(now).Select(c => c.Book)));
    }

    [Fact]
    public void Passed_WithLookBack_CatchesUpFridaysClosesOnMondayMorning()
    {
        var closes = Passed("2026-11-30T09:00:00Z", lookBack: 3);

        Assert.Equal(["PAR-CASH", "LDN-CASH", "NY-CASH"], closes.Select(c => c.Book));
        Assert.All(closes, c => Assert.Equal(new DateOnly(2026, 11, 27), c.BusinessDate));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 22, 30, 0, TimeSpan.Zero), closes[^1].ClosedAt);
    }

    [Fact]
    public void CloseInstant_InTheSpringForwardGap_MovesToTheFirstValidMinute()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero), BookCloses.CloseInstant(new DateOnly(2026, 3, 8), new TimeOnly(2, 30), zone));
    }

    [Fact]
    public void CloseInstant_InTheAutumnOverlap_IsTheFirstOccurrence()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero), BookCloses.CloseInstant(new DateOnly(2026, 11, 1), new TimeOnly(1, 30), zone));
    }
}
