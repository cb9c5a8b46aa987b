using System.Text;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Pipeline.Tests.EndOfDay;

/// <summary>The day run's report folder is write-once like the archive.</summary>
public sealed class FolderReportSinkTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sbo-reports-");

    public void Dispose() => _root.Delete(recursive: true);

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Write_IsOnce_SameBytesAreANoOpAndDifferentBytesAConflictThatOverwritesNothing()
    {
        var sink = new FolderReportSink(_root);

        Assert.Equal(ReportSinkResult.Written, await sink.WriteAsync(Day, "NY-CASH.blotter.csv", Text("a,b\r\n"), TestContext.Current.CancellationToken));
        Assert.Equal(ReportSinkResult.AlreadyThere, await sink.WriteAsync(Day, "NY-CASH.blotter.csv", Text("a,b\r\n"), TestContext.Current.CancellationToken));
        Assert.Equal(ReportSinkResult.Conflict, await sink.WriteAsync(Day, "NY-CASH.blotter.csv", Text("a,c\r\n"), TestContext.Current.CancellationToken));
        Assert.Equal(ReportSinkResult.Conflict, await sink.WriteAsync(Day, "NY-CASH.blotter.csv", Text("a,b\r\nmore"), TestContext.Current.CancellationToken));

        Assert.Equal("a,b\r\n", await File.ReadAllTextAsync(Path.Combine(sink.FolderOf(Day), "NY-CASH.blotter.csv"), TestContext.Current.CancellationToken));
        Assert.EndsWith(Path.Combine("2026-11-24", "reports"), sink.FolderOf(Day), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_OfANameThatClimbsOutOfTheFolder_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => new FolderReportSink(_root).WriteAsync(Day, "../x.csv", Text("x"), TestContext.Current.CancellationToken));
    }
}
