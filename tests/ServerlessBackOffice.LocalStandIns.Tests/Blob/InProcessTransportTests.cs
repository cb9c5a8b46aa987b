using Azure;
using Azure.Storage.Blobs.Models;

namespace ServerlessBackOffice.LocalStandIns.Tests.Blob;

/// <summary>
/// The in-process transport (decision 0076) and the loopback port are two doors to one stand-in: what one writes the other
/// reads, under names that need escaping too, with the same conditional-write answers.
/// </summary>
public sealed class InProcessTransportTests(BlobServersFixture servers)
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("2026-11-24/records/inbound/oms-1:reused:ab12.json")]
    [InlineData("2026-11-24/records/a name with spaces+plus&amp=%25.json")]
    [InlineData("2026-11-24/records/ünïcødé/€.json")]
    public async Task WhatOneDoorWrites_TheOtherReads_AndAConditionalCreateIsRefusedThroughEither(string name)
    {
        var inProcess = servers.InProcessClient();
        var overSocket = servers.Client(onAzurite: false);
        var containerName = $"doors-{Guid.NewGuid():N}";
        await inProcess.GetBlobContainerClient(containerName).CreateAsync(cancellationToken: ct);
        try
        {
            var written = await inProcess.GetBlobContainerClient(containerName).GetBlobClient(name).UploadAsync(
                BinaryData.FromString("first"),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, Metadata = new Dictionary<string, string> { ["sha256"] = "abc" } },
                ct);

            var read = await overSocket.GetBlobContainerClient(containerName).GetBlobClient(name).DownloadContentAsync(ct);
            Assert.Equal("first", read.Value.Content.ToString());
            Assert.Equal(written.Value.ETag, read.Value.Details.ETag);
            Assert.Equal("abc", read.Value.Details.Metadata["sha256"]);

            var listed = new List<string>();
            await foreach (var item in inProcess.GetBlobContainerClient(containerName).GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, "2026-11-24/", ct))
            {
                listed.Add(item.Name);
            }

            Assert.Equal([name], listed);

            var again = await Assert.ThrowsAsync<RequestFailedException>(() => inProcess.GetBlobContainerClient(containerName).GetBlobClient(name).UploadAsync(
                BinaryData.FromString("second"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, ct));
            Assert.Equal(409, again.Status);
            Assert.Equal(BlobErrorCode.BlobAlreadyExists.ToString(), again.ErrorCode);

            var missing = await Assert.ThrowsAsync<RequestFailedException>(() => inProcess.GetBlobContainerClient(containerName).GetBlobClient(name + ".missing").DownloadContentAsync(ct));
            Assert.Equal(404, missing.Status);
            Assert.Equal(BlobErrorCode.BlobNotFound.ToString(), missing.ErrorCode);
            Assert.False((await inProcess.GetBlobContainerClient(containerName).GetBlobClient(name + ".missing").ExistsAsync(ct)).Value);
        }
        finally
        {
            await overSocket.GetBlobContainerClient(containerName).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }
    }

    [Fact]
    public async Task ALargeBlob_StreamsThroughThePipe_BothWays_ByteForByte()
    {
        var inProcess = servers.InProcessClient();
        var container = inProcess.GetBlobContainerClient($"large-{Guid.NewGuid():N}");
        await container.CreateAsync(cancellationToken: ct);
        try
        {
            var bytes = new byte[40 * 1024 * 1024 + 17];
            new Random(5).NextBytes(bytes);
            var blob = container.GetBlobClient("2026-11-24/bundle/2026-11-24.zip");
            await blob.UploadAsync(new BinaryData(bytes), ct);

            // Whole, then through the SDK's ranged, parallel download: every answer's body leaves the handler through the pipe.
            var whole = await blob.DownloadContentAsync(ct);
            Assert.Equal(bytes, whole.Value.Content.ToArray());
            using var target = new MemoryStream();
            await blob.DownloadToAsync(target, new BlobDownloadToOptions { TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 1024 * 1024, MaximumTransferSize = 4 * 1024 * 1024, MaximumConcurrency = 4 } }, ct);
            Assert.Equal(bytes, target.ToArray());
        }
        finally
        {
            await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }
    }
}
