using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>Provisioning creates exactly what the topology declares.</summary>
public sealed class ProvisioningTests
{
    private readonly StandInsFixture standIns;
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    public ProvisioningTests(StandInsFixture standIns)
    {
        this.standIns = standIns;
    }

    [Fact]
    public async Task ProvisionCosmos_CreatesEveryTopologyContainerWithItsPartitionKey()
    {
        var topology = TopologyDocument.Default;
        using var client = LocalCosmos.CreateClient(standIns.CosmosConnectionString);
        var databaseName = $"provisioning-{Guid.NewGuid():N}";
        try
        {
            var database = await StandInProvisioning.ProvisionCosmosAsync(client, topology, databaseName, ct);
            // Idempotent: a second run changes nothing and does not fail.
            await StandInProvisioning.ProvisionCosmosAsync(client, topology, databaseName, ct);

            foreach (var expected in topology.Cosmos.Containers)
            {
                var properties = (await database.GetContainer(expected.Name).ReadContainerAsync(cancellationToken: ct)).Resource;
                Assert.Equal(expected.PartitionKeyPath, properties.PartitionKeyPath);
                Assert.Equal(expected.DefaultTimeToLiveSeconds, properties.DefaultTimeToLive);
            }
        }
        finally
        {
            await StandInProvisioning.DeleteDatabaseIfExistsAsync(client, databaseName, CancellationToken.None);
        }
    }

    [Fact]
    public async Task ProvisionBlob_CreatesEveryTopologyContainer()
    {
        var topology = TopologyDocument.Default;
        var service = standIns.StandIns.CreateBlobServiceClient();
        var prefix = $"p{Guid.NewGuid():N}"[..12] + "-";

        var containers = await StandInProvisioning.ProvisionBlobAsync(service, topology, prefix, ct);

        Assert.Equal(topology.Blob.Containers.Select(c => prefix + c.Name), containers.Select(c => c.Name));
        foreach (var container in containers)
        {
            Assert.True((await container.ExistsAsync(ct)).Value);
            await container.DeleteAsync(cancellationToken: CancellationToken.None);
        }
    }
}
