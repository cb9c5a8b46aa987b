using System.Text.Json;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure.Reconciliation;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Reconciliation;

/// <summary>
/// The reconciliation store contract against the Cosmos stand-in with the real SDK: the reconciliation-breaks container,
/// one document per account and kind in the account's partition, If-Match replaces, and the listing across partitions.
/// </summary>
public sealed class CosmosReconciliationStoreTests(CosmosStandInFixture fixture) : ReconciliationStoreContract, IClassFixture<CosmosStandInFixture>
{
    private Container? _container;

    protected override async Task<IReconciliationStore> CreateStoreAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"recon-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        var definition = Entities.Containers.ReconciliationBreaks;
        _container = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: ct)).Container;
        return new CosmosReconciliationStore(_container);
    }

    [Fact]
    public async Task Document_KeepsAmountsAsStrings_InTheAccountsPartition()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await CreateStoreAsync();

        await store.TryWriteAsync(Sample("ACC-raw"), null, ct);

        var raw = (await _container!.ReadItemAsync<JsonElement>(nameof(HoldingKind.Securities), new PartitionKey("ACC-raw"), cancellationToken: ct)).Resource;
        Assert.Equal("ACC-raw", raw.GetProperty("account").GetString());
        Assert.Equal(1, raw.GetProperty("openBreaks").GetInt32());
        var first = raw.GetProperty("breaks")[0];
        Assert.Equal(JsonValueKind.String, first.GetProperty("ours").ValueKind);
        Assert.Equal("12345678901234.123456", first.GetProperty("ours").GetString());
    }
}
