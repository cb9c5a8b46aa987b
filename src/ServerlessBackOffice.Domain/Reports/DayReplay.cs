using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>Report files held in memory (a book's reports; a few hundred MB at most for a million trades).</summary>
public sealed class InMemoryReportFiles : IReportFileSink
{
    private readonly SortedDictionary<string, KeptStream> _files = new(StringComparer.Ordinal);

    /// <summary>The files written so far, by name, in ordinal order.</summary>
    public IReadOnlyDictionary<string, byte[]> Files => _files.ToDictionary(f => f.Key, f => f.Value.Bytes, StringComparer.Ordinal);

    /// <inheritdoc />
    public TextWriter Create(string fileName)
    {
        var stream = new KeptStream();
        _files.Add(fileName, stream);
        return new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
    }

    // Keeps the bytes readable after the writer disposes the stream.
    private sealed class KeptStream : MemoryStream
    {
        public byte[] Bytes { get; private set; } = [];

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Bytes = ToArray();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>What a replay found wrong with one report or input.</summary>
public enum ReplayProblem
{
    /// <summary>The recomputed report differs from the archived one.</summary>
    ReportDiffers,

    /// <summary>The replay produces a report the bundle does not hold.</summary>
    ReportMissing,

    /// <summary>The bundle holds a report of the book that the replay does not produce.</summary>
    ReportUnexpected,

    /// <summary>A record the reports were computed from is missing from the bundle.</summary>
    InputMissing,

    /// <summary>A record the reports were computed from does not have the hash the inputs file lists.</summary>
    InputAltered,

    /// <summary>A book's inputs file cannot be read.</summary>
    InputsUnreadable,
}

/// <summary>One finding of a replay, naming the report or record.</summary>
public sealed record ReplayFinding(ReplayProblem Problem, string Subject, string Detail);

/// <summary>The verdict: identical when there is no finding.</summary>
/// <param name="Books">The books replayed.</param>
/// <param name="ReportsCompared">The number of report files compared byte for byte.</param>
/// <param name="Findings">Everything that differs.</param>
public sealed record ReplayResult(IReadOnlyList<string> Books, int ReportsCompared, IReadOnlyList<ReplayFinding> Findings)
{
    /// <summary>True when every report was reproduced byte for byte.</summary>
    public bool IsIdentical => Findings.Count == 0 && ReportsCompared > 0;
}

/// <summary>
/// Recomputes a day's reports from a bundle's records alone and compares them byte for byte with the reports archived in it.
/// For each book it reads <c>records/reports/&lt;book&gt;.inputs.csv</c> — the parameters and the records the close computed from —
/// feeds exactly those records to <see cref="DayReportBuilder"/>, and compares every file.
/// </summary>
public static class DayReplay
{
    private const string ReportsFolder = ArchiveFormat.RecordsFolder + "reports/";

    /// <summary>Replays every book whose reports the bundle holds.</summary>
    public static ReplayResult Replay(IArchiveBundle bundle, DayRecordFolders folders)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(folders);
        var archivedReports = bundle.Paths().Where(p => p.StartsWith(ReportsFolder, StringComparison.Ordinal))
            .Select(p => p[ReportsFolder.Length..]).Order(StringComparer.Ordinal).ToList();
        var books = archivedReports.Where(f => f.EndsWith("." + ReportFiles.Inputs, StringComparison.Ordinal))
            .Select(f => ReportFiles.BookOf(f)!).ToList();
        var findings = new List<ReplayFinding>();
        var compared = 0;
        foreach (var book in books)
        {
            compared += ReplayBook(bundle, folders, book, archivedReports, findings);
        }

        return new ReplayResult(books, compared, findings);
    }

    private static int ReplayBook(IArchiveBundle bundle, DayRecordFolders folders, string book, List<string> archivedReports, List<ReplayFinding> findings)
    {
        var inputsName = ReportFiles.For(book, ReportFiles.Inputs);
        DayReportParameters? parameters;
        IReadOnlyList<(string Name, string Sha256)> records;
        string? problem;
        using (var stream = bundle.Open(ReportsFolder + inputsName)!)
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            try
            {
                (parameters, records, problem) = ReportFiles.ReadInputs(reader, book);
            }
            catch (FormatException ex)
            {
                (parameters, records, problem) = (null, [], ex.Message);
            }
        }

        if (parameters is null)
        {
            findings.Add(new(ReplayProblem.InputsUnreadable, inputsName, problem ?? "unreadable"));
            return 0;
        }

        var files = new InMemoryReportFiles();
        using (var builder = new DayReportBuilder(parameters, folders, files))
        {
            foreach (var (name, sha256) in records.OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                using var stream = bundle.Open(ArchiveFormat.RecordsFolder + name);
                if (stream is null)
                {
                    findings.Add(new(ReplayProblem.InputMissing, name, $"listed in {inputsName} but not in the bundle"));
                    continue;
                }

                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var content = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
                var actual = SHA256.HashData(content);
                if (!string.Equals(Convert.ToHexStringLower(actual), sha256, StringComparison.Ordinal))
                {
                    findings.Add(new(ReplayProblem.InputAltered, name, $"its SHA-256 is not the one {inputsName} lists"));
                }

                builder.Add(name, content, actual);
            }

            builder.Complete();
        }

        var compared = 0;
        foreach (var (fileName, recomputed) in files.Files)
        {
            using var stream = bundle.Open(ReportsFolder + fileName);
            if (stream is null)
            {
                findings.Add(new(ReplayProblem.ReportMissing, fileName, "recomputed, but the bundle holds no such report"));
                continue;
            }

            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            compared++;
            var archived = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            if (!archived.SequenceEqual(recomputed))
            {
                findings.Add(new(ReplayProblem.ReportDiffers, fileName, Describe(archived, recomputed)));
            }
        }

        foreach (var fileName in archivedReports.Where(f => ReportFiles.BookOf(f) == book && !files.Files.ContainsKey(f)))
        {
            findings.Add(new(ReplayProblem.ReportUnexpected, fileName, "archived, but the replay does not produce it"));
        }

        return compared;
    }

    private static string Describe(ReadOnlySpan<byte> archived, ReadOnlySpan<byte> recomputed)
    {
        var at = archived.CommonPrefixLength(recomputed);
        return $"first difference at byte {at} (archived {archived.Length} bytes, recomputed {recomputed.Length})";
    }
}
