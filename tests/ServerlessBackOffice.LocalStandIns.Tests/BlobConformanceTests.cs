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
    public async Task GetBlobs_WithPrefixesPagesAndADelimiter_ListsExactlyTheNamesInOrdinalOrder()
    {
        // azurite-blob.mjs lists a prefix as a range on the name index: the names around a prefix's edges, pages that end
        // inside it (the continuation marker), a prefix that is a prefix of others, names beyond ASCII, and a delimiter.
        string[] names =
        [
            "day/2026-11-2", "day/2026-11-23/x.json", "day/2026-11-24", "day/2026-11-24/a.json",
            "day/2026-11-24/b/1.json", "day/2026-11-24/b/2.json", "day/2026-11-24/é.json", "day/2026-11-24/z.json",
            "day/2026-11-24/\u4e2d.json", "day/2026-11-24/\ud83d\ude00.json", "day/2026-11-24x/a.json", "day/2026-11-25/a.json", "dax/a.json",
            .. Enumerable.Range(0, 150).Select(i => $"day/2026-11-24/records/{i:000}.json"),
        ];
        await Task.WhenAll(names.Select(name => container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name), ct)));

        async Task<List<string>> ListAsync(string prefix, int pageSize)
        {
            var listed = new List<string>();
            await foreach (var page in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).AsPages(pageSizeHint: pageSize))
            {
                listed.AddRange(page.Values.Select(b => b.Name));
            }

            return listed;
        }

        foreach (var prefix in new[] { "day/2026-11-24", "day/2026-11-24/", "day/2026-11-24/b/", "day/2026-11-2", "day/2026-11-24/records/1", "d", "nothing/" })
        {
            var expected = names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            foreach (var pageSize in new[] { 7, 5000 })
            {
                Assert.Equal(expected, await ListAsync(prefix, pageSize));
            }
        }

        var hierarchy = new List<string>();
        await foreach (var page in container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = "day/2026-11-24/", Delimiter = "/" }, ct).AsPages(pageSizeHint: 3))
        {
            hierarchy.AddRange(page.Values.Select(item => item.IsPrefix ? item.Prefix : item.Blob.Name));
        }

        // Ordered here: the SDK hands out a page's prefixes and blobs as two lists.
        Assert.Equal(["day/2026-11-24/a.json", "day/2026-11-24/b/", "day/2026-11-24/records/", "day/2026-11-24/z.json", "day/2026-11-24/é.json", "day/2026-11-24/\u4e2d.json", "day/2026-11-24/\ud83d\ude00.json"], hierarchy.Order(StringComparer.Ordinal));
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
