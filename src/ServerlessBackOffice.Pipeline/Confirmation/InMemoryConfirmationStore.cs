using System.Globalization;
using System.Runtime.CompilerServices;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>
/// The confirmation store in memory, with the Cosmos store's conditional-write semantics (ETag match or create-only). Given a
/// codec it keeps each document encoded (see <see cref="IDocumentCodec{T}"/>); the queries then read the fields they filter
/// on, kept beside each document as the Cosmos document keeps them at its top level, and decode only what they return.
/// </summary>
/// <param name="codec">How documents are kept; null keeps the objects themselves.</param>
public sealed class InMemoryConfirmationStore(IDocumentCodec<ConfirmationDocument>? codec = null) : IConfirmationStore
{
    private readonly Dictionary<string, Entry> _documents = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>How many writes succeeded (the Cosmos write budget is counted with this in tests).</summary>
    public int Writes { get; private set; }

    /// <summary>How many point reads were asked for (the first event of a trade skips its read).</summary>
    public int Reads { get; private set; }

    /// <summary>Every stored document.</summary>
    public IReadOnlyList<ConfirmationDocument> Documents
    {
        get
        {
            lock (_gate)
            {
                return [.. _documents.Values.Select(e => e.Document.Read(codec))];
            }
        }
    }

    /// <inheritdoc />
    public Task<ConfirmationDocument?> GetAsync(string tradeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Reads++;
            return Task.FromResult(_documents.TryGetValue(tradeId, out var entry) ? entry.Document.Read(codec) : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteAsync(ConfirmationDocument document, string? expectedETag, CancellationToken cancellationToken)
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
            var written = document with { ETag = etag };
            _documents[document.TradeId] = new Entry(new StoredDocument<ConfirmationDocument>(written, codec), etag, written.ToCutoffCandidate(), written.HeldOnlySince());
            Writes++;
            return Task.FromResult(new StoreWriteResult(true, etag));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<Entry> due;
        lock (_gate)
        {
            due = [.. _documents.Values.Where(e => UnaffirmedAtCutoff.IsDue(e.Cutoff, at))];
        }

        // Decoded one by one as they are taken: the cut-off takes a bounded number per run.
        foreach (var entry in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry.Document.Read(codec);
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<Entry> held;
        lock (_gate)
        {
            held = [.. _documents.Values.Where(e => e.HeldOnlySince < before)];
        }

        foreach (var entry in held)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry.Document.Read(codec);
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> TryDeleteAsync(string tradeId, string expectedETag, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_documents.TryGetValue(tradeId, out var current) && current.ETag == expectedETag && _documents.Remove(tradeId));
        }
    }

    /// <summary>A stored document with its ETag and what the queries filter on, computed when it was written.</summary>
    private readonly record struct Entry(StoredDocument<ConfirmationDocument> Document, string ETag, CutoffCandidate Cutoff, DateTimeOffset? HeldOnlySince);
}
