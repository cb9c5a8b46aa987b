using ServerlessBackOffice.Domain.ReferenceData;

namespace ServerlessBackOffice.Pipeline.EndOfDay;

/// <summary>A book whose business day has closed: the book, its business date and the close instant.</summary>
public sealed record BookClose(string Book, DateOnly BusinessDate, DateTimeOffset ClosedAt);

/// <summary>
/// Which books have closed by an instant, each at its close time in its own time zone. Pure: the timer passes the time
/// from its TimeProvider, and tests pin instants around the changes to and from daylight saving time.
/// </summary>
public static class BookCloses
{
    /// <summary>
    /// The closes of each book at or before <paramref name="now"/>, for the book's business date today and the
    /// <paramref name="lookBackDays"/> days before (so a timer that missed a close catches up), oldest first. Weekends are
    /// skipped: no book trades then.
    /// </summary>
    public static IReadOnlyList<BookClose> Passed(IEnumerable<Book> books, EndOfDayOptions options, DateTimeOffset now, int lookBackDays = 3)
    {
        ArgumentNullException.ThrowIfNull(books);
        ArgumentNullException.ThrowIfNull(options);
        var closes = new List<BookClose>();
        foreach (var book in books)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(book.TimeZone);
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
            for (var back = lookBackDays; back >= 0; back--)
            {
                var date = today.AddDays(-back);
                if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                {
                    continue;
                }

                var closedAt = CloseInstant(date, options.CloseTimeOf(book.Id), zone);
                if (closedAt <= now)
                {
                    closes.Add(new BookClose(book.Id, date, closedAt));
                }
            }
        }

        return [.. closes.OrderBy(c => c.ClosedAt).ThenBy(c => c.Book, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The instant a local close time falls on in a zone. A close inside the spring-forward gap moves to the first valid
    /// local time after it; a close in the autumn overlap is the first (daylight) occurrence.
    /// </summary>
    public static DateTimeOffset CloseInstant(DateOnly date, TimeOnly close, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = date.ToDateTime(close, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
