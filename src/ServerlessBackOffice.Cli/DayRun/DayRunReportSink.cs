using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Where the day run's end-of-day reports land, all inside the run's own folder so a rerun replaces them: the trade
/// date's in <c>./out/&lt;date&gt;/reports/</c>, each later settlement day's in <c>./out/&lt;date&gt;/later-days/&lt;day&gt;/reports/</c>.
/// Write once, like every report sink (<see cref="FolderReportSink"/> does the writing).
/// </summary>
internal sealed class DayRunReportSink(DirectoryInfo output, DirectoryInfo dayFolder, DateOnly tradeDate) : IReportSink
{
    private readonly FolderReportSink _tradeDate = new(output);
    private readonly FolderReportSink _laterDays = new(new DirectoryInfo(Path.Combine(dayFolder.FullName, LaterDays)));

    public const string LaterDays = "later-days";

    /// <summary>The folder of one business day's reports.</summary>
    public string FolderOf(DateOnly businessDate) => Sink(businessDate).FolderOf(businessDate);

    public Task<ReportSinkResult> WriteAsync(DateOnly businessDate, string fileName, Stream content, CancellationToken cancellationToken) =>
        Sink(businessDate).WriteAsync(businessDate, fileName, content, cancellationToken);

    /// <summary>The report files written for each business day, in day order.</summary>
    public IReadOnlyList<ReportDayResult> Written(IEnumerable<DateOnly> days) =>
        [.. days.Order().Select(d => new ReportDayResult(d, FolderOf(d), Directory.Exists(FolderOf(d)) ? Directory.GetFiles(FolderOf(d)).Length : 0))];

    private FolderReportSink Sink(DateOnly businessDate) => businessDate == tradeDate ? _tradeDate : _laterDays;

}

/// <summary>One business day's end-of-day reports as the day run wrote them.</summary>
internal sealed record ReportDayResult(DateOnly Day, string Folder, int Files);
