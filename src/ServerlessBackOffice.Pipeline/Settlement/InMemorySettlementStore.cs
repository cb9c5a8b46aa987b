using System.Globalization;
using System.Runtime.CompilerServices;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>The settlement store in memory, with the Cosmos store's conditional-write semantics (ETag match or create-only).</summary>
public sealed class InMemorySettlementStore : ISettlementStore
{
    private readonly Dictionary<string, TradeSettlementDocument> _trades = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SettlementInstructionDocument> _instructions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NettingRunMarker> _markers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>Every stored trade document.</summary>
    public IReadOnlyList<TradeSettlementDocument> Trades
    {
        get
        {
            lock (_gate)
            {
                return [.. _trades.Values];
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
                return [.. _instructions.Values];
            }
        }
    }

    /// <inheritdoc />
    public Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_trades.TryGetValue(tradeId, out var document) ? document : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_trades, document.TradeId, expectedETag, etag => document with { ETag = etag }, d => d.ETag));
        }
    }

    /// <inheritdoc />
    public Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_instructions.TryGetValue(instructionId, out var document) ? document : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_instructions, document.InstructionId, expectedETag, etag => document with { ETag = etag }, d => d.ETag));
        }
    }

    /// <inheritdoc />
    public Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_markers.TryGetValue(string.Empty, out var marker) ? marker : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(Write(_markers, string.Empty, expectedETag, etag => marker with { ETag = etag }, m => m.ETag));
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_trades.Values.Where(d => d.Status == TradeSettlementStatus.AwaitingNetting && d.SettlementDate <= through).ToList(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_instructions.Values.Where(d => d.Phase == InstructionPhase.Draft).ToList(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Enumerate(_instructions.Values.Where(d => d.Phase == InstructionPhase.Live && !d.Lifecycle.IsFinal).ToList(), cancellationToken);
        }
    }

    private StoreWriteResult Write<T>(Dictionary<string, T> documents, string id, string? expectedETag, Func<string, T> withETag, Func<T, string?> etagOf)
    {
        var exists = documents.TryGetValue(id, out var current);
        if (exists ? etagOf(current!) != expectedETag : expectedETag is not null)
        {
            return StoreWriteResult.Conflict;
        }

        var etag = (++_nextETag).ToString(CultureInfo.InvariantCulture);
        documents[id] = withETag(etag);
        return new StoreWriteResult(true, etag);
    }

    private static async IAsyncEnumerable<T> Enumerate<T>(IReadOnlyList<T> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask;
    }
}
