using Microsoft.Extensions.Time.Testing;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>The default business date (decision 0004): the latest weekday on or before today in New York.</summary>
public sealed class BusinessDatesTests
{
    [Theory]
    [InlineData("2026-11-24T15:00:00Z", "2026-11-24")] // Tuesday afternoon in New York
    [InlineData("2026-11-25T03:00:00Z", "2026-11-24")] // 22:00 Tuesday in New York, already Wednesday in UTC
    [InlineData("2026-11-28T15:00:00Z", "2026-11-27")] // Saturday → Friday
    [InlineData("2026-11-30T04:59:59Z", "2026-11-27")] // 23:59:59 Sunday in New York (EST, UTC-5) → Friday
    [InlineData("2026-11-30T05:00:00Z", "2026-11-30")] // midnight Monday in New York
    [InlineData("2026-07-06T03:30:00Z", "2026-07-03")] // 23:30 Sunday in New York in summer (EDT, UTC-4) → Friday
    public void DefaultBusinessDate_IsTheLatestWeekdayInNewYork(string utcNow, string expected)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse(utcNow, System.Globalization.CultureInfo.InvariantCulture));

        var date = BusinessDates.DefaultBusinessDate(clock);

        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), date);
    }
}
