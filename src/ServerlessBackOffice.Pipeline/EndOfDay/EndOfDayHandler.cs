using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Risk;

namespace ServerlessBackOffice.Pipeline.EndOfDay;

/// <summary>What one book's close did.</summary>
/// <param name="Book">The book.</param>
/// <param name="BusinessDate">Its business date.</param>
/// <param name="Inputs">The number of records its reports were computed from.</param>
/// <param name="Written">Report records written now (0 when the book had closed before: a re-run changes nothing).</param>
public sealed record BookCloseResult(string Book, DateOnly BusinessDate, int Inputs, int Written);

/// <summary>What a run of the end of day did.</summary>
/// <param name="Books">Each book closed (or found closed).</param>
/// <param name="Sealed">Whether the day is sealed now (every book of reference data closed).</param>
public sealed record EndOfDayResult(IReadOnlyList<BookCloseResult> Books, bool Sealed);

/// <summary>
/// The end of day of a business date, for the books whose close passed. Side effects, in order:
/// <list type="number">
/// <item>Fix each book's inputs and compute its reports from those records alone with <see cref="DayReportBuilder"/>: a book
/// that closed before recomputes from the records its archived inputs file names; the books closing now archive the day's
/// market data for risk once (<see cref="RiskMarketDataArchiver"/>, when registered), take the day's records as listed now,
/// and read them in one pass that feeds a builder per book (each record is read once however many books close).</item>
/// <item>Archive every report as <c>reports/&lt;book&gt;.&lt;report&gt;</c>, the inputs file first (it is the close's commit point),
/// then deliver each to every <see cref="IReportSink"/>. A re-run recomputes from the same inputs, so it writes identical bytes:
/// the archive answers AlreadyArchived and nothing changes. A different report under an existing name is a bug and throws.</item>
/// <item>When every book of reference data has closed: seal the day (<see cref="ArchiveDaySealer"/>, once) and deliver its bundle;
/// the records the close read are taken from an <see cref="ArchiveReadSpool"/> of that pass, not read from the store again.</item>
/// </list>
/// <c>backoffice replay</c> runs the same builder on a bundle and must reproduce every report byte for byte.
/// </summary>
public sealed partial class EndOfDayHandler(
    IArchiveStore archive,
    ArchiveDaySealer sealer,
    IEnumerable<IReportSink> sinks,
    IReferenceDataSource referenceData,
    EndOfDayOptions options,
    ILogger<EndOfDayHandler> logger,
    RiskMarketDataArchiver? riskMarketData = null,
    ILedgerStore? ledger = null)
{
    /// <summary>The name under which the day's bundle is delivered to the sinks.</summary>
    public const string BundleFileName = "archive-bundle.zip";

    private readonly IReadOnlyList<IReportSink> _sinks = [.. sinks];

    /// <summary>Closes the given books of a business date (each as of its close instant), then seals the day if every book has closed.</summary>
    public async Task<EndOfDayResult> CloseAsync(DateOnly businessDate, IReadOnlyList<BookClose> closes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(closes);
        var results = new List<BookCloseResult>();
        var fresh = new List<BookClose>();
        foreach (var close in closes.Where(c => c.BusinessDate == businessDate).OrderBy(c => c.Book, StringComparer.Ordinal))
        {
            if (await ClosedInputsAsync(close, cancellationToken) is { } closed)
            {
                // Closed before: recompute from the records it was closed with, and only those.
                results.AddRange(await CloseBooksAsync([(close, closed.Parameters)], closed.Records, spool: null, cancellationToken));
            }
            else
            {
                fresh.Add(close);
            }
        }

        // The records the books closing now read are kept in a local spool, so the day's bundle, written right after when
        // this close seals the day, reads the store only for the records the close did not read (its reports).
        using var spool = fresh.Count > 0 && _sinks.Count > 0 ? new ArchiveReadSpool() : null;
        if (fresh.Count > 0)
        {
            // The ledger's day closes before the reports read it: a posting that arrives later for a closed day moves to the
            // next open day (docs/ledger.md) instead of changing a day whose reports are written. Idempotent, so a close
            // repeated after a crash closes nothing twice.
            if (ledger is not null)
            {
                foreach (var close in fresh)
                {
                    await ledger.CloseDayAsync(close.Book, close.BusinessDate, cancellationToken);
                }
            }

            // Every book closing now reads the day's records in one pass: each is listed and read once, and fed to a builder
            // per book (a day run closes its three books together; each used to read the whole day again).
            var records = await ListInputsAsync(businessDate, cancellationToken);
            results.AddRange(await CloseBooksAsync(
                [.. fresh.Select(c => (c, new DayReportParameters(c.BusinessDate, c.ClosedAt, options.FirmLei, [c.Book])))], records, spool, cancellationToken));
        }

        results.Sort((a, b) => string.CompareOrdinal(a.Book, b.Book));

        var data = await referenceData.GetCurrentAsync(cancellationToken);
        var sealedNow = false;
        if (await AllClosedAsync(businessDate, data.Books.Keys, cancellationToken))
        {
            await sealer.SealAsync(businessDate, cancellationToken);
            await DeliverBundleAsync(businessDate, spool, cancellationToken);
            sealedNow = true;
        }

        return new EndOfDayResult(results, sealedNow);
    }

    /// <summary>Whether a book's business date has closed: its inputs file is archived.</summary>
    public async Task<bool> IsClosedAsync(DateOnly businessDate, string book, CancellationToken cancellationToken)
    {
        var inputs = await archive.OpenAsync(businessDate, ReportFolders.RecordName(ReportFiles.For(book, ReportFiles.Inputs)), cancellationToken);
        if (inputs is null)
        {
            return false;
        }

        await inputs.DisposeAsync();
        return true;
    }

    private async Task<bool> AllClosedAsync(DateOnly businessDate, IEnumerable<string> books, CancellationToken cancellationToken)
    {
        foreach (var book in books)
        {
            if (!await IsClosedAsync(businessDate, book, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    // Computes the reports of each book from the same records, read once, then archives and delivers them book by book, in
    // the order given: each book's inputs file first (its commit point), then its reports.
    private async Task<IReadOnlyList<BookCloseResult>> CloseBooksAsync(
        IReadOnlyList<(BookClose Close, DayReportParameters Parameters)> books, IReadOnlyList<(string Name, byte[]? Sha256)> records, ArchiveReadSpool? spool, CancellationToken cancellationToken)
    {
        var files = books.Select(_ => new InMemoryReportFiles()).ToArray();
        var builders = new List<DayReportBuilder>(books.Count);
        try
        {
            for (var i = 0; i < books.Count; i++)
            {
                builders.Add(new DayReportBuilder(books[i].Parameters, ReportFolders.FromTopology(), files[i]));
            }

            await foreach (var (name, content, sha256) in ReadAheadAsync(books[0].Close.BusinessDate, records, cancellationToken))
            {
                foreach (var builder in builders)
                {
                    builder.Add(name, content, sha256);
                }

                spool?.Add(name, content);
            }

            foreach (var builder in builders)
            {
                builder.Complete();
            }
        }
        finally
        {
            foreach (var builder in builders)
            {
                builder.Dispose();
            }
        }

        var results = new List<BookCloseResult>(books.Count);
        for (var i = 0; i < books.Count; i++)
        {
            results.Add(await DeliverAsync(books[i].Close, files[i], records.Count, cancellationToken));
        }

        return results;
    }

    private async Task<BookCloseResult> DeliverAsync(BookClose close, InMemoryReportFiles files, int inputs, CancellationToken cancellationToken)
    {
        var written = 0;
        // The inputs file goes first: once archived, the book is closed and every later run recomputes from exactly it.
        foreach (var (fileName, content) in files.Files.OrderBy(f => f.Key.EndsWith(ReportFiles.Inputs, StringComparison.Ordinal) ? 0 : 1)
                     .ThenBy(f => f.Key, StringComparer.Ordinal))
        {
            var result = await archive.WriteAsync(
                new ArchiveRecord(close.BusinessDate, ReportFolders.RecordName(fileName), content, ContentType(fileName)), cancellationToken);
            if (result == ArchiveWriteResult.Conflict)
            {
                LogReportConflict(close.Book, close.BusinessDate, fileName);
                throw new InvalidOperationException(
                    $"The archived report {fileName} of {close.BusinessDate:yyyy-MM-dd} differs from the one recomputed from the same inputs: the reports are not deterministic.");
            }

            if (result == ArchiveWriteResult.Written)
            {
                written++;
            }

            foreach (var sink in _sinks)
            {
                if (await sink.WriteAsync(close.BusinessDate, fileName, new MemoryStream(content, writable: false), cancellationToken) == ReportSinkResult.Conflict)
                {
                    LogReportConflict(close.Book, close.BusinessDate, fileName);
                }
            }
        }

        LogBookClosed(close.Book, close.BusinessDate, inputs, written);
        return new BookCloseResult(close.Book, close.BusinessDate, inputs, written);
    }

    // The parameters and records a book was closed with, read from its archived inputs file; null when it has not closed.
    private async Task<(DayReportParameters Parameters, IReadOnlyList<(string Name, byte[]? Sha256)> Records)?> ClosedInputsAsync(BookClose close, CancellationToken cancellationToken)
    {
        var archived = await archive.OpenAsync(close.BusinessDate, ReportFolders.RecordName(ReportFiles.For(close.Book, ReportFiles.Inputs)), cancellationToken);
        if (archived is null)
        {
            return null;
        }

        // Hashing what is read: the inputs file names the records, the builder hashes them again.
        await using (archived)
        {
            using var reader = new StreamReader(archived, Encoding.UTF8);
            var (parameters, records, problem) = ReportFiles.ReadInputs(reader, close.Book);
            if (parameters is null)
            {
                throw new InvalidOperationException($"The archived inputs of {close.Book} on {close.BusinessDate:yyyy-MM-dd} are unreadable: {problem}");
            }

            return (parameters, [.. records.Select(r => (r.Name, (byte[]?)null))]);
        }
    }

    // The day's input records as listed now, in name order; the day's market data for risk is archived first, so that it is
    // one of them.
    private async Task<IReadOnlyList<(string Name, byte[]? Sha256)>> ListInputsAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        if (riskMarketData is not null)
        {
            await riskMarketData.ArchiveAsync(businessDate, cancellationToken);
        }

        var listed = new List<(string, byte[]?)>();
        await foreach (var record in archive.ListAsync(businessDate, cancellationToken))
        {
            if (DayReportBuilder.IsInput(record.Name))
            {
                listed.Add((record.Name, record.Sha256));
            }
        }

        listed.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return listed;
    }

    // Reads records in name order with a bounded number in flight, so a blob store's latency is paid once per window, not per record.
    private async IAsyncEnumerable<(string Name, byte[] Content, byte[]? Sha256)> ReadAheadAsync(
        DateOnly businessDate, IReadOnlyList<(string Name, byte[]? Sha256)> records, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var window = new Queue<(string Name, byte[]? Sha256, Task<byte[]> Read)>();
        var next = 0;
        while (next < records.Count || window.Count > 0)
        {
            while (next < records.Count && window.Count < Math.Max(1, options.ReadAhead))
            {
                var (name, sha) = records[next++];
                window.Enqueue((name, sha, archive.ReadListedAsync(businessDate, name, "in the day's listing", cancellationToken)));
            }

            var head = window.Dequeue();
            yield return (head.Name, await head.Read, head.Sha256);
        }
    }

    private async Task DeliverBundleAsync(DateOnly businessDate, ArchiveReadSpool? spool, CancellationToken cancellationToken)
    {
        if (_sinks.Count == 0)
        {
            return;
        }

        // A 100,000-trade day's bundle holds over a million records: it is staged in a temporary file (deleted when
        // closed), as BlobBundlePublisher does, not in memory (in memory it took the day run to 12.4 GB).
        var path = Path.Combine(Path.GetTempPath(), $"bundle-{businessDate:yyyy-MM-dd}-{Guid.NewGuid():N}.zip");
        await using var bundle = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await sealer.WriteBundleAsync(businessDate, bundle, cancellationToken, spool);
        foreach (var sink in _sinks)
        {
            bundle.Position = 0;
            await sink.WriteAsync(businessDate, BundleFileName, bundle, cancellationToken);
        }
    }

    private static string ContentType(string fileName) =>
        fileName.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv"
        : fileName.EndsWith(".xml", StringComparison.Ordinal) ? "application/xml"
        : fileName.EndsWith(".html", StringComparison.Ordinal) ? "text/html"
        : "application/octet-stream";

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed book {Book} for {BusinessDate}: {Inputs} records read, {Written} reports archived now")]
    private partial void LogBookClosed(string book, DateOnly businessDate, int inputs, int written);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Report {FileName} of book {Book} for {BusinessDate} differs from the one already delivered")]
    private partial void LogReportConflict(string book, DateOnly businessDate, string fileName);
}
