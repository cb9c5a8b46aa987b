using System.Globalization;
using System.Runtime.CompilerServices;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>
/// The settlement store in memory, with the Cosmos store's conditional-write semantics (ETag match or create-only). Given
/// codecs it keeps trade and instruction documents encoded (see <see cref="IDocumentCodec{T}"/>); the queries then read the
/// fields they filter on, kept beside each document as the Cosmos documents keep them at their top level, and decode only
/// what they return.
/// </summary>
/// <param name="tradeCodec">How trade documents are kept; null keeps the objects themselves.</param>
/// <param name="instructionCodec">How instruction documents are kept; null keeps the objects themselves.</param>
public sealed class InMemorySettlementStore(
    IDocumentCodec<TradeSettlementDocument>? tradeCodec = null, IDocumentCodec<SettlementInstructionDocument>? instructionCodec = null) : ISettlementStore
{
    private readonly Dictionary<string, Entry<TradeSettlementDocument, (TradeSettlementStatus Status, DateOnly? SettlementDate)>> _trades = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry<SettlementInstructionDocument, (InstructionPhase Phase, bool IsFinal)>> _instructions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry<NettingRunMarker, bool>> _markers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>Every stored trade document.</summary>
    public IReadOnlyList<TradeSettlementDocument> Trades
    {
        get
        {
            lock (_gate)
            {
                return [.. _trades.Values.Select(e => e.Document.Read(tradeCodec))];
            }
        }
    }

    /// <summary>Every stored instruction document.</summary>
    public IReadOnlyList<SettlementInstructionDocument> Instructions
    {
        get
        {
            lock (_gate)
            {
                return [.. _instructions.Values.Select(e => e.Document.Read(instructionCodec))];
            }
        }
    }

    /// <inheritdoc />
    public Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_trades.TryGetValue(tradeId, out var entry) ? entry.Document.Read(tradeCodec) : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_trades, document.TradeId, expectedETag, etag => document with { ETag = etag }, tradeCodec, d => (d.Status, d.SettlementDate)));
        }
    }

    /// <summary>How many instruction reads were asked for (decision 0075 skips some).</summary>
    public int InstructionReads { get; private set; }

    /// <inheritdoc />
    public Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            InstructionReads++;
            return Task.FromResult(_instructions.TryGetValue(instructionId, out var entry) ? entry.Document.Read(instructionCodec) : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_instructions, document.InstructionId, expectedETag, etag => document with { ETag = etag }, instructionCodec, d => (d.Phase, d.Lifecycle.IsFinal)));
        }
    }

    /// <inheritdoc />
    public Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_markers.TryGetValue(string.Empty, out var entry) ? entry.Document.Read(null) : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_markers, string.Empty, expectedETag, etag => marker with { ETag = etag }, null, _ => true));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_trades.Values.Where(e => e.Key.Status == TradeSettlementStatus.AwaitingNetting && e.Key.SettlementDate <= through).ToList(), tradeCodec, cancellationToken);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_instructions.Values.Where(e => e.Key.Phase == InstructionPhase.Draft).ToList(), instructionCodec, cancellationToken);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_instructions.Values.Where(e => e.Key.Phase == InstructionPhase.Live && !e.Key.IsFinal).ToList(), instructionCodec, cancellationToken);
        }
    }

    private StoreWriteResult Write<T, TKey>(
        Dictionary<string, Entry<T, TKey>> documents, string id, string? expectedETag, Func<string, T> withETag, IDocumentCodec<T>? codec, Func<T, TKey> keyOf)
        where T : class
    {
        var exists = documents.TryGetValue(id, out var current);
        if (exists ? current.ETag != expectedETag : expectedETag is not null)
        {
            return StoreWriteResult.Conflict;
        }

        var etag = (++_nextETag).ToString(CultureInfo.InvariantCulture);
        var written = withETag(etag);
        documents[id] = new Entry<T, TKey>(new StoredDocument<T>(written, codec), etag, keyOf(written));
        return new StoreWriteResult(true, etag);
    }

    // The matching entries are taken under the lock and decoded one by one as the caller reads them.
    private static async IAsyncEnumerable<T> Enumerate<T, TKey>(IReadOnlyList<Entry<T, TKey>> entries, IDocumentCodec<T>? codec, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry.Document.Read(codec);
        }

        await Task.CompletedTask;
    }

    /// <summary>A stored document with its ETag and what the queries filter on, computed when it was written.</summary>
    private readonly record struct Entry<T, TKey>(StoredDocument<T> Document, string ETag, TKey Key)
        where T : class;
}
