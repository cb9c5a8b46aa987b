using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// The Cosmos DB stand-in (tools/cosmos-stand-in/server.mjs: @vercel/cosmosdb-server 1.0.1 behind a compatibility
/// layer) on a free loopback port, over plain HTTP with keep-alive; it exits when this process dies.
/// </summary>
public sealed partial class CosmosStandInProcess : IAsyncDisposable
{
    private readonly NodeProcess process;

    private CosmosStandInProcess(NodeProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId => process.ProcessId;

    /// <summary>The last lines the stand-in wrote, for diagnostics.</summary>
    public string RecentOutput => process.RecentOutput;

    /// <summary>The account endpoint, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>A connection string in the shape of Microsoft's emulator, with its well-known key.</summary>
    public string ConnectionString => LocalCosmos.ConnectionString(Endpoint);

    /// <summary>Starts the stand-in and waits for its ready line.</summary>
    /// <param name="ttlSweepInterval">How often expired items are deleted (default one second).</param>
    /// <param name="logger">Receives start and stop events.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<CosmosStandInProcess> StartAsync(TimeSpan? ttlSweepInterval, ILogger? logger, CancellationToken cancellationToken)
    {
        logger ??= NullLogger.Instance;
        var root = RepositoryLayout.FindRoot();
        var package = Path.Combine(RepositoryLayout.NodeModules(root), "@vercel", "cosmosdb-server", "package.json");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"@vercel/cosmosdb-server is not installed at {package}: run `npm ci` in tools/node (./test.sh does).");
        }

        var sweep = (int)(ttlSweepInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        string[] arguments =
        [
            Path.Combine(RepositoryLayout.CosmosStandIn(root), "server.mjs"),
            "--host", "127.0.0.1",
            "--port", "0",
            "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            "--ttl-sweep-ms", sweep.ToString(CultureInfo.InvariantCulture),
        ];
        var (process, ready) = await NodeProcess.StartAsync(
            "Cosmos DB stand-in", arguments, ReadyLine(), NodeProcess.StartTimeout, logger, cancellationToken);
        return new CosmosStandInProcess(process, int.Parse(ready.Groups["port"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the stand-in by its PID.</summary>
    public ValueTask DisposeAsync() => process.DisposeAsync();

    [GeneratedRegex(@"cosmos-stand-in ready on http://127\.0\.0\.1:(?<port>\d+)/")]
    private static partial Regex ReadyLine();
}
