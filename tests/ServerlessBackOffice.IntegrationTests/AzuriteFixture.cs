using Azure.Storage.Blobs;
using ServerlessBackOffice.BlobStandIn;
using ServerlessBackOffice.LocalStandIns;

[assembly: AssemblyFixture(typeof(ServerlessBackOffice.IntegrationTests.AzuriteFixture))]
[assembly: AssemblyFixture(typeof(ServerlessBackOffice.IntegrationTests.BlobStandInFixture))]

namespace ServerlessBackOffice.IntegrationTests;

/// <summary>
/// A Blob service for the whole test assembly; each test takes a fresh container. The Blob adapters' tests run against
/// both <see cref="AzuriteFixture"/> (the reference) and <see cref="BlobStandInFixture"/> (what local runs use).
/// </summary>
public abstract class BlobServiceFixture : IAsyncLifetime
{
    public BlobServiceClient Service { get; protected set; } = null!;

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    /// <summary>A new, empty container with a unique name, so tests never see each other's blobs.</summary>
    public async Task<BlobContainerClient> NewContainerAsync(CancellationToken cancellationToken)
    {
        var container = Service.GetBlobContainerClient($"test-{Guid.NewGuid():N}");
        await container.CreateAsync(cancellationToken: cancellationToken);
        return container;
    }
}

/// <summary>
/// One Azurite (in memory, on a free loopback port) for the whole test assembly, stopped by its PID when the run ends;
/// the launcher also watches this process, so a cancelled run leaves no Azurite behind.
/// </summary>
public sealed class AzuriteFixture : BlobServiceFixture
{
    private AzuriteProcess? _azurite;

    public override async ValueTask InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(logger: null, TestContext.Current.CancellationToken);
        Service = LocalBlob.CreateClient(_azurite.ConnectionString);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

/// <summary>
/// The in-process Blob stand-in on a free loopback port for the whole test assembly, stopped when the run ends; it keeps
/// blob bytes in its content file, as the day run does.
/// </summary>
public sealed class BlobStandInFixture : BlobServiceFixture
{
    private BlobStandInServer? _standIn;

    public override async ValueTask InitializeAsync()
    {
        _standIn = await BlobStandInServer.StartAsync(new BlobStandInOptions { ContentDirectory = Path.GetTempPath() }, logger: null, TestContext.Current.CancellationToken);
        Service = LocalBlob.CreateClient(_standIn.ConnectionString);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_standIn is not null)
        {
            await _standIn.DisposeAsync();
        }
    }
}
