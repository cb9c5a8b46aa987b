using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.BlobStandIn;
using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>Which Blob Storage service <see cref="LocalStandIns"/> starts.</summary>
public enum BlobImplementation
{
    /// <summary>The in-process Blob stand-in (<see cref="BlobStandInServer"/>): the default, a fraction of Azurite's CPU.</summary>
    StandIn,

    /// <summary>Azurite (npm), the conformance reference the stand-in is tested against.</summary>
    Azurite,
}

/// <summary>What <see cref="LocalStandIns.StartAsync"/> starts.</summary>
public sealed record LocalStandInsOptions
{
    /// <summary>Start a Blob Storage service. Default true.</summary>
    public bool Blob { get; init; } = true;

    /// <summary>Which Blob Storage service to start when <see cref="Blob"/> is true: the in-process stand-in by default.</summary>
    public BlobImplementation BlobImplementation { get; init; } = BlobImplementation.StandIn;

    /// <summary>
    /// Where the Blob stand-in keeps blob bytes: a directory for one unlinked file (a large day's archive is then bounded
    /// by disk, not memory), or null to keep them in memory (the default, for tests). Azurite always keeps them in memory.
    /// </summary>
    public string? BlobContentDirectory { get; init; }

    /// <summary>Start the Cosmos stand-in. Default true; false when a real account or Microsoft's emulator is used.</summary>
    public bool Cosmos { get; init; } = true;

    /// <summary>Start the Service Bus emulator (in this process). Default true.</summary>
    public bool ServiceBus { get; init; } = true;

    /// <summary>
    /// The emulator's entities in the Config.json shape of Microsoft's emulator; null means every queue, topic and
    /// subscription of <c>infra/topology.json</c>. Tests pass an empty object and create their own entities.
    /// </summary>
    public JsonObject? ServiceBusConfig { get; init; }

    /// <summary>
    /// The Service Bus emulator's clock (enqueued times, locks, TTL, duplicate detection); the system clock by default.
    /// The day run passes its business clock, so a message's enqueued time is business time like everything else.
    /// </summary>
    public TimeProvider? ServiceBusTimeProvider { get; init; }

    /// <summary>Where the Service Bus emulator logs; null logs nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How often the Cosmos stand-in deletes expired items.</summary>
    public TimeSpan CosmosTtlSweepInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The local stand-ins, started together on free loopback ports: Blob Storage (the in-process Blob stand-in, or Azurite on
/// request), the Cosmos DB stand-in (Azurite and the Cosmos stand-in are Node.js child processes that watch this process
/// and exit with it; <see cref="DisposeAsync"/> kills them by PID) and the Service Bus emulator (in this process).
/// </summary>
public sealed class LocalStandIns : IAsyncDisposable
{
    private LocalStandIns(BlobStandInServer? blobStandIn, AzuriteProcess? azurite, CosmosStandInProcess? cosmos, ServiceBusEmulatorServer? serviceBus)
    {
        BlobStandIn = blobStandIn;
        Azurite = azurite;
        Cosmos = cosmos;
        ServiceBus = serviceBus;
    }

    /// <summary>The Service Bus emulator, when started; its in-process API creates and deletes entities.</summary>
    public ServiceBusEmulatorServer? ServiceBus { get; }

    /// <summary>The Service Bus connection string (<c>UseDevelopmentEmulator=true</c>, plain AMQP on loopback).</summary>
    public string ServiceBusConnectionString =>
        ServiceBus?.ConnectionString ?? throw new InvalidOperationException("The Service Bus emulator was not started.");

    /// <summary>Azurite, when started (<see cref="BlobImplementation.Azurite"/>); null when the Blob stand-in runs.</summary>
    public AzuriteProcess? Azurite { get; }

    /// <summary>The in-process Blob stand-in, when started (<see cref="BlobImplementation.StandIn"/>, the default).</summary>
    public BlobStandInServer? BlobStandIn { get; }

    /// <summary>The Blob endpoint of whichever Blob service runs.</summary>
    public Uri BlobEndpoint =>
        BlobStandIn?.BlobEndpoint ?? Azurite?.BlobEndpoint ?? throw new InvalidOperationException("No Blob service was started.");

    /// <summary>The Cosmos stand-in, when started.</summary>
    public CosmosStandInProcess? Cosmos { get; }

    /// <summary>The storage connection string of whichever Blob service runs (the stand-in or Azurite).</summary>
    public string StorageConnectionString =>
        BlobStandIn?.ConnectionString ?? Azurite?.ConnectionString ?? throw new InvalidOperationException("No Blob service was started.");

    /// <summary>The Cosmos connection string (the stand-in).</summary>
    public string CosmosConnectionString =>
        Cosmos?.ConnectionString ?? throw new InvalidOperationException("The Cosmos stand-in was not started.");

    /// <summary>The PIDs of every child process started, for diagnostics and the no-orphan check.</summary>
    public IReadOnlyList<int> ProcessIds =>
        new[] { Azurite?.ProcessId, Cosmos?.ProcessId }.Where(p => p is not null).Select(p => p!.Value).ToList();

    /// <summary>Starts the selected stand-ins in parallel; if one fails, the others are stopped before the error propagates.</summary>
    public static async Task<LocalStandIns> StartAsync(LocalStandInsOptions? options, ILogger? logger, CancellationToken cancellationToken)
    {
        options ??= new LocalStandInsOptions();
        var azuriteTask = options.Blob && options.BlobImplementation == BlobImplementation.Azurite
            ? AzuriteProcess.StartAsync(logger, cancellationToken)
            : Task.FromResult<AzuriteProcess?>(null)!;
        var cosmosTask = options.Cosmos
            ? CosmosStandInProcess.StartAsync(options.CosmosTtlSweepInterval, logger, cancellationToken)
            : Task.FromResult<CosmosStandInProcess?>(null)!;
        ServiceBusEmulatorServer? serviceBus = null;
        BlobStandInServer? blobStandIn = null;
        try
        {
            if (options.Blob && options.BlobImplementation == BlobImplementation.StandIn)
            {
                blobStandIn = await BlobStandInServer.StartAsync(new BlobStandInOptions { ContentDirectory = options.BlobContentDirectory }, logger, cancellationToken);
            }

            if (options.ServiceBus)
            {
                serviceBus = await ServiceBusEmulatorServer.StartAsync(
                    new ServiceBusEmulatorOptions
                    {
                        Port = 0,
                        Config = options.ServiceBusConfig ?? EmulatorConfig.FromTopology(TopologyDocument.Default),
                        LoggerFactory = options.LoggerFactory,
                        TimeProvider = options.ServiceBusTimeProvider ?? TimeProvider.System,
                    },
                    cancellationToken);
            }

            await Task.WhenAll(azuriteTask, cosmosTask);
        }
        catch
        {
            if (serviceBus is not null)
            {
                await serviceBus.DisposeAsync();
            }

            if (blobStandIn is not null)
            {
                await blobStandIn.DisposeAsync();
            }

            await Task.WhenAll(azuriteTask, cosmosTask).ContinueWith(static _ => { }, TaskScheduler.Default);
            if (azuriteTask.IsCompletedSuccessfully && azuriteTask.Result is { } a)
            {
                await a.DisposeAsync();
            }

            if (cosmosTask.IsCompletedSuccessfully && cosmosTask.Result is { } c)
            {
                await c.DisposeAsync();
            }

            throw;
        }

        return new LocalStandIns(blobStandIn, azuriteTask.Result, cosmosTask.Result, serviceBus);
    }

    /// <summary>A Cosmos client for the stand-in, configured by <see cref="LocalCosmos.ClientOptions"/>.</summary>
    public CosmosClient CreateCosmosClient(bool allowBulkExecution = false) =>
        LocalCosmos.CreateClient(CosmosConnectionString, allowBulkExecution);

    /// <summary>A Blob service client for whichever Blob service runs (in process, without a socket, for the Blob stand-in).</summary>
    public BlobServiceClient CreateBlobServiceClient() => new(StorageConnectionString, CreateBlobClientOptions());

    /// <summary>
    /// Options for Blob clients in this process: for the Blob stand-in, a transport that hands each request to it directly
    /// (<see cref="BlobStandInServer.CreateInProcessHandler"/>, decision 0076); for Azurite, the defaults. The clients'
    /// pipelines are otherwise the SDK's own.
    /// </summary>
    public BlobClientOptions CreateBlobClientOptions() =>
        BlobStandIn is { } standIn ? new BlobClientOptions { Transport = new HttpClientTransport(standIn.CreateInProcessHandler()) } : new BlobClientOptions();

    /// <summary>
    /// The values a Functions <c>local.settings.json</c> needs: the connections (plus <paramref name="extra"/>, e.g. the
    /// Service Bus connection) and the app setting of every entity in the topology.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> LocalSettings(TopologyDocument topology, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var settings = new List<KeyValuePair<string, string>>();
        if (extra is not null)
        {
            settings.AddRange(extra);
        }

        if (ServiceBus is not null)
        {
            settings.Add(new(topology.ServiceBus.NamespaceAppSetting, ServiceBusConnectionString));
        }

        if (Cosmos is not null)
        {
            settings.Add(new("CosmosConnection", CosmosConnectionString));
        }

        if (BlobStandIn is not null || Azurite is not null)
        {
            settings.Add(new("StorageConnection", StorageConnectionString));
            settings.Add(new("AzureWebJobsStorage", StorageConnectionString));
        }

        settings.AddRange(topology.AppSettings().Select(s => new KeyValuePair<string, string>(s.AppSetting, s.Name)));
        return settings;
    }

    /// <summary>Stops the in-process servers and every child by its PID.</summary>
    public async ValueTask DisposeAsync()
    {
        if (ServiceBus is not null)
        {
            await ServiceBus.DisposeAsync();
        }

        if (Cosmos is not null)
        {
            await Cosmos.DisposeAsync();
        }

        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }

        if (BlobStandIn is not null)
        {
            await BlobStandIn.DisposeAsync();
        }
    }
}
