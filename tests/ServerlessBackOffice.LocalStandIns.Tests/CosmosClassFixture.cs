using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>
/// One database per test class (so classes never see each other's items), with an item container partitioned on
/// /pk, a TTL container and a lease container; deleted when the class's tests end.
/// </summary>
public sealed class CosmosClassFixture : IAsyncLifetime
{
    private readonly StandInsFixture standIns;

    public CosmosClassFixture(StandInsFixture standIns)
    {
        this.standIns = standIns;
    }

    public CosmosClient Client { get; private set; } = null!;

    public CosmosClient BulkClient { get; private set; } = null!;

    public Database Database { get; private set; } = null!;

    public Container Items { get; private set; } = null!;

    public Container Leases { get; private set; } = null!;

    public string Target => standIns.CosmosTarget;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Client = LocalCosmos.CreateClient(standIns.CosmosConnectionString);
        BulkClient = LocalCosmos.CreateClient(standIns.CosmosConnectionString, allowBulkExecution: true);
        Database = (await Client.CreateDatabaseIfNotExistsAsync($"conformance-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        Items = (await Database.CreateContainerIfNotExistsAsync(new ContainerProperties("items", "/pk"), cancellationToken: ct)).Container;
        Leases = (await Database.CreateContainerIfNotExistsAsync(new ContainerProperties("leases", "/id"), cancellationToken: ct)).Container;
    }

    /// <summary>A fresh container for tests that need an empty one (change feed, TTL).</summary>
    public async Task<Container> NewContainerAsync(string prefix, int? defaultTimeToLive, CancellationToken cancellationToken)
    {
        var properties = new ContainerProperties($"{prefix}-{Guid.NewGuid():N}", "/pk") { DefaultTimeToLive = defaultTimeToLive };
        return (await Database.CreateContainerAsync(properties, cancellationToken: cancellationToken)).Container;
    }

    public async ValueTask DisposeAsync()
    {
        if (Database is not null)
        {
            await StandInProvisioning.DeleteDatabaseIfExistsAsync(Client, Database.Id, CancellationToken.None);
        }

        Client?.Dispose();
        BulkClient?.Dispose();
    }
}
