using System.CommandLine;
using System.IO.Compression;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests.Reports;

/// <summary>
/// `backoffice replay` on a bundle the end of day sealed: every report is reproduced from the records alone (exit 0), and a
/// single flipped byte in one archived report is named (exit 1), as a zip and as a folder.
/// </summary>
public sealed class ReplayCommandTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sbo-replay-");
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _root.Delete(recursive: true);
    }

    private sealed class ReferenceData : IReferenceDataSource
    {
        public ValueTask<ReferenceDataSet> GetCurrentAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new ReferenceDataSet([], [], [], [new Book("PAR-CASH", "Paris", "Europe/Paris", "EUR")], [], [], [], [], [], []));
    }

    private sealed class NoBroker : IMessagePublisher
    {
        public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private async Task<byte[]> SealedBundleAsync()
    {
        var archive = new InMemoryArchiveStore();
        var publisher = new ArchivingMessagePublisher(new NoBroker(), archive, new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero)));
        foreach (var (tradeId, quantity) in new[] { ("P-1", "100"), ("P-2", "250") })
        {
            var body = $$"""
                {"eventId":"{{tradeId}}:1:TradeCaptured","eventType":"TradeCaptured","tradeId":"{{tradeId}}","version":1,"status":"Live","bookId":"PAR-CASH",
                 "account":"ACC-1","side":"sell","isin":"FR0000120271","assetClass":"Equity","mic":"XPAR","quantity":"{{quantity}}","price":"50.00",
                 "priceType":"perUnit","currency":"EUR","counterpartyLei":"529900T8BM49AURSDO55","custodianLei":"C","executionTimestamp":"2026-11-24T10:00:00Z",
                 "tradeDate":"2026-11-24","settlementDate":"2026-11-26","gross":"5000.00","commission":"0.00","fees":[],"accruedInterest":"0.00","net":"5000.00",
                 "roundingRule":"HalfAwayFromZeroToMinorUnits"}
                """;
            await publisher.PublishAsync(
                new OutboundMessage(Entities.TradeEvents.Name, $"{tradeId}:1:TradeCaptured", "TradeCaptured", null, new Dictionary<string, string> { ["eventType"] = "TradeCaptured" }, body),
                TestContext.Current.CancellationToken);
        }

        var sealer = new ArchiveDaySealer(archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);
        var handler = new EndOfDayHandler(archive, sealer, [], new ReferenceData(), new EndOfDayOptions(), NullLogger<EndOfDayHandler>.Instance);
        var result = await handler.CloseAsync(Day, [new BookClose("PAR-CASH", Day, new DateTimeOffset(2026, 11, 24, 16, 30, 0, TimeSpan.Zero))], TestContext.Current.CancellationToken);
        Assert.True(result.Sealed);
        using var zip = new MemoryStream();
        await sealer.WriteBundleAsync(Day, zip, TestContext.Current.CancellationToken);
        return zip.ToArray();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString() + error);
    }

    private static byte[] FlipOneByte(byte[] zipBytes, string entryName)
    {
        using var copy = new MemoryStream();
        copy.Write(zipBytes);
        using (var zip = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.GetEntry(entryName)!;
            byte[] content;
            using (var read = entry.Open())
            using (var buffer = new MemoryStream())
            {
                read.CopyTo(buffer);
                content = buffer.ToArray();
            }

            content[content.Length / 2] ^= 0x01;
            entry.Delete();
            using var write = zip.CreateEntry(entryName).Open();
            write.Write(content);
        }

        return copy.ToArray();
    }

    [Fact]
    public async Task Replay_OfTheSealedBundle_ReproducesEveryReportAndExitsZero()
    {
        var path = Path.Combine(_root.FullName, "day.zip");
        await File.WriteAllBytesAsync(path, await SealedBundleAsync(), TestContext.Current.CancellationToken);

        var (exitCode, output) = await RunAsync("replay", path);

        Assert.Equal(0, exitCode);
        Assert.Contains("books PAR-CASH: 14 reports recomputed and compared", output, StringComparison.Ordinal);
        Assert.Contains("REPRODUCED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WhenOneByteOfAnArchivedReportIsFlipped_NamesThatReportAndExitsOne()
    {
        var path = Path.Combine(_root.FullName, "day.zip");
        await File.WriteAllBytesAsync(path, FlipOneByte(await SealedBundleAsync(), "records/reports/PAR-CASH.positions-and-cash.csv"), TestContext.Current.CancellationToken);

        var (exitCode, output) = await RunAsync("replay", path);

        Assert.Equal(1, exitCode);
        Assert.Contains("DIFFERS ReportDiffers: PAR-CASH.positions-and-cash.csv", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("DIFFERS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replay_OfAFolderWhoseInputRecordWasAltered_NamesTheRecordAndTheReportsItChanges()
    {
        var folder = _root.CreateSubdirectory("day");
        ZipFile.ExtractToDirectory(new MemoryStream(await SealedBundleAsync()), folder.FullName);
        var record = Path.Combine(folder.FullName, "records", "outbound", Entities.TradeEvents.Name, "P-2:1:TradeCaptured.json");
        await File.WriteAllTextAsync(record, (await File.ReadAllTextAsync(record, TestContext.Current.CancellationToken)).Replace("\"250\"", "\"260\"", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var (exitCode, output) = await RunAsync("replay", folder.FullName);

        Assert.Equal(1, exitCode);
        Assert.Contains($"DIFFERS InputAltered: outbound/{Entities.TradeEvents.Name}/P-2:1:TradeCaptured.json", output, StringComparison.Ordinal);
        Assert.Contains("DIFFERS ReportDiffers: PAR-CASH.blotter.csv", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_OfAFolderWithoutReports_ExitsTwo()
    {
        var (exitCode, output) = await RunAsync("replay", _root.FullName);

        Assert.Equal(2, exitCode);
        Assert.Contains("holds no reports", output, StringComparison.Ordinal);
    }
}
