using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Azure.Settlement;

/// <summary>
/// The settlement store in Cosmos DB. A trade's settlement document lives in the trade's partition of the trades container
/// (<c>id = "settlement-state"</c>, beside the capture and confirmation documents); an instruction lives in its own partition of the
/// settlement-instructions container (partition key <c>/instructionId</c>, so statuses spread over as many partitions as
/// there are instructions — no hot partition). Every per-message read is a point read and every write a single-document
/// conditional write (create-only, or replace with If-Match). Only the netting run and the fails report query across
/// partitions, on top-level fields kept for them. The state itself is stored as JSON text with every number as a string,
/// so no amount ever passes through a double.
/// </summary>
public sealed class CosmosSettlementStore(Container trades, Container instructions) : ISettlementStore
{
    /// <summary>The document id of a trade's settlement state within its partition.</summary>
    public const string TradeDocumentId = "settlement-state";

    /// <summary>The type discriminator of a trade's settlement document.</summary>
    public const string TradeDocumentType = "SettlementTrade";

    /// <summary>The id (and partition key) of the netting runs' progress marker in the settlement-instructions container.</summary>
    public const string NettingRunMarkerId = "netting-run-marker";

    /// <summary>The type discriminator of the netting runs' progress marker.</summary>
    public const string NettingRunMarkerType = "NettingRunMarker";

    /// <summary>The type discriminator of an instruction document.</summary>
    public const string InstructionDocumentType = "SettlementInstruction";

    internal static readonly JsonSerializerOptions StateOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <inheritdoc />
    public async Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync<StoredSettlementTrade>(trades, TradeDocumentId, tradeId, cancellationToken);
        return stored is null ? null : Deserialize<TradeSettlementDocument>(stored.Value.Document.State) with { ETag = stored.Value.ETag };
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var stored = new StoredSettlementTrade(
            TradeDocumentId, document.TradeId, TradeDocumentType, document.Status.ToString(),
            document.SettlementDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(document with { ETag = null }, StateOptions));
        return WriteAsync(trades, stored, TradeDocumentId, document.TradeId, expectedETag, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync<StoredSettlementInstruction>(instructions, instructionId, instructionId, cancellationToken);
        return stored is null ? null : Deserialize<SettlementInstructionDocument>(stored.Value.Document.State) with { ETag = stored.Value.ETag };
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var stored = new StoredSettlementInstruction(
            document.InstructionId, document.InstructionId, InstructionDocumentType, document.Phase.ToString(), document.Lifecycle.Status.ToString(),
            document.Lifecycle.IsFinal, document.Instruction.SettlementDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(document with { ETag = null }, StateOptions));
        return WriteAsync(instructions, stored, document.InstructionId, document.InstructionId, expectedETag, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken)
    {
        var stored = await ReadAsync<StoredNettingRunMarker>(instructions, NettingRunMarkerId, NettingRunMarkerId, cancellationToken);
        return stored is null ? null : new NettingRunMarker(long.Parse(stored.Value.Document.CompletedRuns, CultureInfo.InvariantCulture), stored.Value.ETag);
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var stored = new StoredNettingRunMarker(
            NettingRunMarkerId, NettingRunMarkerId, NettingRunMarkerType, marker.CompletedRuns.ToString(CultureInfo.InvariantCulture));
        return WriteAsync(instructions, stored, NettingRunMarkerId, NettingRunMarkerId, expectedETag, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken)
    {
        // Dates are stored as yyyy-MM-dd text, so text order is date order.
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.status = @status AND c.settlementDate <= @through")
            .WithParameter("@type", TradeDocumentType)
            .WithParameter("@status", nameof(TradeSettlementStatus.AwaitingNetting))
            .WithParameter("@through", through.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return QueryAsync<StoredSettlementTrade, TradeSettlementDocument>(trades, query, s => s.State, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.phase = @phase")
            .WithParameter("@type", InstructionDocumentType)
            .WithParameter("@phase", nameof(InstructionPhase.Draft));
        return QueryAsync<StoredSettlementInstruction, SettlementInstructionDocument>(instructions, query, s => s.State, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.phase = @phase AND c.isFinal = false")
            .WithParameter("@type", InstructionDocumentType)
            .WithParameter("@phase", nameof(InstructionPhase.Live));
        return QueryAsync<StoredSettlementInstruction, SettlementInstructionDocument>(instructions, query, s => s.State, cancellationToken);
    }

    private static async Task<(T Document, string ETag)?> ReadAsync<T>(Container container, string id, string partition, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<T>(container, id, new PartitionKey(partition), cancellationToken);
        if (response is null)
        {
            return null;
        }

        return (response.Resource, response.ETag);
    }

    private static async Task<StoreWriteResult> WriteAsync<T>(Container container, T stored, string id, string partition, string? expectedETag, CancellationToken cancellationToken)
    {
        var key = new PartitionKey(partition);
        try
        {
            var response = expectedETag is null
                ? await container.CreateItemAsync(stored, key, new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken)
                : await container.ReplaceItemAsync(stored, id, key, new ItemRequestOptions { IfMatchEtag = expectedETag, EnableContentResponseOnWrite = false }, cancellationToken);
            return new StoreWriteResult(true, response.ETag);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // 409: another writer created it first; 412: another writer replaced it; 404: it vanished under us.
            return StoreWriteResult.Conflict;
        }
    }

    private static async IAsyncEnumerable<TDocument> QueryAsync<TStored, TDocument>(Container container, QueryDefinition query, Func<TStored, string> state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var iterator = container.GetItemQueryIterator<TStored>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var stored in await iterator.ReadNextAsync(cancellationToken))
            {
                yield return Deserialize<TDocument>(state(stored));
            }
        }
    }

    private static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, StateOptions) ?? throw new JsonException($"A stored {typeof(T).Name} is JSON null.");
}

/// <summary>A trade's settlement document as stored: the fields the netting run queries, and the state as JSON text.</summary>
internal sealed record StoredSettlementTrade(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tradeId")] string TradeId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("settlementDate")] string? SettlementDate,
    [property: JsonPropertyName("state")] string State);

/// <summary>An instruction document as stored: the fields the netting run and the fails report query, and the state as JSON text.</summary>
internal sealed record StoredSettlementInstruction(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("instructionId")] string InstructionId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("isFinal")] bool IsFinal,
    [property: JsonPropertyName("settlementDate")] string SettlementDate,
    [property: JsonPropertyName("state")] string State);

/// <summary>The netting runs' progress marker as stored (in its own partition of the settlement-instructions container).</summary>
internal sealed record StoredNettingRunMarker(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("instructionId")] string InstructionId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("completedRuns")] string CompletedRuns);
