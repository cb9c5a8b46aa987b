using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>The capture archive contract over the Blob archive store on Azurite, with the real Azure.Storage.Blobs client.</summary>
public sealed class BlobCaptureArchiveOnAzuriteTests(AzuriteFixture azurite) : BlobCaptureArchiveTests(azurite);

/// <summary>The same contract over the in-process Blob stand-in.</summary>
public sealed class BlobCaptureArchiveOnStandInTests(BlobStandInFixture standIn) : BlobCaptureArchiveTests(standIn);

/// <summary>The capture archive contract over the Blob archive store, with the real Azure.Storage.Blobs client.</summary>
public abstract class BlobCaptureArchiveTests(BlobServiceFixture azurite) : CaptureArchiveContract, IAsyncLifetime
{
    private readonly List<BlobContainerClient> _containers = [];

    protected override async Task<ICaptureArchive> CreateArchiveAsync()
    {
        var container = await azurite.NewContainerAsync(TestContext.Current.CancellationToken);
        _containers.Add(container);
        return new ArchiveCaptureArchive(new BlobArchiveStore(container, NullLogger<BlobArchiveStore>.Instance), NullLogger<ArchiveCaptureArchive>.Instance);
    }

    [Fact]
    public async Task Archive_WritesOneBlobUnderTheDaysInboundFolder()
    {
        var archive = await CreateArchiveAsync();

        await archive.ArchiveAsync(PortSamples.Entry("m-blob", CaptureOutcomeKind.Accepted), TestContext.Current.CancellationToken);

        var names = new List<string>();
        await foreach (var blob in _containers[0].GetBlobsAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            names.Add(blob.Name);
        }

        Assert.Equal([BlobArchiveStore.RecordBlobName(new DateOnly(2026, 11, 24), ArchiveCaptureArchive.RecordName("m-blob"))], names);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }

        GC.SuppressFinalize(this);
    }
}
