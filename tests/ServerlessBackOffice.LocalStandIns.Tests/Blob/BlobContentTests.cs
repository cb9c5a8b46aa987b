using ServerlessBackOffice.BlobStandIn.Storage;

namespace ServerlessBackOffice.LocalStandIns.Tests.Blob;

/// <summary>
/// The Blob stand-in's content stores: bytes put into the content file (or kept in memory) read back exactly, whatever
/// range of a many-extent blob is asked for, and the file does not outlive the stand-in.
/// </summary>
public sealed class BlobContentTests
{
    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void FileContentStore_ConcurrentPuts_EachReadsBackItsOwnBytes_AndTheFileIsUnlinkedAtOnce()
    {
        using var store = new FileContentStore(Path.GetTempPath());
        Assert.False(File.Exists(store.Path), "the content file is unlinked as soon as it is open");

        var random = new Random(7);
        var arrays = Enumerable.Range(0, 300).Select(i => Bytes(random, i % 10 == 0 ? 0 : random.Next(1, 200_000))).ToArray();
        var extents = new Extent[arrays.Length];
        Parallel.For(0, arrays.Length, i => extents[i] = store.Put(arrays[i]));

        Assert.Equal(arrays.Sum(a => (long)a.Length), store.Length);
        for (var i = 0; i < arrays.Length; i++)
        {
            Assert.Equal(arrays[i].Length, extents[i].Length);
            Assert.True(extents[i].Length == 0 || extents[i].Bytes is null, "non-empty bytes go to the file, not memory");
            var back = new byte[extents[i].Length];
            store.Read(extents[i], 0, back);
            Assert.Equal(arrays[i], back);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BlobContent_OfManyExtents_ReadsEveryRange_AsTheConcatenatedBytes(bool onDisk)
    {
        using IContentStore store = onDisk ? new FileContentStore(Path.GetTempPath()) : new MemoryContentStore();
        var random = new Random(11);
        var parts = new[] { 1, 70_000, 0, 3, 150_000, 65_536, 2 }.Select(n => Bytes(random, n)).ToArray();
        var whole = parts.SelectMany(p => p).ToArray();
        var content = parts.Aggregate(new BlobContent(store, []), (blob, part) => blob.Append(store.Put(part)));

        Assert.Equal(whole.Length, content.Length);
        for (var round = 0; round < 200; round++)
        {
            var offset = random.Next(0, whole.Length + 1);
            var count = random.Next(0, whole.Length - offset + 1);
            Assert.Equal(whole.AsSpan(offset, count).ToArray(), content.ToArray(offset, count));

            using var body = new MemoryStream();
            await content.WriteToAsync(body, offset, count, TestContext.Current.CancellationToken);
            Assert.Equal(whole.AsSpan(offset, count).ToArray(), body.ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => content.ToArray(whole.Length - 1, 2));
    }

    [Fact]
    public async Task OnDisk_TheStandInKeepsBlobBytesInItsContentFile_AndInMemoryItKeepsNone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var onDisk = await BlobStandIn.BlobStandInServer.StartAsync(new BlobStandIn.BlobStandInOptions { ContentDirectory = Path.GetTempPath() }, logger: null, ct);
        await using var inMemory = await BlobStandIn.BlobStandInServer.StartAsync(logger: null, ct);
        var bytes = Bytes(new Random(3), 300_000);

        foreach (var server in new[] { onDisk, inMemory })
        {
            var container = LocalBlob.CreateClient(server.ConnectionString).GetBlobContainerClient("content");
            await container.CreateAsync(cancellationToken: ct);
            await container.GetBlobClient("a/b.bin").UploadAsync(new BinaryData(bytes), ct);
            Assert.Equal(bytes, (await container.GetBlobClient("a/b.bin").DownloadContentAsync(ct)).Value.Content.ToArray());
        }

        Assert.True(onDisk.ContentFileLength >= bytes.Length, $"content file holds {onDisk.ContentFileLength} bytes");
        Assert.Equal(0, inMemory.ContentFileLength);
    }
}
