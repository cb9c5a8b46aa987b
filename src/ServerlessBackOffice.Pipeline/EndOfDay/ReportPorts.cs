using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.EndOfDay;

/// <summary>What a sink did with a report file.</summary>
public enum ReportSinkResult
{
    /// <summary>Written now.</summary>
    Written,

    /// <summary>The same bytes were already there: nothing changed.</summary>
    AlreadyThere,

    /// <summary>Different bytes are there under the name: nothing was overwritten.</summary>
    Conflict,
}

/// <summary>
/// Where a day's reports are delivered besides the archive: the reports blob container in Azure, the day run's
/// <c>./out/&lt;date&gt;/reports/</c> folder locally. Write once, like the archive: a report is never overwritten.
/// </summary>
public interface IReportSink
{
    /// <summary>Writes a day's file (a report, or the day's bundle) once.</summary>
    Task<ReportSinkResult> WriteAsync(DateOnly businessDate, string fileName, Stream content, CancellationToken cancellationToken);
}

/// <summary>Settings of the end of day.</summary>
public sealed class EndOfDayOptions
{
    /// <summary>The firm's LEI: the executing entity of the transaction report.</summary>
    public string FirmLei { get; set; } = "549300BACKOFFICE0001";

    /// <summary>Each book's close, in the book's own time zone (reference data names the zone; decision 0003).</summary>
    public Dictionary<string, TimeOnly> BookCloseTimes { get; } = new(StringComparer.Ordinal);

    /// <summary>The close of a book without an entry in <see cref="BookCloseTimes"/>.</summary>
    public TimeOnly DefaultCloseTime { get; set; } = new(17, 30);

    /// <summary>How many records are read from the archive at once while the reports are computed.</summary>
    public int ReadAhead { get; set; } = 32;

    /// <summary>The close time of a book.</summary>
    public TimeOnly CloseTimeOf(string book) => BookCloseTimes.TryGetValue(book, out var close) ? close : DefaultCloseTime;
}

/// <summary>The archive folders the reports read, named from the topology.</summary>
public static class ReportFolders
{
    /// <summary>The folders of this deployment's entities.</summary>
    public static DayRecordFolders FromTopology() =>
        new(Entities.TradeEvents.Name, Entities.OmsReplies.Name, Entities.OmsTrades.Name);

    /// <summary>The archive record name of a report file.</summary>
    public static string RecordName(string fileName) => ArchiveRecordNames.Report(fileName);
}
