using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Compliance;

/// <summary>
/// The compliance store contract against the Cosmos stand-in with the real SDK: the alerts container with its
/// /partitionKey path, windows replaced with If-Match, alerts created once.
/// </summary>
public sealed class CosmosComplianceStoreTests(CosmosStandInFixture fixture) : ComplianceStoreContract, IClassFixture<CosmosStandInFixture>
{
    private Container? _container;

    protected override async Task<IComplianceStore> CreateStoreAsync()
    {
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"surveillance-{Guid.NewGuid():N}", cancellationToken: TestContext.Current.CancellationToken)).Database;
        var definition = Entities.Containers.Alerts;
        _container = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: TestContext.Current.CancellationToken)).Container;
        return new CosmosComplianceStore(_container);
    }

    [Fact]
    public async Task Window_IsOneDocumentInItsOwnPartitionWithNumbersAsStrings()
    {
        var kit = new ComplianceKit(await CreateStoreAsync());

        await kit.HandleAsync(ComplianceEvents.Event("T-1", quantity: 1234.5678m, price: 100.125m));

        using var raw = await _container!.ReadItemStreamAsync("window", new PartitionKey($"window:{ComplianceEvents.Isin}:ACC-US-003"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(raw.IsSuccessStatusCode);
        using var reader = new StreamReader(raw.Content);
        var json = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"quantity\":\"1234.5678\"", json, StringComparison.Ordinal);
        Assert.Contains("\"price\":\"100.125\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_IsADocumentInItsOwnPartition()
    {
        var kit = new ComplianceKit(await CreateStoreAsync());

        var alertId = Assert.Single((await kit.HandleAsync(ComplianceEvents.Event("T-1", quantity: 60_000m))).AlertIds);

        using var raw = await _container!.ReadItemStreamAsync(alertId, new PartitionKey($"alert:{alertId}"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(raw.IsSuccessStatusCode);
    }
}
