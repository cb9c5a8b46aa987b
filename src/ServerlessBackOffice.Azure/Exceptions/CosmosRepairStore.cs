using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.Exceptions;

/// <summary>
/// Maker-checker repairs in Cosmos DB: one document per repair in its own partition of the exception-repairs container
/// (<c>/repairId</c>). Every step is a single-document conditional write (create-only, or replace with If-Match), which is
/// what makes an approval win once. Only the listing reads across partitions.
/// </summary>
public sealed class CosmosRepairStore(Container container) : IRepairStore
{
    /// <summary>The document's type discriminator.</summary>
    public const string DocumentType = "Repair";

    /// <inheritdoc />
    public async Task<StoredRepair?> GetAsync(string repairId, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<StoredRepairDocument>(container, repairId, new PartitionKey(repairId), cancellationToken);
        if (response is null)
        {
            return null;
        }

        return new StoredRepair(response.Resource.Repair, response.ETag);
    }

    /// <inheritdoc />
    public async Task<StoreWriteResult> TryWriteAsync(Repair repair, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        var stored = StoredRepairDocument.From(repair);
        var partition = new PartitionKey(repair.RepairId);
        try
        {
            var response = expectedETag is null
                ? await container.CreateItemAsync(stored, partition, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken)
                : await container.ReplaceItemAsync(stored, stored.Id, partition, new ItemRequestOptions { IfMatchEtag = expectedETag, EnableContentResponseOnWrite = false }, cancellationToken);
            return new StoreWriteResult(true, response.ETag);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // 409: proposed twice at once; 412: another checker decided first; 404: it vanished (never deleted by us).
            return StoreWriteResult.Conflict;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Repair> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type").WithParameter("@type", DocumentType);
        using var iterator = container.GetItemQueryIterator<StoredRepairDocument>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var stored in await iterator.ReadNextAsync(cancellationToken))
            {
                yield return stored.Repair;
            }
        }
    }
}

/// <summary>The stored form: the repair, plus top-level fields to filter on (kind, state, subject).</summary>
internal sealed record StoredRepairDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("repairId")] string RepairId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("repair")] Repair Repair)
{
    public static StoredRepairDocument From(Repair repair) =>
        new(repair.RepairId, repair.RepairId, CosmosRepairStore.DocumentType, repair.Kind.ToString(), repair.State.ToString(), repair.Subject, repair);
}
