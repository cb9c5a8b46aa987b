using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.Azure.Settlement;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Settlement;
using PipelineTradeDocument = ServerlessBackOffice.Pipeline.Ports.TradeDocument;

namespace ServerlessBackOffice.Azure;

/// <summary>
/// Codecs that keep an in-memory store's documents as the Cosmos stores write them: the same stored mapping and serializer
/// options, as UTF-8 JSON, compressed with a <see cref="PrimedCompressor"/> per document type. The load run (issue 12) gives them to the in-memory
/// stores so a million trades' documents fit in memory; they also run every document of the load run through the Cosmos
/// mapping, so a field that does not survive it shows up there. The ETag, which Cosmos keeps as <c>_etag</c>, travels in
/// an envelope beside the document.
/// </summary>
public static class CosmosDocumentCodecs
{
    /// <summary>Capture's trade document, as <see cref="CosmosTradeStore"/> stores it.</summary>
    public static IDocumentCodec<PipelineTradeDocument> Trade { get; } = new JsonCodec<PipelineTradeDocument, Envelope<StoredTradeDocument>>(
        d => new(d.ETag, StoredTradeDocument.From(d)),
        e => e.Document.ToDocument(e.ETag ?? throw new InvalidDataException($"Trade {e.Document.TradeId}: an encoded capture document has no ETag.")),
        CosmosSerialization.Options);

    /// <summary>The confirmation document, as <see cref="CosmosConfirmationStore"/> stores it.</summary>
    public static IDocumentCodec<ConfirmationDocument> Confirmation { get; } = new JsonCodec<ConfirmationDocument, Envelope<StoredConfirmation>>(
        d => new(d.ETag, StoredConfirmation.From(d)),
        e => e.Document.State with { TradeId = e.Document.TradeId, ETag = e.ETag },
        CosmosSerialization.Options);

    /// <summary>Settlement's trade document, as <see cref="CosmosSettlementStore"/> stores its state.</summary>
    public static IDocumentCodec<TradeSettlementDocument> SettlementTrade { get; } =
        new JsonCodec<TradeSettlementDocument, TradeSettlementDocument>(d => d, d => d, CosmosSettlementStore.StateOptions);

    /// <summary>A settlement instruction document, as <see cref="CosmosSettlementStore"/> stores its state.</summary>
    public static IDocumentCodec<SettlementInstructionDocument> SettlementInstruction { get; } =
        new JsonCodec<SettlementInstructionDocument, SettlementInstructionDocument>(d => d, d => d, CosmosSettlementStore.StateOptions);

    /// <summary>A trade's ledger state, as <see cref="CosmosLedgerStore"/> stores it.</summary>
    public static IDocumentCodec<TradeLedgerState> LedgerState { get; } =
        new JsonCodec<TradeLedgerState, StateDocument>(StateDocument.From, s => s.ToState(), CosmosSerialization.Options);

    /// <summary>A journal entry, as <see cref="CosmosLedgerStore"/> stores it (the sequence, which only orders a partition, is not kept).</summary>
    public static IDocumentCodec<JournalEntry> JournalEntry { get; } =
        new JsonCodec<JournalEntry, EntryDocument>(e => EntryDocument.From(e, 0), e => e.ToEntry(), CosmosSerialization.Options);

    /// <summary>A compliance alert, as <see cref="Compliance.CosmosComplianceStore"/> stores it.</summary>
    public static IDocumentCodec<ComplianceAlertRaised> ComplianceAlert { get; } =
        new JsonCodec<ComplianceAlertRaised, AlertDocument>(AlertDocument.From, d => d.Alert, CosmosSerialization.Options);

    private sealed record Envelope<TStored>(
        [property: JsonPropertyName("_etag")] string? ETag,
        [property: JsonPropertyName("document")] TStored Document);

    private sealed class JsonCodec<T, TStored>(Func<T, TStored> toStored, Func<TStored, T> fromStored, JsonSerializerOptions options) : IDocumentCodec<T>
        where T : class
    {
        private readonly PrimedCompressor _compressor = new();

        public byte[] Encode(T document) => _compressor.Compress(JsonSerializer.SerializeToUtf8Bytes(toStored(document), options));

        public T Decode(byte[] encoded) =>
            fromStored(JsonSerializer.Deserialize<TStored>(_compressor.Decompress(encoded), options)
                ?? throw new InvalidDataException($"An encoded {typeof(T).Name} is JSON null."));
    }
}
