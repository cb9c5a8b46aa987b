using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.IntegrationTests.Archive;

/// <summary>The archive on Blob Storage through the real Azure.Storage.Blobs client, against Azurite.</summary>
public sealed class BlobArchiveStoreOnAzuriteTests(AzuriteFixture azurite) : BlobArchiveStoreTests(azurite);

/// <summary>The same tests against the in-process Blob stand-in, which local day runs use.</summary>
public sealed class BlobArchiveStoreOnStandInTests(BlobStandInFixture standIn) : BlobArchiveStoreTests(standIn);

/// <summary>The archive on Blob Storage through the real Azure.Storage.Blobs client.</summary>
public abstract class BlobArchiveStoreTests(BlobServiceFixture azurite) : IAsyncLifetime, IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private BlobContainerClient _container = null!;
    private BlobArchiveStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _container = await azurite.NewContainerAsync(_ct);
        _store = new BlobArchiveStore(_container, NullLogger<BlobArchiveStore>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        _key.Dispose();
        GC.SuppressFinalize(this);
    }

    private static ArchiveRecord Record(string name, string content, DateOnly? day = null) =>
        new(day ?? Day, name, Encoding.UTF8.GetBytes(content), "application/json");

    private ArchiveDaySealer Sealer() => new(_store, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);

    private async Task<string> ReadBlobAsync(string blobName) =>
        (await _container.GetBlobClient(blobName).DownloadContentAsync(_ct)).Value.Content.ToString();

    [Fact]
    public async Task Write_CreatesOneBlobUnderTheDaysRecordsFolder_WithItsSha256InMetadata()
    {
        var result = await _store.WriteAsync(Record("inbound/oms/T-1/v1.json", """{"tradeId":"T-1"}"""), _ct);

        Assert.Equal(ArchiveWriteResult.Written, result);
        var blob = _container.GetBlobClient("2026-11-24/records/inbound/oms/T-1/v1.json");
        var properties = (await blob.GetPropertiesAsync(cancellationToken: _ct)).Value;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("""{"tradeId":"T-1"}"""))), properties.Metadata[BlobArchiveStore.Sha256MetadataKey]);
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal("""{"tradeId":"T-1"}""", await ReadBlobAsync(blob.Name));
    }

    [Fact]
    public async Task Write_OfTheSameRecordAgain_IsARedeliveryNoOp_AndTheBlobIsNotRewritten()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);
        var before = (await _container.GetBlobClient("2026-11-24/records/a.json").GetPropertiesAsync(cancellationToken: _ct)).Value.ETag;

        var result = await _store.WriteAsync(Record("a.json", "1"), _ct);

        Assert.Equal(ArchiveWriteResult.AlreadyArchived, result);
        var after = (await _container.GetBlobClient("2026-11-24/records/a.json").GetPropertiesAsync(cancellationToken: _ct)).Value.ETag;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Write_OfAReportFarLargerThanAnyMessage_IsArchivedWhole_AndItsSecondWriteIsANoOp()
    {
        // A close's inputs file at 100,000 trades is 183 MB; 40 MiB is beyond the 16 MiB the archive once refused.
        var content = new byte[40 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var record = new ArchiveRecord(Day, "reports/LDN-CASH.inputs.csv", content, "text/csv");

        Assert.Equal(ArchiveWriteResult.Written, await _store.WriteAsync(record, _ct));
        Assert.Equal(ArchiveWriteResult.AlreadyArchived, await _store.WriteAsync(record, _ct));

        var listed = Assert.Single(await _store.ListAsync(Day, _ct).ToListAsync(_ct));
        Assert.Equal(("reports/LDN-CASH.inputs.csv", (long)content.Length), (listed.Name, listed.Size));
        Assert.Equal(SHA256.HashData(content), listed.Sha256);
        await using var stored = (await _store.OpenAsync(Day, "reports/LDN-CASH.inputs.csv", _ct))!;
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy, _ct);
        Assert.True(copy.ToArray().AsSpan().SequenceEqual(content));
    }

    [Fact]
    public async Task Write_OfDifferentBytesUnderAnArchivedName_IsAConflict_AndTheOriginalIsUntouched()
    {
        await _store.WriteAsync(Record("state/trades/T-1/v1.json", """{"state":"Captured"}"""), _ct);

        var result = await _store.WriteAsync(Record("state/trades/T-1/v1.json", """{"state":"Settled"}"""), _ct);

        Assert.Equal(ArchiveWriteResult.Conflict, result);
        await using var stored = (await _store.OpenAsync(Day, "state/trades/T-1/v1.json", _ct))!;
        Assert.Equal("""{"state":"Captured"}""", await new StreamReader(stored).ReadToEndAsync(_ct));
    }

    [Fact]
    public async Task List_GivesEveryRecordOfTheDayWithSizeAndHash_InOrdinalOrder_AndNoneOfAnotherDay()
    {
        await _store.WriteAsync(Record("b/2.json", "second"), _ct);
        await _store.WriteAsync(Record("a/1.json", "first"), _ct);
        await _store.WriteAsync(Record("a/1.json", "other day", Day.AddDays(1)), _ct);

        var listed = await _store.ListAsync(Day, _ct).ToListAsync(_ct);

        Assert.Equal(["a/1.json", "b/2.json"], listed.Select(r => r.Name));
        Assert.Equal([5L, 6L], listed.Select(r => r.Size));
        Assert.Equal(SHA256.HashData("first"u8), listed[0].Sha256);
        Assert.Equal(SHA256.HashData("second"u8), listed[1].Sha256);
    }

    [Fact]
    public async Task List_WithANamePrefix_GivesOnlyThoseRecordsOfTheDay_WithSizeAndHash()
    {
        await _store.WriteAsync(Record("index/rejections/m-1.json", "one"), _ct);
        await _store.WriteAsync(Record("index/rejections/m-2.json", "two"), _ct);
        await _store.WriteAsync(Record("index/rejectionsX.json", "near"), _ct);
        await _store.WriteAsync(Record("inbound/m-1.json", "other"), _ct);
        await _store.WriteAsync(Record("index/rejections/m-3.json", "other day", Day.AddDays(1)), _ct);

        var listed = await _store.ListAsync(Day, "index/rejections/", _ct).ToListAsync(_ct);

        Assert.Equal(["index/rejections/m-1.json", "index/rejections/m-2.json"], listed.Select(r => r.Name));
        Assert.Equal([3L, 3L], listed.Select(r => r.Size));
        Assert.Equal(SHA256.HashData("two"u8), listed[1].Sha256);
        Assert.Empty(await _store.ListAsync(Day, "index/none/", _ct).ToListAsync(_ct));
    }

    [Fact]
    public async Task List_OfABlobWrittenAroundTheStore_HashesItsActualContent()
    {
        await _container.GetBlobClient("2026-11-24/records/manual.json").UploadAsync(BinaryData.FromString("by hand"), _ct);

        var listed = Assert.Single(await _store.ListAsync(Day, _ct).ToListAsync(_ct));

        Assert.Equal(SHA256.HashData("by hand"u8), listed.Sha256);
    }

    [Fact]
    public async Task Days_AreTheDaysWithRecords_EachOnce()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);
        await _store.WriteAsync(Record("b.json", "2"), _ct);
        await _store.WriteAsync(Record("a.json", "3", Day.AddDays(-1)), _ct);

        var days = await _store.DaysAsync(_ct).ToListAsync(_ct);

        Assert.Equal([Day.AddDays(-1), Day], days);
    }

    [Fact]
    public async Task Open_OfAMissingRecord_ReturnsNull()
    {
        Assert.Null(await _store.OpenAsync(Day, "nothing/here.json", _ct));
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a//b.json")]
    [InlineData("/rooted.json")]
    [InlineData("a/./b.json")]
    public async Task Write_RefusesANameThatIsNotAPlainRelativePath(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.WriteAsync(Record(name, "{}"), _ct));
    }

    [Fact]
    public async Task WriteSeal_SealsADayOnce_ASecondSealIsRefusedAndTheFirstStays()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);
        var first = ArchiveSeal.Seal(Day, _key, [("a.json", "1"u8.ToArray())]);
        var second = ArchiveSeal.Seal(Day, _key, [("a.json", "1"u8.ToArray()), ("b.json", "2"u8.ToArray())]);

        Assert.True(await _store.WriteSealAsync(first, _ct));
        Assert.False(await _store.WriteSealAsync(second, _ct));

        var seal = (await _store.ReadSealAsync(Day, _ct))!;
        Assert.Equal(first.ManifestJson, seal[ArchiveFormat.ManifestPath]);
        Assert.Equal(first.Signature, seal[ArchiveFormat.SignaturePath]);
        Assert.Equal(first.PublicKeyPem, Encoding.UTF8.GetString(seal[ArchiveFormat.KeyPath(_key.KeyId)]));
        Assert.Equal(3, seal.Count);
    }

    [Fact]
    public async Task WriteSeal_AfterASealerDiedBetweenManifestAndSignature_CompletesTheSeal()
    {
        var seal = ArchiveSeal.Seal(Day, _key, [("a.json", "1"u8.ToArray())]);
        await _container.GetBlobClient("2026-11-24/seal/manifest.json").UploadAsync(BinaryData.FromBytes(seal.ManifestJson), _ct);
        Assert.False((await _store.ReadSealAsync(Day, _ct))!.ContainsKey(ArchiveFormat.SignaturePath));

        Assert.True(await _store.WriteSealAsync(seal, _ct));

        var files = (await _store.ReadSealAsync(Day, _ct))!;
        Assert.True(ArchiveSignature.Verify(files[ArchiveFormat.ManifestPath], files[ArchiveFormat.SignaturePath], _key.ExportPublicKeyPem()));
    }

    [Fact]
    public async Task ReadSeal_OfAnUnsealedDay_IsNull()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);

        Assert.Null(await _store.ReadSealAsync(Day, _ct));
    }

    [Fact]
    public async Task ADaySealedOnBlobStorage_DownloadsAsABundleThatVerifiesOffline()
    {
        await _store.WriteAsync(Record("inbound/oms/T-1/v1.json", """{"tradeId":"T-1"}"""), _ct);
        await _store.WriteAsync(Record("outbound/replies/T-1/v1.json", """{"outcome":"Accepted"}"""), _ct);
        await _store.WriteAsync(Record("state/trades/T-1/v1.json", """{"state":"Captured"}"""), _ct);
        var sealedDay = await Sealer().SealAsync(Day, _ct);
        using var zip = new MemoryStream();

        await Sealer().WriteBundleAsync(Day, zip, _ct);

        var result = ArchiveVerifier.Verify(ZipArchiveBundle.Open(zip.ToArray()), [_key.ExportPublicKeyPem()]);
        Assert.True(result.IsIntact, string.Join("; ", result.Findings));
        Assert.True(result.SignedByTrustedKey);
        Assert.Equal(3, result.Manifest!.Records.Count);
        Assert.Equal(sealedDay.Manifest.ChainHead, result.Manifest.ChainHead);
    }

    [Fact]
    public async Task ABlobChangedBehindTheStoresBackAfterSealing_IsNamedByTheVerifier()
    {
        await _store.WriteAsync(Record("state/trades/T-1/v1.json", """{"state":"Captured"}"""), _ct);
        await Sealer().SealAsync(Day, _ct);
        // Azurite has no immutability policy; in Azure the container's retention refuses this overwrite.
        await _container.GetBlobClient("2026-11-24/records/state/trades/T-1/v1.json").UploadAsync(BinaryData.FromString("""{"state":"Settled"}"""), overwrite: true, _ct);
        using var zip = new MemoryStream();

        await Sealer().WriteBundleAsync(Day, zip, _ct);

        var finding = Assert.Single(ArchiveVerifier.Verify(ZipArchiveBundle.Open(zip.ToArray()), [_key.ExportPublicKeyPem()]).Findings);
        Assert.Equal(VerificationProblem.RecordAltered, finding.Problem);
        Assert.Equal("state/trades/T-1/v1.json", finding.Subject);
    }

    [Fact]
    public async Task PublishedBundle_IsOneBlobThatVerifies_AndPublishingAgainKeepsIt()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);
        await Sealer().SealAsync(Day, _ct);
        var publisher = new BlobBundlePublisher(_container, Sealer());

        var name = await publisher.PublishAsync(Day, _ct);
        var etag = (await _container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: _ct)).Value.ETag;
        var again = await publisher.PublishAsync(Day, _ct);

        Assert.Equal("2026-11-24/bundle/2026-11-24.zip", name);
        Assert.Equal(name, again);
        Assert.Equal(etag, (await _container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: _ct)).Value.ETag);
        var bytes = (await _container.GetBlobClient(name).DownloadContentAsync(_ct)).Value.Content.ToArray();
        Assert.True(ArchiveVerifier.Verify(ZipArchiveBundle.Open(bytes), [_key.ExportPublicKeyPem()]).IsIntact);
        Assert.DoesNotContain(await _store.ListAsync(Day, _ct).ToListAsync(_ct), r => r.Name.Contains("bundle", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publishing_AnUnsealedDay_IsRefused_AndLeavesNoBlob()
    {
        await _store.WriteAsync(Record("a.json", "1"), _ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => new BlobBundlePublisher(_container, Sealer()).PublishAsync(Day, _ct));

        Assert.False((await _container.GetBlobClient(BlobArchiveStore.BundleBlobName(Day)).ExistsAsync(_ct)).Value);
    }
}
