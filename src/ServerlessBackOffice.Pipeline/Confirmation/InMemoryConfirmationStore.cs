using System.Globalization;
using System.Runtime.CompilerServices;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>The confirmation store in memory, with the Cosmos store's conditional-write semantics (ETag match or create-only).</summary>
public sealed class InMemoryConfirmationStore : IConfirmationStore
{
    private readonly Dictionary<string, ConfirmationDocument> _documents = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>How many writes succeeded (the Cosmos write budget is counted with this in tests).</summary>
    public int Writes { get; private set; }

    /// <summary>Every stored document.</summary>
    public IReadOnlyList<ConfirmationDocument> Documents
    {
        get
        {
            lock (_gate)
            {
                return [.. _documents.Values];
            }
        }
    }

    /// <inheritdoc />
    public Task<ConfirmationDocument?> GetAsync(string tradeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_documents.TryGetValue(tradeId, out var document) ? document : null);
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
            if (exists ? current!.ETag != expectedETag : expectedETag is not null)
            {
                return Task.FromResult(StoreWriteResult.Conflict);
            }

            var etag = (++_nextETag).ToString(CultureInfo.InvariantCulture);
            _documents[document.TradeId] = document with { ETag = etag };
            Writes++;
            return Task.FromResult(new StoreWriteResult(true, etag));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ConfirmationDocument> due;
        lock (_gate)
        {
            due = [.. _documents.Values.Where(d => UnaffirmedAtCutoff.IsDue(d.ToCutoffCandidate(), at))];
        }

        foreach (var document in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return document;
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ConfirmationDocument> held;
        lock (_gate)
        {
            held = [.. _documents.Values.Where(d => d.HeldOnlySince() < before)];
        }

        foreach (var document in held)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return document;
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
}
