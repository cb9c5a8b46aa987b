using System.Collections.Concurrent;
using System.Globalization;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.InMemory;

/// <summary>
/// An in-memory trade store with the same conditional-write semantics as the Cosmos adapter (ETag match or create-only).
/// Given a codec it keeps each document encoded (see <see cref="IDocumentCodec{T}"/>).
/// </summary>
/// <param name="codec">How documents are kept; null keeps the objects themselves.</param>
public sealed class InMemoryTradeStore(IDocumentCodec<TradeDocument>? codec = null) : ITradeStore
{
    private readonly ConcurrentDictionary<string, (StoredDocument<TradeDocument> Document, string ETag)> _documents = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>Every stored document.</summary>
    public IReadOnlyCollection<TradeDocument> Documents => [.. _documents.Values.Select(d => d.Document.Read(codec))];

    /// <inheritdoc />
    public Task<TradeDocument?> GetAsync(string tradeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_documents.TryGetValue(tradeId, out var stored) ? stored.Document.Read(codec) : null);
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteAsync(TradeDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var exists = _documents.TryGetValue(document.TradeId, out var current);
            if (exists ? current.ETag != expectedETag : expectedETag is not null)
            {
                return Task.FromResult(StoreWriteResult.Conflict);
            }

            var etag = (++_nextETag).ToString(CultureInfo.InvariantCulture);
            _documents[document.TradeId] = (new StoredDocument<TradeDocument>(document with { ETag = etag }, codec), etag);
            return Task.FromResult(new StoreWriteResult(true, etag));
        }
    }
}

/// <summary>An in-memory publisher that records every message, and the distinct ones as Service Bus duplicate detection would keep them.</summary>
public sealed class InMemoryMessagePublisher : IMessagePublisher
{
    private readonly ConcurrentQueue<OutboundMessage> _published = new();

    /// <summary>Every publish call, in order, duplicates included.</summary>
    public IReadOnlyList<OutboundMessage> Published => [.. _published];

    /// <summary>The messages a duplicate-detecting entity would deliver: the first of each (destination, message id).</summary>
    public IReadOnlyList<OutboundMessage> Delivered
    {
        get
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return [.. _published.Where(m => seen.Add(m.Destination + "/" + m.MessageId))];
        }
    }

    /// <inheritdoc />
    public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        _published.Enqueue(message);
        return Task.CompletedTask;
    }
}

/// <summary>A write-once in-memory archive keyed by inbound message id.</summary>
public sealed class InMemoryCaptureArchive : ICaptureArchive
{
    private readonly ConcurrentDictionary<string, CaptureArchiveEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Every archived entry, one per inbound message id.</summary>
    public IReadOnlyCollection<CaptureArchiveEntry> Entries => [.. _entries.Values];

    /// <inheritdoc />
    public Task<CaptureArchiveEntry> ArchiveAsync(CaptureArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_entries.GetOrAdd(entry.InboundMessageId, entry));
    }

    /// <inheritdoc />
    public Task<CaptureArchiveEntry?> FindAsync(string inboundMessageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inboundMessageId);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_entries.TryGetValue(inboundMessageId, out var entry) ? entry : null);
    }
}

/// <summary>Serves one fixed reference data snapshot.</summary>
/// <param name="snapshot">The snapshot to serve.</param>
public sealed class InMemoryReferenceDataSource(ReferenceDataSet snapshot) : IReferenceDataSource
{
    /// <inheritdoc />
    public ValueTask<ReferenceDataSet> GetCurrentAsync(CancellationToken cancellationToken) => ValueTask.FromResult(snapshot);
}
