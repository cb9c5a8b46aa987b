using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Confirmation;

/// <summary>
/// The confirmation store contract against the Cosmos stand-in with the real SDK: the trades container, one document per
/// trade partition, If-Match replaces, and the cut-off query across partitions.
/// </summary>
public sealed class CosmosConfirmationStoreTests(CosmosStandInFixture fixture) : ConfirmationStoreContract, IClassFixture<CosmosStandInFixture>
{
    private Container? _container;

    protected override async Task<IConfirmationStore> CreateStoreAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"confirm-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        var definition = Entities.Containers.Trades;
        _container = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: ct)).Container;
        return new CosmosConfirmationStore(_container);
    }

    [Fact]
    public async Task Document_LivesInTheTradesPartitionBesideTheCaptureDocument()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await CreateStoreAsync();
        await _container!.CreateItemAsync(new { id = "capture", tradeId = "T-side", type = "TradeState" }, new PartitionKey("T-side"), cancellationToken: ct);

        var written = await store.TryWriteAsync(ConfirmationSamples.Confirmed("T-side"), null, ct);

        Assert.True(written.Written);
        var raw = await _container.ReadItemAsync<System.Text.Json.JsonElement>(CosmosConfirmationStore.DocumentId, new PartitionKey("T-side"), cancellationToken: ct);
        Assert.Equal("T-side", raw.Resource.GetProperty("tradeId").GetString());
        Assert.Equal("2026-11-25T02:00:00.0000000Z", raw.Resource.GetProperty("cutoffAt").GetString());
        Assert.True(raw.Resource.GetProperty("awaitingCutoffReport").GetBoolean());
        Assert.Equal("capture", (await _container.ReadItemAsync<System.Text.Json.JsonElement>("capture", new PartitionKey("T-side"), cancellationToken: ct)).Resource.GetProperty("id").GetString());
    }
}
