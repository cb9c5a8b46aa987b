using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// Azurite's Blob service (npm <c>azurite</c> 3.37.0, pinned in tools/node) on a free loopback port, in memory,
/// started through tools/cosmos-stand-in/run-with-parent.mjs so it exits when this process dies.
/// </summary>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key (public; it only ever guards a local stand-in).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int StartAttempts = 3;
    private readonly NodeProcess process;

    private AzuriteProcess(NodeProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    /// <summary>The loopback port of the Blob endpoint.</summary>
    public int Port { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId => process.ProcessId;

    /// <summary>The last lines Azurite wrote, for diagnostics.</summary>
    public string RecentOutput => process.RecentOutput;

    /// <summary>The Blob endpoint, e.g. <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    /// <summary>A storage connection string for <c>BlobServiceClient</c> and the Functions host.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>Starts Azurite and waits until it listens.</summary>
    public static async Task<AzuriteProcess> StartAsync(ILogger? logger, CancellationToken cancellationToken)
    {
        logger ??= NullLogger.Instance;
        var root = RepositoryLayout.FindRoot();
        var main = Path.Combine(RepositoryLayout.NodeModules(root), "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(main))
        {
            throw new InvalidOperationException($"Azurite is not installed at {main}: run `npm ci` in tools/node (./test.sh does).");
        }

        // Azurite cannot report a port it chose itself, so pick a free one; another process may take it in between,
        // hence a few attempts.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            string[] arguments =
            [
                Path.Combine(RepositoryLayout.CosmosStandIn(root), "run-with-parent.mjs"),
                Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                // Azurite's extent collector, every ten minutes, blocks it for minutes once the archive holds 100,000 blobs.
                Path.Combine(RepositoryLayout.CosmosStandIn(root), "azurite-blob.mjs"),
                main,
                "--blobHost", "127.0.0.1",
                "--blobPort", port.ToString(CultureInfo.InvariantCulture),
                "--inMemoryPersistence",
                // Azure.Storage.Blobs 12.30.1 sends an API version newer than Azurite 3.37.0 knows.
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ];
            try
            {
                var (process, _) = await NodeProcess.StartAsync(
                    "Azurite", arguments, ReadyLine(), NodeProcess.StartTimeout, logger, cancellationToken);
                return new AzuriteProcess(process, port);
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
                // Most likely the port was taken between choosing and binding; try another.
            }
        }
    }

    /// <summary>Stops Azurite by its PID.</summary>
    public ValueTask DisposeAsync() => process.DisposeAsync();

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Azurite Blob service successfully listens on")]
    private static partial Regex ReadyLine();
}
