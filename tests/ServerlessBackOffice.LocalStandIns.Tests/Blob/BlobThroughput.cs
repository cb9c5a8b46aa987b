using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ServerlessBackOffice.LocalStandIns.Tests.Blob;

/// <summary>
/// Azurite against the Blob stand-in under the archive's load shape: conditional 1 KiB creates with SHA-256 metadata,
/// whole-blob reads and prefix listings with metadata, from 8 clients in parallel, recorded in docs/performance/stand-ins.md.
/// Explicit: never part of the default run. Run it with
/// <c>BLOB_THROUGHPUT_REPORT=/tmp/blob.md dotnet test --project tests/ServerlessBackOffice.LocalStandIns.Tests -c Release -- --filter-class "*BlobThroughput" --explicit only</c>.
/// </summary>
public sealed class BlobThroughput(BlobServersFixture servers)
{
    private const int Clients = 8;
    private const int Blobs = 20_000;
    private const int Folders = 100;
    private const int Listings = 400;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Theory(Explicit = true)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConditionalPutsGetsAndPrefixListings_From8Clients(bool onAzurite)
    {
        var clients = Enumerable.Range(0, Clients).Select(_ => servers.Client(onAzurite)).ToArray();
        var containerName = $"throughput-{Guid.NewGuid():N}";
        await clients[0].GetBlobContainerClient(containerName).CreateAsync(cancellationToken: ct);
        var payload = BinaryData.FromBytes(Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray());
        var target = onAzurite ? "Azurite" : "Blob stand-in";
        var serverProcess = onAzurite ? Process.GetProcessById(servers.Azurite.ProcessId) : null;
        var rows = new List<string>();
        try
        {
            // Warm-up: connections and JIT on both sides.
            await RunAsync(clients, 400, (client, i) => Put(client, containerName, $"warm/{i}", payload));

            rows.Add(await MeasureAsync(clients, $"{target}: conditional create (If-None-Match *, 1 KiB, metadata)", Blobs, serverProcess,
                (client, i) => Put(client, containerName, Name(i), payload)));
            rows.Add(await MeasureAsync(clients, $"{target}: download whole blob", Blobs, serverProcess,
                async (client, i) => await client.GetBlobContainerClient(containerName).GetBlobClient(Name(i)).DownloadContentAsync(ct)));
            rows.Add(await MeasureAsync(clients, $"{target}: list a prefix of {Blobs / Folders} blobs with metadata", Listings, serverProcess, async (client, i) =>
            {
                var listed = 0;
                await foreach (var _ in client.GetBlobContainerClient(containerName).GetBlobsAsync(new GetBlobsOptions { Prefix = $"2026-11-24/records/{i % Folders:000}/", Traits = BlobTraits.Metadata }, ct))
                {
                    listed++;
                }

                Assert.Equal(Blobs / Folders, listed);
            }));
        }
        finally
        {
            await clients[0].GetBlobContainerClient(containerName).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }

        var report = string.Join(Environment.NewLine, rows) + Environment.NewLine;
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (Environment.GetEnvironmentVariable("BLOB_THROUGHPUT_REPORT") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, report, ct);
        }
    }

    private static string Name(int i) => $"2026-11-24/records/{i % Folders:000}/{i:00000}.json";

    private Task Put(BlobServiceClient client, string containerName, string name, BinaryData payload) =>
        client.GetBlobContainerClient(containerName).GetBlobClient(name).UploadAsync(payload, new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            Metadata = new Dictionary<string, string> { ["sha256"] = new string('0', 64) },
        }, ct);

    /// <summary>
    /// Times <paramref name="count"/> operations over the clients; CPU is this process's (the clients, plus the server when it
    /// is the in-process stand-in) and Azurite's own when it is Azurite.
    /// </summary>
    private static async Task<string> MeasureAsync(BlobServiceClient[] clients, string what, int count, Process? server, Func<BlobServiceClient, int, Task> operation)
    {
        var self = Process.GetCurrentProcess();
        server?.Refresh();
        var serverCpu = server?.TotalProcessorTime ?? TimeSpan.Zero;
        var ownCpu = self.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await RunAsync(clients, count, operation);
        stopwatch.Stop();
        self.Refresh();
        server?.Refresh();
        var own = (self.TotalProcessorTime - ownCpu).TotalSeconds;
        var azurite = server is null ? "—" : string.Create(CultureInfo.InvariantCulture, $"{(server.TotalProcessorTime - serverCpu).TotalSeconds:F1} s");
        return string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {count} | {stopwatch.Elapsed.TotalSeconds:F2} s | {count / stopwatch.Elapsed.TotalSeconds:F0}/s | {own:F1} s | {azurite} |");
    }

    /// <summary>Each client is one worker that takes the next operation when its last one ends.</summary>
    private static async Task RunAsync(BlobServiceClient[] clients, int count, Func<BlobServiceClient, int, Task> operation)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients.Length).Select(async worker =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await operation(clients[worker], i);
            }
        }));
    }
}
