using System.Text.Json.Serialization;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>
/// A message to a custodian (contract settlement-instruction-v1, docs/contracts/settlement-instruction-v1.schema.json): a new
/// instruction with its sese.023.001.09 rendering, or the cancellation of an instruction issued earlier. Amounts are decimal
/// strings; the Service Bus message id is <c>&lt;instructionId&gt;</c> for an instruction and <c>&lt;instructionId&gt;-CANC</c>
/// for its cancellation, so a repeated publication is dropped by duplicate detection.
/// </summary>
/// <param name="SchemaVersion">Always 1.</param>
/// <param name="Kind"><c>Instruction</c> or <c>Cancellation</c>.</param>
/// <param name="InstructionId">Our transaction id (sese.023 TxId), deterministic from the trades it covers.</param>
/// <param name="CustodianLei">The custodian instructed (also the <c>custodianLei</c> application property).</param>
/// <param name="CounterpartyLei">The counterparty.</param>
/// <param name="Account">Our account (safekeeping account at the custodian).</param>
/// <param name="Isin">Instrument.</param>
/// <param name="Movement"><c>RECE</c> or <c>DELI</c>.</param>
/// <param name="Payment"><c>APMT</c> or <c>FREE</c>.</param>
/// <param name="TradeDate">yyyy-MM-dd (the latest trade date of a netted set).</param>
/// <param name="SettlementDate">Intended settlement date, yyyy-MM-dd.</param>
/// <param name="Quantity">Units or face amount, decimal string.</param>
/// <param name="QuantityType"><c>UNIT</c> or <c>FAMT</c>.</param>
/// <param name="SettlementAmount">Cash amount, decimal string (0 when free of payment).</param>
/// <param name="CreditDebit"><c>CRDT</c> (we receive cash) or <c>DBIT</c> (we pay).</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="Netted">True when the instruction is the net of several trades under a netting agreement.</param>
/// <param name="TradeIds">The trades the instruction covers.</param>
/// <param name="IssuedAt">When we issued it (UTC ISO 8601).</param>
/// <param name="Sese023">The sese.023.001.09 XML document.</param>
/// <param name="CorrelationId">The trade's correlation id (the first trade's for a netted set).</param>
/// <param name="CancelsInstructionId">For a cancellation, the instruction it cancels (equal to <paramref name="InstructionId"/>).</param>
/// <param name="Reason">For a cancellation, why (TradeAmended, TradeCancelled, NettingSetChanged).</param>
public sealed record SettlementInstructionWire(
    int SchemaVersion,
    string Kind,
    string InstructionId,
    string CustodianLei,
    string CounterpartyLei,
    string Account,
    string Isin,
    string Movement,
    string Payment,
    string TradeDate,
    string SettlementDate,
    string Quantity,
    string QuantityType,
    string SettlementAmount,
    string CreditDebit,
    string Currency,
    bool Netted,
    IReadOnlyList<string> TradeIds,
    string IssuedAt,
    string? Sese023 = null,
    string? CorrelationId = null,
    string? CancelsInstructionId = null,
    string? Reason = null)
{
    /// <summary>The kind of a new instruction.</summary>
    public const string InstructionKind = "Instruction";

    /// <summary>The kind of a cancellation.</summary>
    public const string CancellationKind = "Cancellation";
}

/// <summary>
/// A custodian status report (contract custodian-status-v1, docs/contracts/custodian-status-v1.schema.json; sese.024/sese.025
/// semantics). Quantities and cash are cumulative decimal strings.
/// </summary>
/// <param name="SchemaVersion">Always 1.</param>
/// <param name="StatusId">The custodian's report id; a redelivery carries the same id.</param>
/// <param name="InstructionId">Our instruction id.</param>
/// <param name="Status">Matched, Unmatched, Settled, PartiallySettled, Failed or Cancelled.</param>
/// <param name="ReportedAt">When the custodian produced it (UTC ISO 8601).</param>
/// <param name="SettledQuantity">Cumulative settled quantity (settled and partially settled).</param>
/// <param name="SettledCash">Cumulative settled cash (settled and partially settled).</param>
/// <param name="ReasonCode">ISO 20022 reason code (LACK, MONY, CLAC, CMIS …) for fails and unmatched.</param>
public sealed record CustodianStatusWire(
    int SchemaVersion,
    string StatusId,
    string InstructionId,
    string Status,
    string ReportedAt,
    string? SettledQuantity = null,
    string? SettledCash = null,
    string? ReasonCode = null);

/// <summary>
/// A settlement event on the trade-events topic, one per trade: InstructionIssued, InstructionCancelled, SettlementMatched,
/// SettlementUnmatched, SettlementFailed, TradePartiallySettled, TradeSettled. The reports read it (EventDecoders) and the
/// ledger posts TradeSettled / TradePartiallySettled (LedgerEventMapper): <c>settledQuantity</c> and <c>settledCash</c> are
/// what this event settled (increments, summed by the reports), <c>cumulativeQuantity</c> and <c>cumulativeCash</c> what is
/// settled so far (the ledger's idempotency key).
/// </summary>
/// <param name="EventId">Deterministic: <c>&lt;tradeId&gt;:&lt;instructionId or statusId&gt;:&lt;eventType&gt;</c>.</param>
/// <param name="EventType">The event type.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The trade version the instruction is for.</param>
/// <param name="BookId">Book.</param>
/// <param name="InstructionId">The instruction.</param>
/// <param name="IntendedSettlementDate">yyyy-MM-dd.</param>
/// <param name="Side">buy or sell.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="Netted">Whether the instruction is a netted one.</param>
/// <param name="StatusId">The custodian report that caused it (status events).</param>
/// <param name="ReasonCode">Reason code (fails, unmatched, cancellations).</param>
/// <param name="FailedQuantity">Quantity still unsettled (fails).</param>
/// <param name="FailingParty"><c>Us</c> or <c>Counterparty</c> (fails with LACK or MONY).</param>
/// <param name="SettledOn">The settlement date reported (settled events), yyyy-MM-dd.</param>
/// <param name="SettledQuantity">Quantity settled by this event (increment).</param>
/// <param name="SettledCash">Cash settled by this event (increment).</param>
/// <param name="CumulativeQuantity">Quantity settled so far.</param>
/// <param name="CumulativeCash">Cash settled so far.</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
public sealed record SettlementEventWire(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string BookId,
    string InstructionId,
    string IntendedSettlementDate,
    string Side,
    string Currency,
    bool Netted,
    string? StatusId = null,
    string? ReasonCode = null,
    string? FailedQuantity = null,
    string? FailingParty = null,
    string? SettledOn = null,
    string? SettledQuantity = null,
    string? SettledCash = null,
    string? CumulativeQuantity = null,
    string? CumulativeCash = null,
    string? CorrelationId = null);

/// <summary>The settlement event types.</summary>
public static class SettlementEventTypes
{
    /// <summary>An instruction covering the trade was sent to the custodian.</summary>
    public const string InstructionIssued = "InstructionIssued";

    /// <summary>The trade's instruction was cancelled.</summary>
    public const string InstructionCancelled = "InstructionCancelled";

    /// <summary>The custodian matched the instruction.</summary>
    public const string SettlementMatched = "SettlementMatched";

    /// <summary>The custodian could not match the instruction.</summary>
    public const string SettlementUnmatched = "SettlementUnmatched";

    /// <summary>The instruction failed to settle.</summary>
    public const string SettlementFailed = "SettlementFailed";

    /// <summary>Part of the trade settled.</summary>
    public const string TradePartiallySettled = "TradePartiallySettled";

    /// <summary>The trade settled in full.</summary>
    public const string TradeSettled = "TradeSettled";
}

/// <summary>Source-generated serialisation of the settlement stage's wire formats. Unknown properties are refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SettlementInstructionWire))]
[JsonSerializable(typeof(CustodianStatusWire))]
[JsonSerializable(typeof(SettlementEventWire))]
public sealed partial class SettlementJsonContext : JsonSerializerContext;
