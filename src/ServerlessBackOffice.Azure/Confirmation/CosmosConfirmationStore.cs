using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.Confirmation;

/// <summary>
/// The confirmation store in Cosmos DB: one document (<c>id = "confirm"</c>) in the trade's partition of the trades
/// container, beside the capture document. Reads are point reads and writes are single-document conditional writes
/// (create-only, or replace with If-Match), so the per-trade path never leaves the trade's partition. Only the cut-off watch
/// queries across partitions, on two top-level fields kept for it.
/// </summary>
public sealed class CosmosConfirmationStore(Container container) : IConfirmationStore
{
    /// <summary>The document id of a trade's confirmation state within its partition.</summary>
    public const string DocumentId = "confirm";

    /// <summary>The document's type discriminator (the partition also holds the capture document).</summary>
    public const string DocumentType = "ConfirmationState";

    /// <inheritdoc />
    public async Task<ConfirmationDocument?> GetAsync(string tradeId, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<StoredConfirmation>(container, DocumentId, new PartitionKey(tradeId), cancellationToken);
        if (response is null)
        {
            return null;
        }

        return response.Resource.State with { TradeId = tradeId, ETag = response.ETag };
    }

    /// <inheritdoc />
    public async Task<StoreWriteResult> TryWriteAsync(ConfirmationDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var stored = StoredConfirmation.From(document);
        var partition = new PartitionKey(document.TradeId);
        try
        {
            var response = expectedETag is null
                ? await container.CreateItemAsync(stored, partition, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken)
                : await container.ReplaceItemAsync(stored, DocumentId, partition, new ItemRequestOptions { IfMatchEtag = expectedETag, EnableContentResponseOnWrite = false }, cancellationToken);
            return new StoreWriteResult(true, response.ETag);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // 409: another delivery created it first; 412: another delivery replaced it; 404: it vanished under us.
            return StoreWriteResult.Conflict;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // heldSince is set only on documents that hold affirmations and nothing else; fixed-width UTC text sorts as time.
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.heldSince < @before")
            .WithParameter("@type", DocumentType)
            .WithParameter("@before", StoredConfirmation.Instant(before));
        using var iterator = container.GetItemQueryIterator<StoredConfirmation>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var stored in await iterator.ReadNextAsync(cancellationToken))
            {
                yield return stored.State with { TradeId = stored.TradeId };
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> TryDeleteAsync(string tradeId, string expectedETag, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await container.DeleteItemStreamAsync(DocumentId, new PartitionKey(tradeId), new ItemRequestOptions { IfMatchEtag = expectedETag }, cancellationToken);
            if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
            {
                return false;
            }

            response.EnsureSuccessStatusCode();
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Cut-offs are stored as fixed-width UTC text, so text order is time order.
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.awaitingCutoffReport = true AND c.cutoffAt <= @at")
            .WithParameter("@type", DocumentType)
            .WithParameter("@at", StoredConfirmation.Instant(at));
        using var iterator = container.GetItemQueryIterator<StoredConfirmation>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var stored in await iterator.ReadNextAsync(cancellationToken))
            {
                yield return stored.State with { TradeId = stored.TradeId };
            }
        }
    }
}

/// <summary>
/// The stored form: the document's state under <c>state</c>, plus the top-level fields the cut-off query filters on
/// (<c>awaitingCutoffReport</c>, <c>cutoffAt</c>) and the held-affirmation expiry's (<c>heldSince</c>, decision 0061).
/// Amounts inside are strings already (the wire formats).
/// </summary>
internal sealed record StoredConfirmation(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tradeId")] string TradeId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("awaitingCutoffReport")] bool AwaitingCutoffReport,
    [property: JsonPropertyName("cutoffAt")] string? CutoffAt,
    [property: JsonPropertyName("state")] ConfirmationDocument State,
    [property: JsonPropertyName("heldSince")] string? HeldSince = null)
{
    public static StoredConfirmation From(ConfirmationDocument document)
    {
        var candidate = document.ToCutoffCandidate();
        return new(
            CosmosConfirmationStore.DocumentId,
            document.TradeId,
            CosmosConfirmationStore.DocumentType,
            document.Status.ToString(),
            candidate.AwaitingAffirmation && candidate.ConfirmedVersion > 0 && candidate.ReportedVersion != candidate.ConfirmedVersion,
            document.CutoffAt is { } cutoff ? Instant(cutoff) : null,
            document with { ETag = null },
            document.HeldOnlySince() is { } heldSince ? Instant(heldSince) : null);
    }

    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
