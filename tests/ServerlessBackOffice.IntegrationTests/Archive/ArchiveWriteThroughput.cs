using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.IntegrationTests.Archive;

/// <summary>
/// The figures behind docs/decisions/0050-archive-write-pattern.md: one block blob per record (conditional create with
/// metadata, as <see cref="BlobArchiveStore"/> writes) against append blocks, and listing, on Azurite. Explicit: never part
/// of the default run. Run it with
/// <c>ARCHIVE_THROUGHPUT_REPORT=/tmp/archive.txt dotnet test --project tests/ServerlessBackOffice.IntegrationTests -c Release -- --filter-class "*ArchiveWriteThroughput" --explicit only</c>.
/// </summary>
public sealed class ArchiveWriteThroughput(AzuriteFixture azurite)
{
    private const int InFlight = 32;
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact(Explicit = true)]
    public async Task BlockBlobPerRecordAgainstAppendBlocks()
    {
        var container = await azurite.NewContainerAsync(_ct);
        var store = new BlobArchiveStore(container, NullLogger<BlobArchiveStore>.Instance);
        var payload = new byte[1024];
        var report = new StringBuilder();
        try
        {
            await RunAsync(200, 8, i => store.WriteAsync(Record($"warm/{i}", payload), _ct));

            report.AppendLine(await MeasureAsync("record write (1 KiB block blob, If-None-Match *, sha256 metadata), sequential", 1_000, 1,
                i => store.WriteAsync(Record($"seq/{i:D7}", payload), _ct)));
            report.AppendLine(await MeasureAsync($"record write, {InFlight} in flight", 4_000, InFlight,
                i => store.WriteAsync(Record($"par/{i:D7}", payload), _ct)));
            report.AppendLine(await MeasureAsync($"redelivery (409, download, compare), {InFlight} in flight", 1_000, InFlight,
                i => store.WriteAsync(Record($"par/{i:D7}", payload), _ct)));

            var single = container.GetAppendBlobClient("append/single");
            await single.CreateAsync(cancellationToken: _ct);
            report.AppendLine(await MeasureAsync("append block (1 KiB) to one append blob, sequential", 1_000, 1,
                _ => single.AppendBlockAsync(new MemoryStream(payload), cancellationToken: _ct)));
            var segments = new AppendBlobClient[InFlight];
            for (var s = 0; s < InFlight; s++)
            {
                segments[s] = container.GetAppendBlobClient($"append/segment-{s}");
                await segments[s].CreateAsync(cancellationToken: _ct);
            }

            report.AppendLine(await MeasureAsync($"append block (1 KiB), {InFlight} in flight over {InFlight} segments", 4_000, InFlight,
                i => segments[i % InFlight].AppendBlockAsync(new MemoryStream(payload), cancellationToken: _ct)));

            var listed = Stopwatch.StartNew();
            var count = await store.ListAsync(Day, _ct).CountAsync(_ct);
            listed.Stop();
            report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"list a day with hashes (metadata): {count} records in {listed.Elapsed.TotalMilliseconds:F0} ms = {count / listed.Elapsed.TotalSeconds:F0} records/s"));
        }
        finally
        {
            await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }

        TestContext.Current.SendDiagnosticMessage(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        // The runner hides a passing test's output; ARCHIVE_THROUGHPUT_REPORT names a file to keep the figures in.
        if (Environment.GetEnvironmentVariable("ARCHIVE_THROUGHPUT_REPORT") is { Length: > 0 } reportFile)
        {
            await File.WriteAllTextAsync(reportFile, report.ToString(), _ct);
        }
    }

    /// <summary>
    /// A day the size of a 10,000-trade day's archive (ARCHIVE_THROUGHPUT_RECORDS, default 120,000): the write rate per
    /// tenth as Azurite's heap grows, then listing the day twice, as an end of day does. Explicit, like the test above; the
    /// figures go to ARCHIVE_THROUGHPUT_REPORT.
    /// </summary>
    [Fact(Explicit = true)]
    public async Task ADayOfRecords_WriteRateAsTheArchiveGrows_AndListingIt()
    {
        var records = int.Parse(Environment.GetEnvironmentVariable("ARCHIVE_THROUGHPUT_RECORDS") ?? "120000", CultureInfo.InvariantCulture);
        var container = await azurite.NewContainerAsync(_ct);
        var store = new BlobArchiveStore(container, NullLogger<BlobArchiveStore>.Instance);
        var payload = new byte[1024];
        var report = new StringBuilder();
        try
        {
            var tenth = Math.Max(records / 10, 1);
            for (var part = 0; part * tenth < records; part++)
            {
                var first = part * tenth;
                var count = Math.Min(tenth, records - first);
                report.AppendLine(await MeasureAsync($"records {first:N0}–{first + count:N0}, {InFlight} in flight", count, InFlight,
                    i => store.WriteAsync(Record($"inbound/{first + i:D8}.json", payload), _ct)));
            }

            for (var pass = 1; pass <= 2; pass++)
            {
                var listed = Stopwatch.StartNew();
                var count = await store.ListAsync(Day, _ct).CountAsync(_ct);
                listed.Stop();
                report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"list the day, pass {pass}: {count} records in {listed.Elapsed.TotalMilliseconds:F0} ms = {count / listed.Elapsed.TotalSeconds:F0} records/s"));
            }

            var prefixed = Stopwatch.StartNew();
            var few = await store.ListAsync(Day, "inbound/0000012", _ct).CountAsync(_ct);
            prefixed.Stop();
            report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"list the day's names with a prefix: {few} records in {prefixed.Elapsed.TotalMilliseconds:F0} ms"));
            var days = Stopwatch.StartNew();
            var dayCount = await store.DaysAsync(_ct).CountAsync(_ct);
            days.Stop();
            report.AppendLine(string.Create(CultureInfo.InvariantCulture, $"list the days (top level, delimiter /): {dayCount} in {days.Elapsed.TotalMilliseconds:F0} ms"));
        }
        finally
        {
            await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("ARCHIVE_THROUGHPUT_REPORT") is { Length: > 0 } reportFile)
        {
            await File.WriteAllTextAsync(reportFile, report.ToString(), _ct);
        }
    }

    private static ArchiveRecord Record(string name, byte[] payload) => new(Day, name, payload, "application/octet-stream");

    private static async Task<string> MeasureAsync(string label, int count, int inFlight, Func<int, Task> operation)
    {
        var elapsed = Stopwatch.StartNew();
        await RunAsync(count, inFlight, operation);
        elapsed.Stop();
        return string.Create(CultureInfo.InvariantCulture,
            $"{label}: {count} in {elapsed.Elapsed.TotalMilliseconds:F0} ms = {count / elapsed.Elapsed.TotalSeconds:F0}/s");
    }

    private static async Task RunAsync(int count, int inFlight, Func<int, Task> operation)
    {
        var next = -1;
        var workers = Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await operation(i);
            }
        });
        await Task.WhenAll(workers);
    }
}
