using System.Net;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.Capture;

/// <summary>
/// Trades in Cosmos DB (container <c>trades</c>, partition key <c>/tradeId</c>): capture's document of a trade is the item
/// <c>capture</c> in the trade's partition, so reading it is one point read and every state change is one conditional
/// write — create-only for a new trade (<c>409</c> means another delivery created it first), replace with
/// <c>If-Match</c> otherwise (<c>412</c> means the document changed). Both are <see cref="StoreWriteResult.Conflict"/>;
/// throttling (429), unavailability (503) and every other failure throw, so the message is retried. The stream API is
/// used so these expected outcomes are status codes, not exceptions, and the document is (de)serialized with
/// <see cref="CosmosSerialization.Options"/> whatever serializer the client was built with.
/// </summary>
/// <param name="container">The trades container.</param>
public sealed class CosmosTradeStore(Container container) : ITradeStore
{
    /// <summary>The id of capture's document within a trade's partition (other stages use other ids there).</summary>
    public const string CaptureDocumentId = StoredTradeDocument.CaptureDocumentId;

    /// <summary>The partition key of a trade's documents: the trade id.</summary>
    public static PartitionKey PartitionKeyFor(string tradeId) => new(tradeId);

    /// <inheritdoc />
    public async Task<TradeDocument?> GetAsync(string tradeId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tradeId);
        using var response = await container.ReadItemStreamAsync(CaptureDocumentId, PartitionKeyFor(tradeId), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var stored = await JsonSerializer.DeserializeAsync<StoredTradeDocument>(response.Content, CosmosSerialization.Options, cancellationToken)
            ?? throw new InvalidDataException($"Trade {tradeId}: the capture document is empty.");
        return stored.ToDocument(response.Headers.ETag);
    }

    /// <inheritdoc />
    public async Task<StoreWriteResult> TryWriteAsync(TradeDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var content = new MemoryStream();
        await JsonSerializer.SerializeAsync(content, StoredTradeDocument.From(document), CosmosSerialization.Options, cancellationToken);
        content.Position = 0;

        // Nothing reads the written document back from the response: ask Cosmos not to send it (less bandwidth, same RU).
        var options = new ItemRequestOptions { EnableContentResponseOnWrite = false };
        ResponseMessage response;
        if (expectedETag is null)
        {
            response = await container.CreateItemStreamAsync(content, PartitionKeyFor(document.TradeId), options, cancellationToken);
        }
        else
        {
            options.IfMatchEtag = expectedETag;
            response = await container.ReplaceItemStreamAsync(content, CaptureDocumentId, PartitionKeyFor(document.TradeId), options, cancellationToken);
        }

        using (response)
        {
            // 409: created by another delivery first; 412: changed since it was read; 404: replaced a document that is gone.
            if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed
                || (expectedETag is not null && response.StatusCode == HttpStatusCode.NotFound))
            {
                return StoreWriteResult.Conflict;
            }

            response.EnsureSuccessStatusCode();
            return new StoreWriteResult(true, response.Headers.ETag);
        }
    }
}
