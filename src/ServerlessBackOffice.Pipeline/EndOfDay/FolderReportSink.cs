using System.Globalization;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.EndOfDay;

/// <summary>
/// Delivers a day's reports into a folder — the local day run's <c>./out/&lt;yyyy-MM-dd&gt;/reports/</c>, named like the reports
/// blob container — write once:
/// a file that exists with the same bytes is left alone, one with different bytes is never replaced.
/// </summary>
/// <param name="root">The folder under which <c>&lt;yyyy-MM-dd&gt;/reports/</c> is created (the day run's <c>--out</c>).</param>
public sealed class FolderReportSink(DirectoryInfo root) : IReportSink
{
    /// <summary>The folder of a day's reports.</summary>
    public string FolderOf(DateOnly businessDate) =>
        Path.Combine(root.FullName, businessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Entities.BlobContainers.Reports.Name);

    /// <inheritdoc />
    public async Task<ReportSinkResult> WriteAsync(DateOnly businessDate, string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal) || fileName is "." or "..")
        {
            throw new ArgumentException($"A report file name is one path segment: {fileName}", nameof(fileName));
        }

        var folder = FolderOf(businessDate);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, fileName);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await content.CopyToAsync(file, cancellationToken);
            return ReportSinkResult.Written;
        }
        catch (IOException) when (File.Exists(path))
        {
            await using var existing = File.OpenRead(path);
            return await SameAsync(existing, content, cancellationToken) ? ReportSinkResult.AlreadyThere : ReportSinkResult.Conflict;
        }
    }

    private static async Task<bool> SameAsync(Stream existing, Stream content, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            content.Position = 0;
        }

        var a = new byte[1 << 16];
        var b = new byte[1 << 16];
        while (true)
        {
            var readA = await existing.ReadAtLeastAsync(a, a.Length, throwOnEndOfStream: false, cancellationToken);
            var readB = await content.ReadAtLeastAsync(b, b.Length, throwOnEndOfStream: false, cancellationToken);
            if (readA != readB || !a.AsSpan(0, readA).SequenceEqual(b.AsSpan(0, readB)))
            {
                return false;
            }

            if (readA == 0)
            {
                return true;
            }
        }
    }
}
