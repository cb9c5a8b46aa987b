using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>The trade store contract against the Cosmos stand-in with the real SDK: a fresh trades container per test.</summary>
public sealed class CosmosTradeStoreTests(CaptureCosmosFixture fixture) : TradeStoreContract, IClassFixture<CaptureCosmosFixture>
{
    private Container? _container;

    protected override async Task<ITradeStore> CreateStoreAsync()
    {
        _container = await CreateTradesContainerAsync(fixture.Client, TestContext.Current.CancellationToken);
        return new CosmosTradeStore(_container);
    }

    internal static async Task<Container> CreateTradesContainerAsync(CosmosClient client, CancellationToken cancellationToken)
    {
        var database = (await client.CreateDatabaseIfNotExistsAsync($"capture-{Guid.NewGuid():N}", cancellationToken: cancellationToken)).Database;
        var definition = Entities.Containers.Trades;
        return (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: cancellationToken)).Container;
    }

    [Fact]
    public async Task Write_StoresOneCaptureDocumentInTheTradesPartition_WithEveryAmountAsAString()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await CreateStoreAsync();
        var document = PortSamples.BondDocument("T-shape", 1, Domain.Capture.LifecycleAction.New, Domain.Capture.TradeStatus.Live);

        await store.TryWriteAsync(document, null, ct);

        using var response = await _container!.ReadItemStreamAsync(CosmosTradeStore.CaptureDocumentId, new PartitionKey("T-shape"), cancellationToken: ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await JsonDocument.ParseAsync(response.Content, cancellationToken: ct);
        var root = json.RootElement;
        Assert.Equal("capture", root.GetProperty("id").GetString());
        Assert.Equal("T-shape", root.GetProperty("tradeId").GetString());
        var economics = root.GetProperty("state").GetProperty("economics");
        Assert.Equal("1223826714.43", economics.GetProperty("net").GetProperty("amount").GetString());
        Assert.Equal("99.123456789012345678", root.GetProperty("state").GetProperty("terms").GetProperty("price").GetString());

        // No amount, quantity, version or date goes through a double: the only number of ours is the layout version.
        Assert.Equal(JsonValueKind.Number, root.GetProperty("schemaVersion").ValueKind);
        Assert.DoesNotContain(
            new[] { "state", "outbox", "pendingArchive", "recentInboundMessageIds" }.SelectMany(p => Descendants(root.GetProperty(p))),
            e => e.ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task Get_IgnoresOtherStagesDocumentsInTheSamePartition()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await CreateStoreAsync();
        await _container!.CreateItemStreamAsync(
            new MemoryStream("""{"id":"settlement-state","tradeId":"T-shared","type":"Other","outbox":[]}"""u8.ToArray()), new PartitionKey("T-shared"), cancellationToken: ct);
        Assert.Null(await store.GetAsync("T-shared", ct));

        var written = await store.TryWriteAsync(PortSamples.Document("T-shared"), null, ct);

        Assert.True(written.Written);
        PortSamples.AssertSameContent(PortSamples.Document("T-shared"), (await store.GetAsync("T-shared", ct))!);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task TransientFailures_Throw_SoTheMessageIsRetried(HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = CosmosSerialization.Apply(LocalCosmos.ClientOptions(fixture.ConnectionString));
        options.MaxRetryAttemptsOnRateLimitedRequests = 0;
        var failing = new FailingHandler();
        options.CustomHandlers.Add(failing);
        using var client = new CosmosClient(fixture.ConnectionString, options);
        var container = await CreateTradesContainerAsync(client, ct);
        var store = new CosmosTradeStore(container);
        var created = await store.TryWriteAsync(PortSamples.Document("T-fail"), null, ct);

        failing.Status = status;

        var create = await Assert.ThrowsAsync<CosmosException>(() => store.TryWriteAsync(PortSamples.Document("T-fail-2"), null, ct));
        var replace = await Assert.ThrowsAsync<CosmosException>(() => store.TryWriteAsync(PortSamples.Document("T-fail"), created.ETag, ct));
        var read = await Assert.ThrowsAsync<CosmosException>(() => store.GetAsync("T-fail", ct));
        Assert.All(new[] { create, replace, read }, ex => Assert.Equal(status, ex.StatusCode));
    }

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children.SelectMany(Descendants))
        {
            yield return child;
        }
    }

    /// <summary>Answers document requests with a chosen status once armed, as a throttled or unavailable account would.</summary>
    private sealed class FailingHandler : RequestHandler
    {
        public HttpStatusCode? Status { get; set; }

        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken) =>
            Status is { } status && IsDocumentRequest(request)
                ? Task.FromResult(new ResponseMessage(status, request, "injected failure"))
                : base.SendAsync(request, cancellationToken);

        // Item operations address ".../colls/<container>/docs/<id>", except a create, which POSTs to the container itself.
        private static bool IsDocumentRequest(RequestMessage request) =>
            request.RequestUri.OriginalString.Contains("/colls/", StringComparison.Ordinal)
            && (request.RequestUri.OriginalString.Contains("/docs", StringComparison.Ordinal) || request.Method == HttpMethod.Post);
    }
}
