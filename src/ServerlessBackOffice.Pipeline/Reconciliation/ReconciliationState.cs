using System.Globalization;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>
/// A tracked break as stored and archived: amounts as invariant decimal strings (never JSON numbers, which Cosmos and
/// JavaScript read as doubles), dates as yyyy-MM-dd.
/// </summary>
public sealed record BreakWire(
    [property: JsonPropertyName("breakId")] string BreakId,
    [property: JsonPropertyName("account")] string Account,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("asset")] string Asset,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("statementDate")] DateOnly StatementDate,
    [property: JsonPropertyName("ours")] string Ours,
    [property: JsonPropertyName("theirs")] string Theirs,
    [property: JsonPropertyName("pending")] string Pending,
    [property: JsonPropertyName("firstSeen")] DateOnly FirstSeen,
    [property: JsonPropertyName("clearedOn")] DateOnly? ClearedOn,
    [property: JsonPropertyName("clearedBy")] string? ClearedBy,
    [property: JsonPropertyName("explained")] bool Explained,
    [property: JsonPropertyName("explanation")] string? Explanation)
{
    /// <summary>The stored form of a tracked break.</summary>
    public static BreakWire From(TrackedBreak tracked)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        var b = tracked.Latest;
        return new BreakWire(
            b.BreakId, b.Account, b.Kind.ToString(), b.Asset, b.Type.ToString(), b.StatementDate,
            Text(b.Ours), Text(b.Theirs), Text(b.Pending), tracked.FirstSeen, tracked.ClearedOn, tracked.ClearedBy, tracked.Explained, tracked.Explanation);
    }

    /// <summary>The domain form.</summary>
    public TrackedBreak ToTracked() => new(
        new ReconciliationBreak(BreakId, StatementDate, Account, Enum.Parse<HoldingKind>(Kind), Asset, Enum.Parse<BreakType>(Type), Amount(Ours), Amount(Theirs), Amount(Pending)),
        FirstSeen,
        ClearedOn,
        ClearedBy,
        Explained,
        Explanation);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static decimal Amount(string text) => decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}

/// <summary>An archive record the store holds until it is written (the last statement's break changes).</summary>
/// <param name="BusinessDate">The archive day.</param>
/// <param name="Name">The record name.</param>
/// <param name="Content">The JSON content.</param>
public sealed record PendingReconciliationRecord(
    [property: JsonPropertyName("businessDate")] DateOnly BusinessDate,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("content")] string Content);

/// <summary>
/// The reconciliation state of one account and kind (securities or cash): its breaks (open, and the most recently
/// cleared or explained), the statements already applied (idempotency) and the change record of the last statement,
/// kept until archived so a redelivery after a crash archives exactly the same bytes.
/// </summary>
/// <param name="Account">Our account id (the partition).</param>
/// <param name="Kind">Securities or cash.</param>
/// <param name="LastStatementDate">The date of the latest applied statement; an older statement is stale.</param>
/// <param name="AppliedStatementIds">Recently applied statement ids, newest last, bounded.</param>
/// <param name="Breaks">Tracked breaks, ordered by break id.</param>
/// <param name="LastChange">The last statement's change record.</param>
/// <param name="ETag">The store's concurrency token (not stored).</param>
public sealed record ReconciliationDocument(
    string Account,
    HoldingKind Kind,
    DateOnly? LastStatementDate,
    IReadOnlyList<string> AppliedStatementIds,
    IReadOnlyList<BreakWire> Breaks,
    PendingReconciliationRecord? LastChange,
    string? ETag)
{
    /// <summary>How many applied statement ids are remembered (statements are daily, so this is weeks of redelivery cover).</summary>
    public const int MaximumRememberedStatements = 32;

    /// <summary>How many cleared or explained breaks stay in the document; older ones live in the archive only.</summary>
    public const int MaximumClosedBreaks = 64;

    /// <summary>A state with nothing applied.</summary>
    public static ReconciliationDocument Empty(string account, HoldingKind kind) => new(account, kind, null, [], [], null, null);

    /// <summary>The breaks operations must still act on.</summary>
    public IEnumerable<TrackedBreak> OpenBreaks => Breaks.Select(b => b.ToTracked()).Where(b => b.IsOpen);
}

/// <summary>The reconciliation's storage port: one document per account and kind, written with optimistic concurrency.</summary>
public interface IReconciliationStore
{
    /// <summary>Reads an account's state for a kind, or null.</summary>
    Task<ReconciliationDocument?> GetAsync(string account, HoldingKind kind, CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="expectedETag"/> null) or replaces the document if unchanged since read.</summary>
    Task<StoreWriteResult> TryWriteAsync(ReconciliationDocument document, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Every account's state (for the reports and the exceptions view).</summary>
    IAsyncEnumerable<ReconciliationDocument> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The reconciliation store in memory, with the same concurrency semantics as the Cosmos store.</summary>
public sealed class InMemoryReconciliationStore : IReconciliationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, HoldingKind), (ReconciliationDocument Document, long Version)> _documents = [];

    /// <inheritdoc />
    public Task<ReconciliationDocument?> GetAsync(string account, HoldingKind kind, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_documents.TryGetValue((account, kind), out var stored)
                ? stored.Document with { ETag = stored.Version.ToString(CultureInfo.InvariantCulture) }
                : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteAsync(ReconciliationDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        lock (_gate)
        {
            var key = (document.Account, document.Kind);
            var exists = _documents.TryGetValue(key, out var stored);
            var current = exists ? stored.Version.ToString(CultureInfo.InvariantCulture) : null;
            if (current != expectedETag)
            {
                return Task.FromResult(StoreWriteResult.Conflict);
            }

            var version = stored.Version + 1;
            _documents[key] = (document with { ETag = null }, version);
            return Task.FromResult(new StoreWriteResult(true, version.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ReconciliationDocument> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ReconciliationDocument> snapshot;
        lock (_gate)
        {
            snapshot = _documents.OrderBy(d => d.Key.Item1, StringComparer.Ordinal).ThenBy(d => d.Key.Item2).Select(d => d.Value.Document).ToList();
        }

        foreach (var document in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return document;
        }

        await Task.CompletedTask;
    }
}
