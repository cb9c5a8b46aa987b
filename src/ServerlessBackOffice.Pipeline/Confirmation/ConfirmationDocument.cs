using System.Globalization;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>Where a trade's confirmation stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConfirmationStatus>))]
public enum ConfirmationStatus
{
    /// <summary>No confirmation yet: only affirmations that arrived before the trade (held).</summary>
    Awaiting,

    /// <summary>The confirmation in force was sent and has no matching affirmation yet.</summary>
    Confirmed,

    /// <summary>The counterparty affirmed the confirmation in force.</summary>
    Affirmed,

    /// <summary>The last affirmation disputed the confirmation in force (discrepancies published).</summary>
    Mismatched,

    /// <summary>The trade was cancelled (terminal).</summary>
    Cancelled,
}

/// <summary>An affirmation that arrived before the confirmation of its version: kept in the trade's partition, matched later.</summary>
/// <param name="InboundMessageId">The Service Bus message id it came in.</param>
/// <param name="Affirmation">The affirmation as parsed.</param>
/// <param name="HeldAt">When it was held (null for affirmations held before this was recorded: they never expire).</param>
public sealed record HeldAffirmation(string InboundMessageId, AffirmationWire Affirmation, DateTimeOffset? HeldAt = null);

/// <summary>An archive record written with the state that caused it and archived after the write (write-once, so repeatable).</summary>
/// <param name="BusinessDate">The archive day.</param>
/// <param name="Name">The record's name (<see cref="Archive.ArchiveRecordNames"/>).</param>
/// <param name="Content">UTF-8 text content (JSON or HTML).</param>
/// <param name="ContentType">Media type.</param>
public sealed record PendingArchiveRecord(DateOnly BusinessDate, string Name, string Content, string ContentType);

/// <summary>
/// The confirmation stage's document of one trade, stored beside the capture document in the trade's partition: the
/// confirmation in force, the affirmation state, held affirmations, and the outbox of the last state change (decision 0060:
/// the outbox is replaced by the next state change rather than cleared by a write of its own).
/// </summary>
/// <param name="TradeId">Trade id (partition key).</param>
/// <param name="Status">Where the confirmation stands.</param>
/// <param name="LatestVersion">The highest trade version seen (0 while only held affirmations exist).</param>
/// <param name="Confirmation">The confirmation in force (the last one sent), or null.</param>
/// <param name="Market">The market whose cut-off rule applies (the security's settlement convention).</param>
/// <param name="CutoffAt">When the confirmation in force must be affirmed.</param>
/// <param name="CutoffReportedVersion">The confirmed version last reported unaffirmed at the cut-off (0: none).</param>
/// <param name="AffirmedVersion">The trade version the last TradeAffirmed was published for (0: none).</param>
/// <param name="AffirmationId">The affirmation that affirmed (or last disputed) the confirmation in force.</param>
/// <param name="ProcessedAffirmationIds">Affirmation ids already matched, newest last (bounded).</param>
/// <param name="Held">Affirmations waiting for the confirmation of their version (bounded).</param>
/// <param name="Notes">Why things did not happen (a non-economic amendment, a stale affirmation), newest last (bounded).</param>
/// <param name="Outbox">The messages of the last state change, re-published by whoever replaces them.</param>
/// <param name="PendingArchive">The archive records of the last state change.</param>
/// <param name="RecentInboundMessageIds">Inbound message ids that changed this document, newest last (bounded).</param>
/// <param name="ETag">Concurrency token; null before the first write.</param>
public sealed record ConfirmationDocument(
    string TradeId,
    ConfirmationStatus Status,
    int LatestVersion,
    ConfirmationMessageWire? Confirmation,
    string? Market,
    DateTimeOffset? CutoffAt,
    int CutoffReportedVersion,
    int AffirmedVersion,
    string? AffirmationId,
    IReadOnlyList<string> ProcessedAffirmationIds,
    IReadOnlyList<HeldAffirmation> Held,
    IReadOnlyList<string> Notes,
    IReadOnlyList<OutboundMessage> Outbox,
    IReadOnlyList<PendingArchiveRecord> PendingArchive,
    IReadOnlyList<string> RecentInboundMessageIds,
    string? ETag)
{
    /// <summary>How many ids, held affirmations and notes a document keeps: a limit on everything.</summary>
    public const int ListLimit = 32;

    /// <summary>The version of the confirmation in force (0: none sent).</summary>
    public int ConfirmedVersion => Confirmation?.Version ?? 0;

    /// <summary>True while the confirmation in force waits for a matching affirmation on a live trade.</summary>
    public bool AwaitingAffirmation => Status is ConfirmationStatus.Confirmed or ConfirmationStatus.Mismatched;

    /// <summary>An empty document for a trade the stage has not seen.</summary>
    public static ConfirmationDocument Empty(string tradeId) =>
        new(tradeId, ConfirmationStatus.Awaiting, 0, null, null, null, 0, 0, null, [], [], [], [], [], [], null);

    /// <summary>
    /// When the oldest affirmation of a document that only holds affirmations — no trade event seen, no confirmation — was
    /// held; null for any other document. Such documents expire (decision 0061).
    /// </summary>
    public DateTimeOffset? HeldOnlySince()
    {
        if (LatestVersion != 0 || Confirmation is not null)
        {
            return null;
        }

        DateTimeOffset? oldest = null;
        foreach (var held in Held)
        {
            if (held.HeldAt is { } at && (oldest is null || at < oldest))
            {
                oldest = at;
            }
        }

        return oldest;
    }

    /// <summary>The document as the cut-off watch sees it.</summary>
    public CutoffCandidate ToCutoffCandidate() =>
        new(TradeId, ConfirmedVersion, AwaitingAffirmation, CutoffAt ?? DateTimeOffset.MaxValue, CutoffReportedVersion);

    /// <summary>Appends to a bounded list, dropping the oldest.</summary>
    public static IReadOnlyList<T> Bounded<T>(IEnumerable<T> list, T item) => [.. list.Append(item).TakeLast(ListLimit)];

    /// <summary>A note with the version it is about.</summary>
    public static string Note(long version, string text) => string.Create(CultureInfo.InvariantCulture, $"v{version}: {text}");
}

/// <summary>
/// The confirmation stage's storage port (Cosmos container <c>trades</c>, document <c>confirm</c> in the trade's partition,
/// in production). The per-trade path uses only point reads and single-document conditional writes.
/// </summary>
public interface IConfirmationStore
{
    /// <summary>Reads a trade's confirmation document, or null.</summary>
    Task<ConfirmationDocument?> GetAsync(string tradeId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the document if the stored one still has <paramref name="expectedETag"/> (null: only if none exists yet).
    /// Returns <see cref="StoreWriteResult.Conflict"/> when another writer won; transient failures throw.
    /// </summary>
    Task<StoreWriteResult> TryWriteAsync(ConfirmationDocument document, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>
    /// Every document awaiting affirmation whose cut-off is at or before <paramref name="at"/> and whose confirmed version
    /// was not reported yet (the cut-off watch's query; a timer's cross-partition read, never the per-trade path).
    /// </summary>
    IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Every document that only holds affirmations (<see cref="ConfirmationDocument.HeldOnlySince"/>) since before
    /// <paramref name="before"/>: the expiry's query (decision 0061), a timer's cross-partition read like the cut-off's.
    /// </summary>
    IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a trade's document if the stored one still has <paramref name="expectedETag"/>. False when another writer
    /// changed it first (or it is gone); transient failures throw.
    /// </summary>
    Task<bool> TryDeleteAsync(string tradeId, string expectedETag, CancellationToken cancellationToken);
}
