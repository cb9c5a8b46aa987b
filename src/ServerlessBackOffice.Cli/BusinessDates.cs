namespace ServerlessBackOffice.Cli;

/// <summary>How the command line picks a business date when none is given (docs/decisions/0004-default-business-date.md).</summary>
internal static class BusinessDates
{
    /// <summary>The time zone whose calendar date names "today" for the default run: the US book's, New York.</summary>
    public const string DefaultTimeZoneId = "America/New_York";

    /// <summary>The latest weekday on or before today in New York. Holidays are the calendar's job, not the default's.</summary>
    public static DateOnly DefaultBusinessDate(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZoneId);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        while (today.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            today = today.AddDays(-1);
        }

        return today;
    }
}
