using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>Where a trade stands in the settlement stage.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TradeSettlementStatus>))]
public enum TradeSettlementStatus
{
    /// <summary>Known (from an amendment) but its current terms are not affirmed yet.</summary>
    AwaitingAffirmation,

    /// <summary>Affirmed with a counterparty that nets: waits for the netting run of its settlement date.</summary>
    AwaitingNetting,

    /// <summary>Covered by an instruction (<see cref="TradeSettlementDocument.InstructionId"/>).</summary>
    Instructed,

    /// <summary>Netted to zero with other trades: settled by offset, no instruction. Final.</summary>
    SettledByOffset,

    /// <summary>The trade was cancelled. Final.</summary>
    Cancelled,
}

/// <summary>
/// One trade's settlement state, in the trade's partition of the trades container (<c>id = "settlement-state"</c>), beside the
/// capture and confirmation documents: the latest trade version seen, the version whose settlement terms are in force, and
/// the instruction covering it. The outbox holds the messages of the last change until the next change replaces it
/// (decision 0060's pattern: deterministic ids make a repeated flush harmless).
/// </summary>
/// <param name="TradeId">Trade id (partition key).</param>
/// <param name="Version">The latest trade version seen.</param>
/// <param name="TermsVersion">The version whose settlement terms are in force (the last economic amendment).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Trade">The latest trade as published on trade-events.</param>
/// <param name="SettlementDate">Its intended settlement date (queried by the netting run).</param>
/// <param name="InstructionId">The instruction covering it, when instructed.</param>
/// <param name="Outbox">Messages of the last change.</param>
/// <param name="RecentInboundMessageIds">Inbound message ids already applied (bounded).</param>
/// <param name="ETag">Concurrency token; null before the first write.</param>
/// <param name="AffirmedAhead">
/// The version of an affirmation that reached settlement before the amendment it affirms (the two travel different paths):
/// remembered, and acted on when that amendment arrives, so the order of the two never changes the outcome.
/// </param>
public sealed record TradeSettlementDocument(
    string TradeId,
    long Version,
    long TermsVersion,
    TradeSettlementStatus Status,
    TradeEventWire? Trade,
    DateOnly? SettlementDate,
    string? InstructionId,
    IReadOnlyList<OutboundMessage> Outbox,
    IReadOnlyList<string> RecentInboundMessageIds,
    string? ETag,
    long? AffirmedAhead = null)
{
    /// <summary>How many inbound ids are remembered.</summary>
    public const int RecentInboundLimit = 16;

    /// <summary>The ids with <paramref name="messageId"/> appended, oldest dropped beyond the limit.</summary>
    public static IReadOnlyList<string> Bounded(IReadOnlyList<string> ids, string messageId) =>
        [.. ids.Append(messageId).TakeLast(RecentInboundLimit)];
}

/// <summary>Whether an instruction document is being built, live at the custodian, or withdrawn.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstructionPhase>))]
public enum InstructionPhase
{
    /// <summary>Written by a netting run, its trades being reserved; not published yet.</summary>
    Draft,

    /// <summary>Published to the custodian; follows the custodian's statuses.</summary>
    Live,

    /// <summary>We asked the custodian to cancel it (the trade was amended or cancelled, or a netted trade changed).</summary>
    CancelRequested,

    /// <summary>A draft that was never published because one of its trades changed first. Final.</summary>
    Abandoned,

    /// <summary>A netting set that netted to zero securities and zero cash: never sent; its trades settled by offset. Final.</summary>
    Offset,
}

/// <summary>One trade's share of an instruction and what of it has settled.</summary>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The trade version instructed (updated by non-economic amendments).</param>
/// <param name="BookId">Book.</param>
/// <param name="Side">buy or sell.</param>
/// <param name="Quantity">The trade's quantity (positive).</param>
/// <param name="Cash">The trade's net amount (positive).</param>
/// <param name="CumulativeQuantity">Quantity settled so far.</param>
/// <param name="CumulativeCash">Cash settled so far.</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
public sealed record TradeAllocation(
    string TradeId,
    long Version,
    string BookId,
    string Side,
    decimal Quantity,
    decimal Cash,
    decimal CumulativeQuantity,
    decimal CumulativeCash,
    string? CorrelationId);

/// <summary>
/// One settlement instruction, in its own partition of the settlement-instructions container (partition key
/// <c>/instructionId</c>): the instruction, the trades it covers, the custodian lifecycle with every status, and the outbox
/// of its last change. Statuses are point reads and single-document conditional writes.
/// </summary>
/// <param name="InstructionId">Instruction id (partition key and document id).</param>
/// <param name="Phase">Draft, live, cancel requested or abandoned.</param>
/// <param name="Instruction">The instruction as issued.</param>
/// <param name="CustodianLei">The custodian instructed.</param>
/// <param name="Account">Our account.</param>
/// <param name="Market">The settlement convention (market) id; EU markets accrue CSDR penalties.</param>
/// <param name="Netted">Whether it nets several trades (or one trade of a netting counterparty).</param>
/// <param name="Trades">The trades covered and what of each has settled.</param>
/// <param name="Lifecycle">The custodian status state machine with its history.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="Outbox">Messages of the last change.</param>
/// <param name="ETag">Concurrency token; null before the first write.</param>
/// <param name="NettingRun">For a netted instruction, the number of the netting run that issued it (decision 0066); 0 for a gross one.</param>
public sealed record SettlementInstructionDocument(
    string InstructionId,
    InstructionPhase Phase,
    SettlementInstruction Instruction,
    string CustodianLei,
    string Account,
    string Market,
    bool Netted,
    IReadOnlyList<TradeAllocation> Trades,
    SettlementLifecycle Lifecycle,
    DateTimeOffset IssuedAt,
    IReadOnlyList<OutboundMessage> Outbox,
    string? ETag,
    long NettingRun = 0);

/// <summary>
/// How many netting runs have finished (decision 0066). A netted instruction goes live stamped with the number of the run that
/// issues it (<see cref="SettlementInstructionDocument.NettingRun"/>); a live one stamped beyond <see cref="CompletedRuns"/>
/// was issued by a run that died before it finished, so the next run publishes its issuance again. One read and one write
/// per run instead of a clearing write per netted instruction.
/// </summary>
public sealed record NettingRunMarker(long CompletedRuns, string? ETag);

/// <summary>The settlement stage's state (Cosmos in production: trades container and settlement-instructions container).</summary>
public interface ISettlementStore
{
    /// <summary>A trade's settlement document, or null (a point read in the trade's partition).</summary>
    Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken);

    /// <summary>Writes if the stored document still has <paramref name="expectedETag"/> (null: only if none exists).</summary>
    Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>An instruction document, or null (a point read in the instruction's partition).</summary>
    Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken);

    /// <summary>Writes if the stored document still has <paramref name="expectedETag"/> (null: only if none exists).</summary>
    Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>The netting runs' progress marker, or null before the first run finished (a point read).</summary>
    Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken);

    /// <summary>Writes the marker if the stored one still has <paramref name="expectedETag"/> (null: only if none exists).</summary>
    Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Trades awaiting netting with a settlement date on or before <paramref name="through"/> (the netting run only).</summary>
    IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken);

    /// <summary>Draft instructions a netting run left unfinished (the netting run only).</summary>
    IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken);

    /// <summary>Live instructions not yet settled or cancelled (fails reporting only).</summary>
    IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken);
}

/// <summary>How the trigger settles the inbound message.</summary>
public enum SettlementDisposition
{
    /// <summary>Complete it: it has its outcome.</summary>
    Complete,

    /// <summary>Dead-letter it with the reason and description.</summary>
    DeadLetter,

    /// <summary>Give it back to Service Bus to be delivered again later (the trigger throws).</summary>
    Retry,
}

/// <summary>What a settlement-stage handler did with one inbound message, and how the trigger settles it.</summary>
/// <param name="Outcome">The outcome name (<see cref="SettlementOutcomes"/>).</param>
/// <param name="Disposition">Complete, dead-letter or retry.</param>
/// <param name="Reason">A stable reason code (dead-letters, retries, outcomes that changed nothing).</param>
/// <param name="Description">A human explanation.</param>
public sealed record SettlementResult(string Outcome, SettlementDisposition Disposition, string? Reason, string Description)
{
    /// <summary>A final outcome: the message is completed.</summary>
    public static SettlementResult Complete(string outcome, string description, string? reason = null) => new(outcome, SettlementDisposition.Complete, reason, description);

    /// <summary>A message that can never succeed: dead-lettered with a reason.</summary>
    public static SettlementResult DeadLetter(string reason, string description) => new(SettlementOutcomes.DeadLettered, SettlementDisposition.DeadLetter, reason, description);

    /// <summary>A message that may succeed later: delivered again by Service Bus.</summary>
    public static SettlementResult Retry(string reason, string description) => new(SettlementOutcomes.Retried, SettlementDisposition.Retry, reason, description);
}

/// <summary>The outcome names of the settlement stage.</summary>
public static class SettlementOutcomes
{
    /// <summary>An instruction was issued.</summary>
    public const string Instructed = "instructed";

    /// <summary>The trade waits for its netting run.</summary>
    public const string AwaitingNetting = "awaitingNetting";

    /// <summary>An amendment or a trade known before its affirmation: recorded, waiting for the affirmation.</summary>
    public const string AwaitingAffirmation = "awaitingAffirmation";

    /// <summary>The affirmation of an amendment that has not reached settlement yet: recorded, acted on when it arrives.</summary>
    public const string AwaitingAmendment = "awaitingAmendment";

    /// <summary>A non-economic amendment: the instruction stays, its version moves.</summary>
    public const string VersionUpdated = "versionUpdated";

    /// <summary>The instruction was cancelled (and re-issued after affirmation when the trade was amended).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Nothing new: a redelivery or an event already reflected.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>Older than what the state reflects.</summary>
    public const string Stale = "stale";

    /// <summary>A custodian status applied.</summary>
    public const string StatusApplied = "statusApplied";

    /// <summary>A custodian status kept in history without a change (duplicate, stale or invalid transition).</summary>
    public const string StatusIgnored = "statusIgnored";

    /// <summary>Dead-lettered.</summary>
    public const string DeadLettered = "deadLettered";

    /// <summary>Given back for a later delivery.</summary>
    public const string Retried = "retried";
}

/// <summary>Every attempt to write lost a concurrency race; transient, so the message is retried.</summary>
public sealed class SettlementConcurrencyException : Exception
{
    public SettlementConcurrencyException(string message) : base(message)
    {
    }

    public SettlementConcurrencyException()
    {
    }

    public SettlementConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
