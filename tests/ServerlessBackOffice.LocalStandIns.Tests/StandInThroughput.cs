using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>
/// Throughput of the stand-ins through the real SDKs, recorded in docs/performance/stand-ins.md. Explicit: never part
/// of the default run. Run it with
/// <c>STAND_IN_THROUGHPUT_REPORT=/tmp/throughput.md dotnet test --project tests/ServerlessBackOffice.LocalStandIns.Tests -c Release -- --filter-class "*StandInThroughput" --explicit only</c>.
/// </summary>
public sealed class StandInThroughput
{
    private const int InFlight = 32;
    private readonly StandInsFixture standIns;
    private readonly Blob.BlobServersFixture blobServers;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public StandInThroughput(StandInsFixture standIns, Blob.BlobServersFixture blobServers)
    {
        this.standIns = standIns;
        this.blobServers = blobServers;
    }

    [Fact(Explicit = true)]
    public async Task Cosmos_CreatesBulkAndPointReads()
    {
        using var client = LocalCosmos.CreateClient(standIns.CosmosConnectionString);
        using var bulkClient = LocalCosmos.CreateClient(standIns.CosmosConnectionString, allowBulkExecution: true);
        var database = (await client.CreateDatabaseIfNotExistsAsync($"throughput-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        var container = (await database.CreateContainerAsync(new ContainerProperties("items", "/pk"), cancellationToken: ct)).Container;
        var bulk = bulkClient.GetContainer(database.Id, container.Id);
        var report = new StringBuilder();
        try
        {
            // Warm-up: connections, caches, JIT.
            await RunAsync(200, 8, i => container.CreateItemAsync(Item("warm", i), new PartitionKey(Pk(i)), cancellationToken: ct));

            report.AppendLine(await MeasureAsync("Cosmos create, sequential", 2_000, 1,
                i => container.CreateItemAsync(Item("seq", i), new PartitionKey(Pk(i)), cancellationToken: ct)));
            report.AppendLine(await MeasureAsync($"Cosmos create, {InFlight} in flight", 5_000, InFlight,
                i => container.CreateItemAsync(Item("par", i), new PartitionKey(Pk(i)), cancellationToken: ct)));
            report.AppendLine(await MeasureAsync("Cosmos create, bulk (AllowBulkExecution)", 10_000, 10_000,
                i => bulk.CreateItemAsync(Item("bulk", i), new PartitionKey(Pk(i)), cancellationToken: ct)));
            report.AppendLine(await MeasureAsync("Cosmos point read, sequential", 2_000, 1,
                i => container.ReadItemAsync<TestItem>($"seq-{i}", new PartitionKey(Pk(i)), cancellationToken: ct)));
            report.AppendLine(await MeasureAsync($"Cosmos point read, {InFlight} in flight", 5_000, InFlight,
                i => container.ReadItemAsync<TestItem>($"par-{i}", new PartitionKey(Pk(i)), cancellationToken: ct)));
        }
        finally
        {
            await database.DeleteAsync(cancellationToken: CancellationToken.None);
        }

        Publish(report.ToString());
    }

    [Fact(Explicit = true)]
    public async Task Azurite_BlockAndAppendBlobWrites()
    {
        var service = blobServers.Client(onAzurite: true);
        var container = service.GetBlobContainerClient($"throughput-{Guid.NewGuid():N}");
        await container.CreateAsync(cancellationToken: ct);
        var payload = BinaryData.FromBytes(new byte[1024]);
        var report = new StringBuilder();
        try
        {
            await RunAsync(100, 8, i => container.GetBlobClient($"warm/{i}").UploadAsync(payload, ct));

            report.AppendLine(await MeasureAsync("Azurite block blob upload (1 KiB), sequential", 1_000, 1,
                i => container.GetBlobClient($"seq/{i}").UploadAsync(payload, ct)));
            report.AppendLine(await MeasureAsync($"Azurite block blob upload (1 KiB), {InFlight} in flight", 3_000, InFlight,
                i => container.GetBlobClient($"par/{i}").UploadAsync(payload, ct)));

            var single = container.GetAppendBlobClient("append/single");
            await single.CreateAsync(cancellationToken: ct);
            report.AppendLine(await MeasureAsync("Azurite append block (1 KiB), sequential, one blob", 1_000, 1,
                async _ =>
                {
                    using var stream = payload.ToStream();
                    await single.AppendBlockAsync(stream, cancellationToken: ct);
                }));

            var appendBlobs = new AppendBlobClient[InFlight];
            for (var b = 0; b < InFlight; b++)
            {
                appendBlobs[b] = container.GetAppendBlobClient($"append/stream-{b}");
                await appendBlobs[b].CreateAsync(cancellationToken: ct);
            }

            // One writer per blob, as the archive writes one append blob per stream; 32 streams in parallel.
            report.AppendLine(await MeasureStreamsAsync($"Azurite append block (1 KiB), {InFlight} blobs in parallel", 3_000, appendBlobs, payload));
        }
        finally
        {
            await container.DeleteAsync(cancellationToken: CancellationToken.None);
        }

        Publish(report.ToString());
    }

    /// <summary>Appends the table rows to the file named by STAND_IN_THROUGHPUT_REPORT (if set) and to the test output.</summary>
    private static void Publish(string rows)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(rows);
        var path = Environment.GetEnvironmentVariable("STAND_IN_THROUGHPUT_REPORT");
        if (!string.IsNullOrWhiteSpace(path))
        {
            File.AppendAllText(path, rows);
        }
    }

    private static string Pk(int i) => $"pk-{i % 64}";

    private static TestItem Item(string prefix, int i) => new($"{prefix}-{i}", Pk(i), "throughput", i, "100.00");

    private static async Task<string> MeasureAsync(string what, int count, int inFlight, Func<int, Task> operation)
    {
        var stopwatch = Stopwatch.StartNew();
        await RunAsync(count, inFlight, operation);
        stopwatch.Stop();
        return Line(what, count, stopwatch.Elapsed);
    }

    private async Task<string> MeasureStreamsAsync(string what, int count, AppendBlobClient[] blobs, BinaryData payload)
    {
        var perBlob = count / blobs.Length;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(blobs.Select(async blob =>
        {
            for (var i = 0; i < perBlob; i++)
            {
                using var stream = payload.ToStream();
                await blob.AppendBlockAsync(stream, cancellationToken: ct);
            }
        }));
        stopwatch.Stop();
        return Line(what, perBlob * blobs.Length, stopwatch.Elapsed);
    }

    private static string Line(string what, int count, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {count} | {elapsed.TotalSeconds:F2} s | {count / elapsed.TotalSeconds:F0}/s |");

    private static async Task RunAsync(int count, int inFlight, Func<int, Task> operation)
    {
        if (inFlight <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                await operation(i);
            }

            return;
        }

        using var gate = new SemaphoreSlim(inFlight);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await operation(i);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
