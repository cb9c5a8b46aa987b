using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using ServerlessBackOffice.BlobStandIn;

[assembly: AssemblyFixture(typeof(ServerlessBackOffice.LocalStandIns.Tests.Blob.BlobServersFixture))]

namespace ServerlessBackOffice.LocalStandIns.Tests.Blob;

/// <summary>
/// Both Blob services the conformance contract runs against, started once for the assembly and stopped when it ends:
/// Azurite (the reference, a Node child stopped by its PID) and the in-process Blob stand-in, twice: keeping blob bytes in
/// memory (as tests do) and in its content file (as the day run does).
/// </summary>
public sealed class BlobServersFixture : IAsyncLifetime
{
    private AzuriteProcess? azurite;
    private BlobStandInServer? standIn;
    private BlobStandInServer? onDisk;

    public AzuriteProcess Azurite => azurite ?? throw new InvalidOperationException("Azurite is not started.");

    public BlobStandInServer StandIn => standIn ?? throw new InvalidOperationException("The Blob stand-in is not started.");

    /// <summary>The Blob stand-in with its bytes in a content file in the temp folder.</summary>
    public BlobStandInServer OnDisk => onDisk ?? throw new InvalidOperationException("The on-disk Blob stand-in is not started.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var starting = AzuriteProcess.StartAsync(logger: null, ct);
        standIn = await BlobStandInServer.StartAsync(logger: null, ct);
        onDisk = await BlobStandInServer.StartAsync(new BlobStandInOptions { ContentDirectory = Path.GetTempPath() }, logger: null, ct);
        azurite = await starting;
    }

    public BlobServiceClient Client(bool onAzurite) => LocalBlob.CreateClient(onAzurite ? Azurite.ConnectionString : StandIn.ConnectionString);

    public BlobServiceClient OnDiskClient() => LocalBlob.CreateClient(OnDisk.ConnectionString);

    /// <summary>A client of the in-memory stand-in whose requests reach it in this process, without a socket.</summary>
    public BlobServiceClient InProcessClient() =>
        new(StandIn.ConnectionString, new BlobClientOptions { Transport = new HttpClientTransport(StandIn.CreateInProcessHandler()) });

    public async ValueTask DisposeAsync()
    {
        if (standIn is not null)
        {
            await standIn.DisposeAsync();
        }

        if (onDisk is not null)
        {
            await onDisk.DisposeAsync();
        }

        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }
}
