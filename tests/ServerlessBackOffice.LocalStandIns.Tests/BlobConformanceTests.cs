using System.Net;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>The Blob Storage behaviour the archive relies on, against Azurite through Azure.Storage.Blobs.</summary>
public sealed class BlobConformanceTests : IAsyncLifetime
{
    private readonly StandInsFixture standIns;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;
    private BlobContainerClient container = null!;

    public BlobConformanceTests(StandInsFixture standIns)
    {
        this.standIns = standIns;
    }

    public async ValueTask InitializeAsync()
    {
        // Each test gets its own container, so listings never see another test's blobs.
        var service = standIns.StandIns.CreateBlobServiceClient();
        container = service.GetBlobContainerClient($"conformance-{Guid.NewGuid():N}");
        await container.CreateAsync(cancellationToken: ct);
    }

    public async ValueTask DisposeAsync() => await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);

    [Fact]
    public async Task Upload_ThenDownload_ReturnsTheSameBytes()
    {
        var blob = container.GetBlobClient("day/2026-11-24/trades.json");
        var content = Encoding.UTF8.GetBytes("{\"tradeId\":\"T-1\",\"amount\":\"1000.25\"}");

        await blob.UploadAsync(new BinaryData(content), ct);
        var downloaded = await blob.DownloadContentAsync(ct);

        Assert.Equal(content, downloaded.Value.Content.ToArray());
    }

    [Fact]
    public async Task Upload_WhenIfNoneMatchStarAndTheBlobExists_FailsWithConflict()
    {
        var blob = container.GetBlobClient("written-once.json");
        var onlyIfAbsent = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
        await blob.UploadAsync(BinaryData.FromString("first"), onlyIfAbsent, ct);

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(BinaryData.FromString("second"), onlyIfAbsent, ct));

        Assert.Equal((int)HttpStatusCode.Conflict, ex.Status);
        Assert.Equal("first", (await blob.DownloadContentAsync(ct)).Value.Content.ToString());
    }

    [Fact]
    public async Task GetBlobs_WithPrefix_ListsOnlyThatFolder()
    {
        foreach (var name in new[] { "a/1.json", "a/2.json", "b/1.json" })
        {
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name), ct);
        }

        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "a/" }, ct))
        {
            names.Add(item.Name);
        }

        Assert.Equal(["a/1.json", "a/2.json"], names);
    }

    [Fact]
    public async Task AppendBlob_AppendBlock_AddsToTheEnd()
    {
        var blob = container.GetAppendBlobClient("journal.ndjson");
        await blob.CreateIfNotExistsAsync(cancellationToken: ct);

        foreach (var line in new[] { "one\n", "two\n", "three\n" })
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line));
            await blob.AppendBlockAsync(stream, cancellationToken: ct);
        }

        var content = (await blob.DownloadContentAsync(ct)).Value.Content.ToString();
        Assert.Equal("one\ntwo\nthree\n", content);
        var properties = await blob.GetPropertiesAsync(cancellationToken: ct);
        Assert.Equal(3, properties.Value.BlobCommittedBlockCount);
    }

    [Fact]
    public async Task Metadata_SetOnUpload_IsReturnedByGetProperties()
    {
        var blob = container.GetBlobClient("signed-manifest.json");
        var metadata = new Dictionary<string, string> { ["sha256"] = "abc123", ["businessdate"] = "2026-11-24" };

        await blob.UploadAsync(BinaryData.FromString("{}"), new BlobUploadOptions { Metadata = metadata }, ct);
        var properties = await blob.GetPropertiesAsync(cancellationToken: ct);

        Assert.Equal("abc123", properties.Value.Metadata["sha256"]);
        Assert.Equal("2026-11-24", properties.Value.Metadata["businessdate"]);
    }
}
