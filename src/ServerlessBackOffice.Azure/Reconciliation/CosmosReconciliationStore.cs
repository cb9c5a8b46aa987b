using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;

namespace ServerlessBackOffice.Azure.Reconciliation;

/// <summary>
/// The reconciliation store in Cosmos DB: one document per account and kind (<c>id</c> = <c>Securities</c> or
/// <c>Cash</c>) in the account's partition of the reconciliation-breaks container. Reads are point reads and writes
/// single-document conditional writes (create-only, or replace with If-Match). Amounts are strings (<see cref="BreakWire"/>).
/// Only the listing for reports and the exceptions view reads across partitions.
/// </summary>
public sealed class CosmosReconciliationStore(Container container) : IReconciliationStore
{
    /// <summary>The document's type discriminator.</summary>
    public const string DocumentType = "ReconciliationState";

    /// <inheritdoc />
    public async Task<ReconciliationDocument?> GetAsync(string account, HoldingKind kind, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<StoredReconciliation>(container, kind.ToString(), new PartitionKey(account), cancellationToken);
        if (response is null)
        {
            return null;
        }

        return response.Resource.ToDocument(response.ETag);
    }

    /// <inheritdoc />
    public async Task<StoreWriteResult> TryWriteAsync(ReconciliationDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var stored = StoredReconciliation.From(document);
        var partition = new PartitionKey(document.Account);
        try
        {
            var response = expectedETag is null
                ? await container.CreateItemAsync(stored, partition, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken)
                : await container.ReplaceItemAsync(stored, stored.Id, partition, new ItemRequestOptions { IfMatchEtag = expectedETag, EnableContentResponseOnWrite = false }, cancellationToken);
            return new StoreWriteResult(true, response.ETag);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // 409: another delivery created it first; 412: another delivery replaced it; 404: it vanished under us.
            return StoreWriteResult.Conflict;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ReconciliationDocument> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type").WithParameter("@type", DocumentType);
        using var iterator = container.GetItemQueryIterator<StoredReconciliation>(query, requestOptions: CosmosScans.Options());
        var all = new List<ReconciliationDocument>();
        while (iterator.HasMoreResults)
        {
            foreach (var stored in await iterator.ReadNextAsync(cancellationToken))
            {
                all.Add(stored.ToDocument(null));
            }
        }

        foreach (var document in all.OrderBy(d => d.Account, StringComparer.Ordinal).ThenBy(d => d.Kind))
        {
            yield return document;
        }
    }
}

/// <summary>The stored form, with the open-break count on top for queries.</summary>
internal sealed record StoredReconciliation(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("account")] string Account,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("openBreaks")] int OpenBreaks,
    [property: JsonPropertyName("lastStatementDate")] DateOnly? LastStatementDate,
    [property: JsonPropertyName("appliedStatementIds")] IReadOnlyList<string> AppliedStatementIds,
    [property: JsonPropertyName("breaks")] IReadOnlyList<BreakWire> Breaks,
    [property: JsonPropertyName("lastChange")] PendingReconciliationRecord? LastChange)
{
    public static StoredReconciliation From(ReconciliationDocument document) => new(
        document.Kind.ToString(),
        document.Account,
        CosmosReconciliationStore.DocumentType,
        document.OpenBreaks.Count(),
        document.LastStatementDate,
        document.AppliedStatementIds,
        document.Breaks,
        document.LastChange);

    public ReconciliationDocument ToDocument(string? etag) =>
        new(Account, Enum.Parse<HoldingKind>(Id), LastStatementDate, AppliedStatementIds, Breaks, LastChange, etag);
}
