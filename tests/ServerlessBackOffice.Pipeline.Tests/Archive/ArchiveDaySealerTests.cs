using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Pipeline.Tests.Archive;

/// <summary>Write-once archiving, sealing a day, and the bundle an auditor downloads and verifies offline.</summary>
public sealed class ArchiveDaySealerTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private readonly InMemoryArchiveStore _store = new();

    public void Dispose() => _key.Dispose();

    private ArchiveDaySealer Sealer() => new(_store, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);

    private static ArchiveRecord Record(string name, string content) => new(Day, name, Encoding.UTF8.GetBytes(content), "application/json");

    private async Task ArchiveSampleDayAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await _store.WriteAsync(Record("inbound/oms/T-1/v1.json", """{"tradeId":"T-1"}"""), ct);
        await _store.WriteAsync(Record("outbound/replies/T-1/v1.json", """{"outcome":"Accepted"}"""), ct);
        await _store.WriteAsync(Record("state/trades/T-1/v1.json", """{"state":"Captured"}"""), ct);
    }

    [Fact]
    public async Task Write_IsOnceOnly_SameBytesAreANoOpAndDifferentBytesAConflict()
    {
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(ArchiveWriteResult.Written, await _store.WriteAsync(Record("a.json", "1"), ct));
        Assert.Equal(ArchiveWriteResult.AlreadyArchived, await _store.WriteAsync(Record("a.json", "1"), ct));
        Assert.Equal(ArchiveWriteResult.Conflict, await _store.WriteAsync(Record("a.json", "2"), ct));

        await using var stored = (await _store.OpenAsync(Day, "a.json", ct))!;
        Assert.Equal("1", await new StreamReader(stored).ReadToEndAsync(ct));
    }

    [Fact]
    public async Task Bundle_OfASealedDay_VerifiesOfflineWithTheTrustedKey()
    {
        await ArchiveSampleDayAsync();
        var seal = await Sealer().SealAsync(Day, TestContext.Current.CancellationToken);
        using var zipBytes = new MemoryStream();

        await Sealer().WriteBundleAsync(Day, zipBytes, TestContext.Current.CancellationToken);

        var result = ArchiveVerifier.Verify(ZipArchiveBundle.Open(zipBytes.ToArray()), [_key.ExportPublicKeyPem()]);
        Assert.True(result.IsIntact, string.Join("; ", result.Findings));
        Assert.True(result.SignedByTrustedKey);
        Assert.Equal(3, result.Manifest!.Records.Count);
        Assert.Equal(seal.Manifest.ChainHead, result.Manifest.ChainHead);
    }

    [Fact]
    public async Task Sealing_Again_ReturnsTheSameSealAndNeverRewritesIt()
    {
        await ArchiveSampleDayAsync();
        var first = await Sealer().SealAsync(Day, TestContext.Current.CancellationToken);
        await _store.WriteAsync(Record("late/record.json", "{}"), TestContext.Current.CancellationToken);

        var second = await Sealer().SealAsync(Day, TestContext.Current.CancellationToken);

        Assert.Equal(first.ManifestJson, second.ManifestJson);
        Assert.Equal(first.Signature, second.Signature);
    }

    [Fact]
    public async Task Sealing_ASealedDay_ReadsItsSealWithoutListingTheDay()
    {
        var ct = TestContext.Current.CancellationToken;
        await ArchiveSampleDayAsync();
        var first = await Sealer().SealAsync(Day, ct);
        var store = new Mock<IArchiveStore>(MockBehavior.Strict);
        store.Setup(s => s.ReadSealAsync(Day, It.IsAny<CancellationToken>())).Returns(() => _store.ReadSealAsync(Day, ct));

        var again = await new ArchiveDaySealer(store.Object, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance).SealAsync(Day, ct);

        // Strict: listing the day (a 120,000-record day takes 30 s on Azurite) or writing a seal would throw.
        Assert.Equal(first.ManifestJson, again.ManifestJson);
        Assert.Equal(first.Signature, again.Signature);
        store.Verify(s => s.ReadSealAsync(Day, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Listing_WithAPrefix_ListsOnlyThoseNamesInOrder_WithTheirHashes()
    {
        var ct = TestContext.Current.CancellationToken;
        await ArchiveSampleDayAsync();
        await _store.WriteAsync(Record("inbound/oms/T-2/v1.json", "{}"), ct);
        IArchiveStore store = _store;

        var all = await store.ListAsync(Day, ct).ToListAsync(ct);
        var inbound = await store.ListAsync(Day, "inbound/", ct).ToListAsync(ct);

        Assert.Equal(["inbound/oms/T-1/v1.json", "inbound/oms/T-2/v1.json"], inbound.Select(r => r.Name));
        Assert.Equal(all.Where(r => r.Name.StartsWith("inbound/", StringComparison.Ordinal)).Select(r => Convert.ToHexString(r.Sha256)), inbound.Select(r => Convert.ToHexString(r.Sha256)));
        Assert.Empty(await store.ListAsync(Day, "nothing/", ct).ToListAsync(ct));
        Assert.Equal(all.Count, (await store.ListAsync(Day, string.Empty, ct).ToListAsync(ct)).Count);
    }

    [Fact]
    public async Task Bundle_WhenARecordWasChangedBehindTheStoresBack_FailsVerificationNamingIt()
    {
        await ArchiveSampleDayAsync();
        await Sealer().SealAsync(Day, TestContext.Current.CancellationToken);
        _store.TamperForTest(Day, "state/trades/T-1/v1.json", """{"state":"Settled"}""");
        using var zipBytes = new MemoryStream();

        await Sealer().WriteBundleAsync(Day, zipBytes, TestContext.Current.CancellationToken);

        var finding = Assert.Single(ArchiveVerifier.Verify(ZipArchiveBundle.Open(zipBytes.ToArray()), [_key.ExportPublicKeyPem()]).Findings);
        Assert.Equal(VerificationProblem.RecordAltered, finding.Problem);
        Assert.Equal("state/trades/T-1/v1.json", finding.Subject);
    }

    [Fact]
    public async Task Bundle_OfAnUnsealedDay_IsRefused()
    {
        await ArchiveSampleDayAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Sealer().WriteBundleAsync(Day, new MemoryStream(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Bundle_IsByteForByteTheSameEachTime()
    {
        await ArchiveSampleDayAsync();
        await Sealer().SealAsync(Day, TestContext.Current.CancellationToken);
        using var first = new MemoryStream();
        using var second = new MemoryStream();

        await Sealer().WriteBundleAsync(Day, first, TestContext.Current.CancellationToken);
        await Sealer().WriteBundleAsync(Day, second, TestContext.Current.CancellationToken);

        Assert.Equal(first.ToArray(), second.ToArray());
    }


    [Fact]
    public async Task Bundle_ReadsRecordsAheadInABoundedWindow_AndStreamsARecordLargerThanIt()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 200; i++)
        {
            await _store.WriteAsync(Record($"inbound/oms/T-{i:D4}.json", $$"""{"tradeId":"T-{{i}}"}"""), ct);
        }

        var large = new byte[(int)ArchiveDaySealer.ReadAheadBytes + 1];
        new Random(7).NextBytes(large);
        await _store.WriteAsync(new ArchiveRecord(Day, "inbound/oms/T-0100-large.bin", large, "application/octet-stream"), ct);
        var slow = new SlowStore(_store);
        var sealer = new ArchiveDaySealer(slow, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);
        await sealer.SealAsync(Day, ct);
        using var zipBytes = new MemoryStream();

        await sealer.WriteBundleAsync(Day, zipBytes, ct);

        var result = ArchiveVerifier.Verify(ZipArchiveBundle.Open(zipBytes.ToArray()), [_key.ExportPublicKeyPem()]);
        Assert.True(result.IsIntact, string.Join("; ", result.Findings));
        Assert.Equal(201, result.Manifest!.Records.Count);
        Assert.InRange(slow.MostOpenAtOnce, 2, ArchiveDaySealer.ReadAheadRecords);
        Assert.Equal(201, slow.Opened);

        // The same bytes as a bundle written from a store that answers at once.
        using var direct = new MemoryStream();
        await Sealer().WriteBundleAsync(Day, direct, ct);
        Assert.Equal(direct.ToArray(), zipBytes.ToArray());
    }

    [Fact]
    public async Task Bundle_WhenASealedRecordIsMissing_IsRefusedNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await ArchiveSampleDayAsync();
        await Sealer().SealAsync(Day, ct);
        var missing = new SlowStore(_store, hidden: "outbound/replies/T-1/v1.json");
        var sealer = new ArchiveDaySealer(missing, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => sealer.WriteBundleAsync(Day, new MemoryStream(), ct));

        Assert.Contains("outbound/replies/T-1/v1.json", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The in-memory store answering each open after a millisecond, counting the opens in flight at once.</summary>
    private sealed class SlowStore(InMemoryArchiveStore inner, string? hidden = null) : IArchiveStore
    {
        private int _open;

        public int MostOpenAtOnce { get; private set; }

        public int Opened { get; private set; }

        public async Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
        {
            lock (this)
            {
                _open++;
                Opened++;
                MostOpenAtOnce = Math.Max(MostOpenAtOnce, _open);
            }

            try
            {
                await Task.Delay(1, cancellationToken);
                return name == hidden ? null : await inner.OpenAsync(businessDate, name, cancellationToken);
            }
            finally
            {
                lock (this)
                {
                    _open--;
                }
            }
        }

        public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken) => inner.WriteAsync(record, cancellationToken);

        public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) => inner.ListAsync(businessDate, cancellationToken);

        public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken) => inner.WriteSealAsync(seal, cancellationToken);

        public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken) => inner.ReadSealAsync(businessDate, cancellationToken);

        public IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken) => inner.DaysAsync(cancellationToken);
    }
}
