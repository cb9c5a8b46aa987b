using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Capture;

namespace ServerlessBackOffice.Pipeline.Ports;

/// <summary>
/// A message to put on a queue or topic. <see cref="MessageId"/> is deterministic (derived from what caused the message),
/// so publishing the same message twice is harmless: Service Bus duplicate detection drops the second within its window and
/// consumers dedupe on the id beyond it (decision 0010).
/// </summary>
/// <param name="Destination">The queue or topic name, always taken from <c>ServerlessBackOffice.Topology.Entities</c>.</param>
/// <param name="MessageId">Deterministic id.</param>
/// <param name="Subject">Message subject (the event type or reply outcome).</param>
/// <param name="CorrelationId">The OMS correlation id, carried end to end.</param>
/// <param name="ApplicationProperties">Properties subscriptions filter on (eventType).</param>
/// <param name="Body">UTF-8 JSON body.</param>
public sealed record OutboundMessage(
    string Destination,
    string MessageId,
    string Subject,
    string? CorrelationId,
    IReadOnlyDictionary<string, string> ApplicationProperties,
    string Body);

/// <summary>
/// The stored document of one trade: its state, the messages of its last state change (the outbox: kept until the next change
/// replaces it and published again by whoever next touches the trade, decision 0065), and
/// the inbound message ids that already produced an outcome for it. One document per trade, so state and outbox are written
/// in one atomic write within the trade's partition.
/// </summary>
/// <param name="TradeId">The trade id (partition key).</param>
/// <param name="State">Current state.</param>
/// <param name="Outbox">Messages written with the state; nothing confirms their publication, so they are published again (idempotently) before the next change.</param>
/// <param name="PendingArchive">The archive entry of the message that made the last state change (archived again, write-once, with the outbox).</param>
/// <param name="RecentInboundMessageIds">The last inbound message ids applied to this trade, newest last (bounded).</param>
/// <param name="ETag">Concurrency token of the stored version; null before the first write.</param>
public sealed record TradeDocument(
    string TradeId,
    TradeState State,
    IReadOnlyList<OutboundMessage> Outbox,
    CaptureArchiveEntry? PendingArchive,
    IReadOnlyList<string> RecentInboundMessageIds,
    string? ETag)
{
    /// <summary>How many inbound ids the document remembers; redeliveries come within minutes, so a few suffice.</summary>
    public const int RecentInboundLimit = 32;

    /// <summary>True when the last state change has messages or an archive entry that a flush (re)publishes; repair writes clear them.</summary>
    public bool HasPendingWork => Outbox.Count > 0 || PendingArchive is not null;
}

/// <summary>The result of a conditional write.</summary>
/// <param name="Written">False when another writer changed the document first.</param>
/// <param name="ETag">The new concurrency token when written.</param>
public readonly record struct StoreWriteResult(bool Written, string? ETag)
{
    /// <summary>The write lost an optimistic-concurrency race.</summary>
    public static StoreWriteResult Conflict => new(false, null);
}

/// <summary>Trades by id (Cosmos container <c>trades</c>, partitioned by trade id, in production).</summary>
public interface ITradeStore
{
    /// <summary>Reads a trade's document, or null when the trade is unknown.</summary>
    Task<TradeDocument?> GetAsync(string tradeId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the document if the stored one still has <paramref name="expectedETag"/> (null: only if none exists yet).
    /// Returns <see cref="StoreWriteResult.Conflict"/> when it lost the race; transient failures throw.
    /// </summary>
    Task<StoreWriteResult> TryWriteAsync(TradeDocument document, string? expectedETag, CancellationToken cancellationToken);
}

/// <summary>Publishes messages to Service Bus queues and topics.</summary>
public interface IMessagePublisher
{
    /// <summary>Publishes one message; transient failures throw so the inbound message is retried.</summary>
    Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken);
}

/// <summary>Reference data, as one consistent snapshot (cached by the adapter).</summary>
public interface IReferenceDataSource
{
    /// <summary>The current snapshot.</summary>
    ValueTask<ReferenceDataSet> GetCurrentAsync(CancellationToken cancellationToken);
}

/// <summary>What the archive keeps for one inbound message: the bytes as received and the one outcome it got.</summary>
/// <param name="InboundMessageId">
/// The Service Bus message id of the inbound message: the key it is archived under. A body that arrived under an id already
/// archived with other content is archived under <see cref="CaptureHandler.ReusedArchiveId"/> instead (decision 0067).
/// </param>
/// <param name="ReceivedAt">When capture processed it.</param>
/// <param name="Body">The message body as received.</param>
/// <param name="Outcome">The outcome kind.</param>
/// <param name="ReasonCode">The reason code for rejected and dead-lettered messages.</param>
/// <param name="ReplyBody">The reply sent to the OMS.</param>
public sealed record CaptureArchiveEntry(
    string InboundMessageId,
    DateTimeOffset ReceivedAt,
    ReadOnlyMemory<byte> Body,
    CaptureOutcomeKind Outcome,
    ReasonCode? ReasonCode,
    string ReplyBody);

/// <summary>The write-once archive of inbound messages and their outcomes (Blob Storage with immutability in production).</summary>
public interface ICaptureArchive
{
    /// <summary>
    /// Stores the entry under its inbound message id if none is stored yet, and returns the entry that is stored (the earlier
    /// one on a redelivery: the first outcome of a message is its outcome for ever).
    /// </summary>
    Task<CaptureArchiveEntry> ArchiveAsync(CaptureArchiveEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Finds the entry archived under an inbound message id, or null when none is: the one <see cref="ArchiveAsync"/> would
    /// return for a redelivery received at <paramref name="receivedAt"/> (so an implementation that files entries by day
    /// looks where that call looks: the archive day of <paramref name="receivedAt"/> and the day before). A read only;
    /// capture calls it before a state change, to refuse a body that reuses an archived id (decision 0067).
    /// </summary>
    Task<CaptureArchiveEntry?> FindAsync(string inboundMessageId, DateTimeOffset receivedAt, CancellationToken cancellationToken);
}
