using System.Net;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// Point reads that may miss, against the Cosmos stand-in with the real SDK: a missing document is a null without any
/// exception being thrown (a day run's per-trade reads miss hundreds of times a second), a present one comes back through
/// the client's serializer with its ETag, and any other failure still throws the status the retry logic acts on.
/// </summary>
public sealed class CosmosPointReadsTests(CaptureCosmosFixture fixture) : IClassFixture<CaptureCosmosFixture>
{
    private static readonly AsyncLocal<bool> InThisTest = new();

    public sealed record Probe(string Id, string TradeId, decimal Amount);

    [Fact]
    public async Task AMissingDocument_IsNull_WithoutAnExceptionThrown_AndCountedAsAnswered404()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counted = new CountedCosmosClient(fixture.ConnectionString);
        var container = await CosmosTradeStoreTests.CreateTradesContainerAsync(counted.Client, ct);
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs args)
        {
            if (InThisTest.Value && args.Exception is CosmosException)
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            InThisTest.Value = true;
            for (var i = 0; i < 10; i++)
            {
                Assert.Null(await CosmosPointReads.TryReadAsync<Probe>(container, "absent", new PartitionKey($"T-{i}"), ct));
            }
        }
        finally
        {
            InThisTest.Value = false;
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, thrown);
        var rows = counted.Counter.ByContainer().Where(row => row.Container == container.Id).ToList();
        Assert.Contains((container.Id, "read", 10L), rows);
        Assert.Contains((container.Id, "read answered 404", 10L), rows);
    }

    [Fact]
    public async Task APresentDocument_ComesBackThroughTheClientsSerializer_WithItsETag()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = await CosmosTradeStoreTests.CreateTradesContainerAsync(fixture.Client, ct);
        var written = await container.CreateItemAsync(new Probe("state", "T-1", 1234.5600m), new PartitionKey("T-1"), cancellationToken: ct);

        var read = await CosmosPointReads.TryReadAsync<Probe>(container, "state", new PartitionKey("T-1"), ct);

        Assert.NotNull(read);
        Assert.Equal(new Probe("state", "T-1", 1234.5600m), read.Resource);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Null(await CosmosPointReads.TryReadAsync<Probe>(container, "state", new PartitionKey("T-2"), ct));
    }

    [Fact]
    public async Task AnyOtherFailure_StillThrowsItsStatus()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = CosmosSerialization.Apply(LocalCosmos.ClientOptions(fixture.ConnectionString));
        options.CustomHandlers.Add(new Unavailable());
        using var client = new CosmosClient(fixture.ConnectionString, options);
        var container = await CosmosTradeStoreTests.CreateTradesContainerAsync(client, ct);

        var failure = await Assert.ThrowsAsync<CosmosException>(() => CosmosPointReads.TryReadAsync<Probe>(container, "unavailable", new PartitionKey("T-1"), ct));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.StatusCode);
    }

    /// <summary>Answers 503 for the document named "unavailable", as a partition that is failing over would.</summary>
    private sealed class Unavailable : RequestHandler
    {
        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri.OriginalString.EndsWith("/docs/unavailable", StringComparison.Ordinal)
                ? Task.FromResult(new ResponseMessage(HttpStatusCode.ServiceUnavailable, request, "the partition is failing over"))
                : base.SendAsync(request, cancellationToken);
    }
}
