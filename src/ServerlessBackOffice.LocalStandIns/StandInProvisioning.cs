using System.Net;
using Azure.Storage.Blobs;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// Creates what the topology declares: the Cosmos database with every container (partition key path, default TTL)
/// and every blob container. Idempotent, so it can run before every local day run.
/// </summary>
public static class StandInProvisioning
{
    /// <summary>Creates the database (named <paramref name="databaseName"/>, or as in the topology) and its containers.</summary>
    public static async Task<Database> ProvisionCosmosAsync(
        CosmosClient client, TopologyDocument topology, string? databaseName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(topology);
        var response = await client.CreateDatabaseIfNotExistsAsync(
            databaseName ?? topology.Cosmos.Database.Name, cancellationToken: cancellationToken);
        var database = response.Database;
        foreach (var container in topology.Cosmos.Containers)
        {
            var properties = new ContainerProperties(container.Name, container.PartitionKeyPath)
            {
                DefaultTimeToLive = container.DefaultTimeToLiveSeconds,
            };
            await database.CreateContainerIfNotExistsAsync(properties, cancellationToken: cancellationToken);
        }

        return database;
    }

    /// <summary>Creates every blob container of the topology, each name prefixed by <paramref name="namePrefix"/>.</summary>
    public static async Task<IReadOnlyList<BlobContainerClient>> ProvisionBlobAsync(
        BlobServiceClient client, TopologyDocument topology, string namePrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(namePrefix);
        var containers = new List<BlobContainerClient>();
        foreach (var definition in topology.Blob.Containers)
        {
            var container = client.GetBlobContainerClient(namePrefix + definition.Name);
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            containers.Add(container);
        }

        return containers;
    }

    /// <summary>Deletes a database if it exists (test clean-up against a shared account).</summary>
    public static async Task DeleteDatabaseIfExistsAsync(CosmosClient client, string databaseName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.GetDatabase(databaseName).DeleteAsync(cancellationToken: cancellationToken);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: the goal is reached.
        }
    }
}
