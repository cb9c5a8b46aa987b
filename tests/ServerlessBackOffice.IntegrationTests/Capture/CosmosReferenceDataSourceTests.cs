using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// Reference data in Cosmos with the real SDK against the stand-in: <see cref="ReferenceDataLoader"/> writes a set, and
/// <see cref="CosmosReferenceDataSource"/> serves it from memory, refreshing after its expiry on a fake clock.
/// </summary>
public sealed class CosmosReferenceDataSourceTests(CaptureCosmosFixture fixture) : IClassFixture<CaptureCosmosFixture>
{
    private const string AppleIsin = "US0378331005";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 16, 0, 0, TimeSpan.Zero);
    private static readonly ReferenceDataSet Sample = ReferenceDataJson.LoadEmbedded();

    private readonly FakeTimeProvider _clock = new(Now);

    internal static async Task<Container> CreateReferenceDataContainerAsync(CosmosClient client, CancellationToken cancellationToken)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync($"refdata-{Guid.NewGuid():N}", cancellationToken: cancellationToken)).Database;
        var definition = Entities.Containers.ReferenceData;
        return (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: cancellationToken)).Container;
    }

    private CosmosReferenceDataSource Source(Container container, TimeSpan? expiry = null) => new(
        container, _clock, new ReferenceDataCacheOptions { Expiry = expiry ?? TimeSpan.FromMinutes(5) }, NullLogger<CosmosReferenceDataSource>.Instance);

    /// <summary>The sample set with one security renamed: one changed row, so one new document.</summary>
    private static ReferenceDataSet WithRenamedSecurity(ReferenceDataSet set, string isin, string name) => Rebuild(
        set, set.Securities.Values.Select(s => s.Isin == isin ? s with { Name = name } : s));

    private static ReferenceDataSet Without(ReferenceDataSet set, string isin) => Rebuild(set, set.Securities.Values.Where(s => s.Isin != isin));

    private static ReferenceDataSet Rebuild(ReferenceDataSet set, IEnumerable<Security> securities) => new(
        securities, set.Counterparties.Values, set.Custodians.Values, set.Books.Values, set.Accounts.Values, set.CommissionSchedules.Values,
        set.FeeRules, set.FxRates, set.CalendarDefinitions.Values, set.SettlementConventions.Values);

    private static async Task<List<JsonElement>> PartitionAsync(Container container, string kind, CancellationToken cancellationToken)
    {
        var documents = new List<JsonElement>();
        using var iterator = container.GetItemQueryIterator<JsonElement>("SELECT * FROM c", requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(kind) });
        while (iterator.HasMoreResults)
        {
            documents.AddRange(await iterator.ReadNextAsync(cancellationToken));
        }

        return documents;
    }

    [Fact]
    public async Task Load_ThenRead_ServesExactlyTheLoadedSet()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);

        var loaded = await new ReferenceDataLoader(container, _clock).LoadAsync(Sample, ct);
        var source = Source(container);
        var read = await source.GetCurrentAsync(ct);

        Assert.True(loaded.Activated);
        Assert.Equal(loaded.Version, source.CurrentVersion);

        // The version is a hash of every row's content: the set read back re-encodes to the very same documents.
        Assert.Equal(loaded.Version, ReferenceDataRows.From(read).Manifest.Version);
        Assert.Equal(Sample.Securities.Count, read.Securities.Count);
        Assert.Equal(Sample.FxRates, read.FxRates);
        Assert.Equal(Sample.Securities[AppleIsin], read.Securities[AppleIsin]);
        Assert.Empty(read.Problems());
    }

    [Fact]
    public async Task Load_StoresOneDocumentPerEntity_InThePartitionOfItsKind_WithNumbersAsStrings()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);

        await new ReferenceDataLoader(container, _clock).LoadAsync(Sample, ct);

        var securities = await PartitionAsync(container, ReferenceDataKinds.Security, ct);
        Assert.Equal(Sample.Securities.Count, securities.Count);
        Assert.Equal(Sample.Counterparties.Count, (await PartitionAsync(container, ReferenceDataKinds.Counterparty, ct)).Count);
        Assert.Equal(Sample.FxRates.Count, (await PartitionAsync(container, ReferenceDataKinds.FxRate, ct)).Count);
        var apple = securities.Single(d => d.GetProperty("key").GetString() == AppleIsin);
        Assert.StartsWith(AppleIsin + ".", apple.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, apple.GetProperty("data").GetProperty("priceFactor").ValueKind);

        // Manifest and activation list share the small manifest partition.
        Assert.Equal(2, (await PartitionAsync(container, ReferenceDataKinds.Manifest, ct)).Count);
    }

    [Fact]
    public async Task Reload_OfTheSameSet_WritesNothing_AndKeepsOneActivation()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        var loader = new ReferenceDataLoader(container, _clock);

        var first = await loader.LoadAsync(Sample, ct);
        _clock.Advance(TimeSpan.FromHours(1));
        var again = await loader.LoadAsync(ReferenceDataJson.LoadEmbedded(), ct);

        Assert.Equal(first.Version, again.Version);
        Assert.False(again.Activated);
        var (activations, _) = await loader.ReadActivationsAsync(ct);
        Assert.Single(activations.Activations);
        Assert.Equal(Sample.Securities.Count, (await PartitionAsync(container, ReferenceDataKinds.Security, ct)).Count);
    }

    [Fact]
    public async Task NewVersion_AddsOnlyTheChangedRow_AndNeverOverwritesTheOldOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        var loader = new ReferenceDataLoader(container, _clock);

        var first = await loader.LoadAsync(Sample, ct);
        var second = await loader.LoadAsync(WithRenamedSecurity(Sample, AppleIsin, "Apple Inc. (renamed)"), ct);

        Assert.NotEqual(first.Version, second.Version);
        var securities = await PartitionAsync(container, ReferenceDataKinds.Security, ct);
        Assert.Equal(Sample.Securities.Count + 1, securities.Count);
        Assert.Equal(2, securities.Count(d => d.GetProperty("key").GetString() == AppleIsin));
    }

    [Fact]
    public async Task Cache_ServesTheSnapshotWithoutRequests_ThenRefreshesInTheBackgroundAfterItsExpiry()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counter = new CountedCosmosClient(fixture.ConnectionString);
        var client = counter.Client;
        var container = await CreateReferenceDataContainerAsync(client, ct);
        var loader = new ReferenceDataLoader(container, _clock);
        await loader.LoadAsync(Sample, ct);
        var source = Source(container, TimeSpan.FromMinutes(5));
        var original = await source.GetCurrentAsync(ct);

        var renamed = await loader.LoadAsync(WithRenamedSecurity(Sample, AppleIsin, "Apple Inc. (renamed)"), ct);
        counter.Reset();
        _clock.Advance(TimeSpan.FromMinutes(4));
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(original, await source.GetCurrentAsync(ct));
        }

        Assert.Equal(0, counter.Total);

        // Past the expiry the caller still gets the old snapshot at once; the refresh runs beside it.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Same(original, await source.GetCurrentAsync(ct));
        await source.PendingRefresh.WaitAsync(ct);
        var refreshed = await source.GetCurrentAsync(ct);

        Assert.Equal(renamed.Version, source.CurrentVersion);
        Assert.Equal("Apple Inc. (renamed)", refreshed.Securities[AppleIsin].Name);

        // The activation list, the new manifest and the one changed row: everything else came from the cache.
        Assert.Equal((3, 0), (counter.Reads, counter.Writes));
    }

    [Fact]
    public async Task Cache_WhenNothingChanged_ARefreshCostsOnePointRead()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counter = new CountedCosmosClient(fixture.ConnectionString);
        var client = counter.Client;
        var container = await CreateReferenceDataContainerAsync(client, ct);
        await new ReferenceDataLoader(container, _clock).LoadAsync(Sample, ct);
        var source = Source(container, TimeSpan.FromMinutes(5));
        var snapshot = await source.GetCurrentAsync(ct);

        counter.Reset();
        _clock.Advance(TimeSpan.FromMinutes(6));
        await source.GetCurrentAsync(ct);
        await source.PendingRefresh.WaitAsync(ct);

        Assert.Same(snapshot, await source.GetCurrentAsync(ct));
        Assert.Equal((1, 0), (counter.Reads, counter.Writes));
    }

    [Fact]
    public async Task PreloadedSet_ComesIntoForceAtItsEffectiveInstant_EvenBeforeTheCacheExpires()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        var loader = new ReferenceDataLoader(container, _clock);
        var today = await loader.LoadAsync(Sample, ct);
        var tomorrow = await loader.LoadAsync(WithRenamedSecurity(Sample, AppleIsin, "Apple Inc. (tomorrow)"), Now.AddMinutes(2), ct);
        var source = Source(container, TimeSpan.FromMinutes(5));

        Assert.Equal(Sample.Securities[AppleIsin].Name, (await source.GetCurrentAsync(ct)).Securities[AppleIsin].Name);
        Assert.Equal(today.Version, source.CurrentVersion);

        _clock.Advance(TimeSpan.FromMinutes(2));
        await source.GetCurrentAsync(ct);
        await source.PendingRefresh.WaitAsync(ct);

        Assert.Equal(tomorrow.Version, source.CurrentVersion);
        Assert.Equal("Apple Inc. (tomorrow)", (await source.GetCurrentAsync(ct)).Securities[AppleIsin].Name);
    }

    [Fact]
    public async Task WhenARefreshFails_TheLastSnapshotStaysInService()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        var loader = new ReferenceDataLoader(container, _clock);
        var loaded = await loader.LoadAsync(Sample, ct);
        var source = Source(container, TimeSpan.FromMinutes(5));
        var snapshot = await source.GetCurrentAsync(ct);

        // An activation of a version whose manifest was never written: a refresh cannot build it.
        var (activations, etag) = await loader.ReadActivationsAsync(ct);
        var broken = activations with { Activations = [.. activations.Activations, new ReferenceDataActivation("0000000000000000", Now, Now)] };
        using (var response = await container.ReplaceItemStreamAsync(
            new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(broken, Azure.CosmosSerialization.Options)), ReferenceDataActivations.DocumentId,
            new PartitionKey(ReferenceDataKinds.Manifest), new ItemRequestOptions { IfMatchEtag = etag }, ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Same(snapshot, await source.GetCurrentAsync(ct));
        await source.PendingRefresh.WaitAsync(ct);

        Assert.Same(snapshot, await source.GetCurrentAsync(ct));
        Assert.Equal(loaded.Version, source.CurrentVersion);
        await Assert.ThrowsAsync<InvalidDataException>(() => source.RefreshAsync(ct));
    }

    [Fact]
    public async Task BeforeAnySetIsLoaded_ReadingThrows_SoTheMessageIsRetriedNotRejected()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await Source(container).GetCurrentAsync(ct));

        Assert.Contains("load-reference-data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capture_WhenTheInstrumentIsNotInTheSet_RejectsWithUnknownInstrument()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        await new ReferenceDataLoader(container, _clock).LoadAsync(Without(Sample, AppleIsin), ct);
        var handler = new CaptureHandler(
            new InMemoryTradeStore(), Source(container), new InMemoryMessagePublisher(), new InMemoryCaptureArchive(), _clock,
            CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);

        var result = await handler.HandleAsync(CaptureCosmosRequestTests.Oms("T-apple", 1, "new", "100", "M-apple"), ct);

        Assert.Equal((CaptureOutcomeKind.Rejected, ReasonCode.UnknownInstrument), (result.Outcome, result.ReasonCode));
    }

    [Fact]
    public async Task Load_RefusesASetWithIntegrityProblems()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CreateReferenceDataContainerAsync(fixture.Client, ct);
        var bad = Rebuild(Sample, Sample.Securities.Values.Select(s => s.Isin == AppleIsin ? s with { SettlementConventionId = "NOWHERE" } : s));

        await Assert.ThrowsAsync<InvalidDataException>(() => new ReferenceDataLoader(container, _clock).LoadAsync(bad, ct));

        Assert.Empty(await PartitionAsync(container, ReferenceDataKinds.Security, ct));
    }

    [Fact]
    public void Rows_RoundTripEveryEntityOfTheSample()
    {
        var (rows, manifest) = ReferenceDataRows.From(Sample);
        var entities = rows.ToDictionary(r => r.Id, r => ReferenceDataRows.Entity(
            JsonSerializer.Deserialize<ReferenceDataRow>(JsonSerializer.Serialize(r, Azure.CosmosSerialization.Options), Azure.CosmosSerialization.Options)!));

        var set = ReferenceDataRows.ToSet(manifest, entities);

        Assert.Equal(manifest.Version, ReferenceDataRows.From(set).Manifest.Version);
        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(Sample.FeeRules, ReferenceDataRows.DataOptions)),
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(set.FeeRules, ReferenceDataRows.DataOptions)));
    }
}
