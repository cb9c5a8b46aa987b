using Azure.Storage.Blobs;
using ServerlessBackOffice.LocalStandIns;

[assembly: AssemblyFixture(typeof(ServerlessBackOffice.IntegrationTests.AzuriteFixture))]

namespace ServerlessBackOffice.IntegrationTests;

/// <summary>
/// One Azurite (in memory, on a free loopback port) for the whole test assembly, stopped by its PID when the run ends;
/// the launcher also watches this process, so a cancelled run leaves no Azurite behind. Each test takes a fresh container.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public BlobServiceClient Service { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(logger: null, TestContext.Current.CancellationToken);
        Service = LocalBlob.CreateClient(_azurite.ConnectionString);
    }

    /// <summary>A new, empty container with a unique name, so tests never see each other's blobs.</summary>
    public async Task<BlobContainerClient> NewContainerAsync(CancellationToken cancellationToken)
    {
        var container = Service.GetBlobContainerClient($"test-{Guid.NewGuid():N}");
        await container.CreateAsync(cancellationToken: cancellationToken);
        return container;
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
