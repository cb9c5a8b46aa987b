using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.EndOfDay;

/// <summary>What an on-demand run did: the result, and the books whose close has not come yet (they were left open).</summary>
public sealed record OnDemandResult(EndOfDayResult Result, IReadOnlyList<string> NotYetClosed);

/// <summary>
/// Decides when the end of day runs: at each book's close in its own time zone (the timer calls <see cref="RunDueAsync"/>
/// every few minutes), or on demand for one date. Idempotent: a book already closed is not recomputed by the timer, and a
/// sealed day is left alone.
/// </summary>
public sealed class EndOfDayScheduler(EndOfDayHandler handler, IReferenceDataSource referenceData, IArchiveStore archive, EndOfDayOptions options, TimeProvider clock)
{
    /// <summary>Closes every book whose close passed (today and the last few days) and is not closed yet; seals days that are complete.</summary>
    public async Task<IReadOnlyList<EndOfDayResult>> RunDueAsync(CancellationToken cancellationToken)
    {
        var data = await referenceData.GetCurrentAsync(cancellationToken);
        var due = BookCloses.Passed(data.Books.Values, options, clock.GetUtcNow());
        var results = new List<EndOfDayResult>();
        foreach (var day in due.GroupBy(c => c.BusinessDate).OrderBy(g => g.Key))
        {
            var open = new List<BookClose>();
            foreach (var close in day)
            {
                if (!await handler.IsClosedAsync(close.BusinessDate, close.Book, cancellationToken))
                {
                    open.Add(close);
                }
            }

            // Nothing new to close: only worth a call when every book is closed and the seal is still missing (a crash in between).
            if (open.Count == 0 && (day.Count() < data.Books.Count || await archive.ReadSealAsync(day.Key, cancellationToken) is not null))
            {
                continue;
            }

            results.Add(await handler.CloseAsync(day.Key, open, cancellationToken));
        }

        return results;
    }

    /// <summary>Runs the end of day of one date for the books whose close has passed; the others are named and left open.</summary>
    public async Task<OnDemandResult> RunForDateAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        var data = await referenceData.GetCurrentAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var closes = new List<BookClose>();
        var notYet = new List<string>();
        foreach (var book in data.Books.Values.OrderBy(b => b.Id, StringComparer.Ordinal))
        {
            var closedAt = BookCloses.CloseInstant(businessDate, options.CloseTimeOf(book.Id), TimeZoneInfo.FindSystemTimeZoneById(book.TimeZone));
            if (closedAt <= now)
            {
                closes.Add(new BookClose(book.Id, businessDate, closedAt));
            }
            else
            {
                notYet.Add(book.Id);
            }
        }

        return new OnDemandResult(await handler.CloseAsync(businessDate, closes, cancellationToken), notYet);
    }
}
