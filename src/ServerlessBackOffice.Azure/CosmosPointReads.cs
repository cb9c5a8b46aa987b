using System.Net;
using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.Azure;

/// <summary>
/// Point reads that may find nothing. <see cref="Container.ReadItemAsync{T}"/> answers a missing document by
/// throwing a <see cref="CosmosException"/>; on the per-trade path most first reads miss (a trade's confirmation,
/// settlement or ledger state does not exist yet), and a day run threw about 600 of them a second — each one a
/// captured stack trace and a first-chance exception for every listener. The stream read answers 404 as a status.
/// </summary>
public static class CosmosPointReads
{
    /// <summary>
    /// Reads one document through the client's own serializer; null when it does not exist. Any other failure
    /// (429, 503, a timeout) throws the <see cref="CosmosException"/> that <see cref="Container.ReadItemAsync{T}"/>
    /// would have thrown, so retries and dead-letter decisions are unchanged.
    /// </summary>
    public static async Task<ItemResponse<T>?> TryReadAsync<T>(Container container, string id, PartitionKey partitionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentException.ThrowIfNullOrEmpty(id);
        var response = await container.ReadItemStreamAsync(id, partitionKey, cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        using (response)
        {
            return container.Database.Client.ResponseFactory.CreateItemResponse<T>(response);
        }
    }
}
