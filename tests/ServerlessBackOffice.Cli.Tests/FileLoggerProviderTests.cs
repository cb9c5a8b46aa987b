using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Cli.DayRun;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>The day run's JSON-lines log: nothing logged is lost, each writer's entries keep their order, and the file fills while the run goes on.</summary>
public sealed partial class FileLoggerProviderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("file-logger-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task EveryEntryFromConcurrentWriters_IsInTheFileAfterDispose_InEachWritersOrder()
    {
        var path = Path.Combine(_folder, "day.log");
        const int writers = 4;
        const int entries = 5_000;
        using (var provider = new FileLoggerProvider(path, LogLevel.Information))
        {
            var logger = provider.CreateLogger("test");
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
            {
                using var scope = logger.BeginScope(new Dictionary<string, object?> { ["CorrelationId"] = $"c{w}" });
                for (var i = 0; i < entries; i++)
                {
                    LogEntry(logger, w, i);
                }
            })));
            LogBelowMinimum(logger);
        }

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(writers * entries, lines.Length);
        var next = new int[writers];
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            var writer = int.Parse(root.GetProperty("writer").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"c{writer}", root.GetProperty("correlationId").GetString());
            Assert.Equal(next[writer].ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("entry").GetString());
            next[writer]++;
        }

        Assert.All(next, count => Assert.Equal(entries, count));
    }

    [Fact]
    public async Task AnEntry_ReachesTheFileWhileTheRunGoesOn()
    {
        var path = Path.Combine(_folder, "live.log");
        using var provider = new FileLoggerProvider(path, LogLevel.Information);
        LogCutOff(provider.CreateLogger("test"));

        // The writer drains every DrainInterval; allow many intervals on a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        do
        {
            await Task.Delay(FileLoggerProvider.DrainInterval, TestContext.Current.CancellationToken);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            text = await new StreamReader(stream).ReadToEndAsync(TestContext.Current.CancellationToken);
        }
        while (!text.Contains("cut-off passed", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Contains("\"level\":\"Warning\"", text, StringComparison.Ordinal);
        Assert.Contains("cut-off passed", text, StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "writer {Writer} entry {Entry}")]
    private static partial void LogEntry(ILogger logger, int writer, int entry);

    [LoggerMessage(Level = LogLevel.Debug, Message = "below the minimum level")]
    private static partial void LogBelowMinimum(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cut-off passed")]
    private static partial void LogCutOff(ILogger logger);
}
