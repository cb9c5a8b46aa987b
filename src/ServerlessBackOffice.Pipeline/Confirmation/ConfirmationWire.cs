using System.Text.Json.Serialization;
using ServerlessBackOffice.Pipeline.Capture;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>
/// A message to a counterparty (contract confirmation-v1, docs/contracts/confirmation-v1.schema.json): the confirmation of a
/// trade version with its full economics, or the notice that a confirmed trade was cancelled. It carries every field an
/// affirmation-v1 answer needs, with the same names, so the counterparty affirms by echoing them.
/// </summary>
/// <param name="SchemaVersion">Always 1.</param>
/// <param name="Kind"><c>Confirmation</c> or <c>Cancellation</c>.</param>
/// <param name="ConfirmationId">Deterministic id, also the Service Bus message id: <c>CONF-&lt;tradeId&gt;-v&lt;version&gt;</c>.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The trade version confirmed (or cancelled).</param>
/// <param name="Account">Our account.</param>
/// <param name="BookId">Our book.</param>
/// <param name="CounterpartyLei">The counterparty.</param>
/// <param name="CounterpartyName">Its legal name, from reference data.</param>
/// <param name="Isin">Instrument.</param>
/// <param name="Mic">Venue.</param>
/// <param name="Side">Our side: <c>Buy</c> or <c>Sell</c> (affirmation-v1 spelling).</param>
/// <param name="Quantity">Quantity, decimal string.</param>
/// <param name="Price">Price, decimal string.</param>
/// <param name="PriceType"><c>perUnit</c> or <c>percentOfPar</c>.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="ExecutionTimestamp">Execution instant (UTC ISO 8601).</param>
/// <param name="TradeDate">yyyy-MM-dd.</param>
/// <param name="SettlementDate">yyyy-MM-dd.</param>
/// <param name="Gross">Gross amount.</param>
/// <param name="Commission">Commission.</param>
/// <param name="Fees">Fees and taxes, line by line.</param>
/// <param name="AccruedInterest">Accrued interest.</param>
/// <param name="NetAmount">Net amount (what affirmation-v1 calls netAmount).</param>
/// <param name="RoundingRule">The named rounding rule every amount went through.</param>
/// <param name="AffirmBy">The affirmation cut-off (UTC ISO 8601).</param>
/// <param name="IssuedAt">When we issued the message (UTC ISO 8601).</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
/// <param name="CancelsConfirmationId">For a cancellation, the confirmation it withdraws.</param>
public sealed record ConfirmationMessageWire(
    int SchemaVersion,
    string Kind,
    string ConfirmationId,
    string TradeId,
    int Version,
    string Account,
    string BookId,
    string CounterpartyLei,
    string CounterpartyName,
    string Isin,
    string Mic,
    string Side,
    string Quantity,
    string Price,
    string PriceType,
    string Currency,
    string ExecutionTimestamp,
    string TradeDate,
    string SettlementDate,
    string Gross,
    string Commission,
    IReadOnlyList<FeeLineWire> Fees,
    string AccruedInterest,
    string NetAmount,
    string RoundingRule,
    string AffirmBy,
    string IssuedAt,
    string? CorrelationId = null,
    string? CancelsConfirmationId = null)
{
    /// <summary>The kind of a confirmation.</summary>
    public const string ConfirmationKind = "Confirmation";

    /// <summary>The kind of a cancellation notice.</summary>
    public const string CancellationKind = "Cancellation";
}

/// <summary>An affirmation from a counterparty (contract affirmation-v1, docs/contracts/affirmation-v1.schema.json).</summary>
/// <param name="SchemaVersion">Always 1.</param>
/// <param name="AffirmationId">The counterparty's id; a redelivery carries the same id.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The trade version affirmed.</param>
/// <param name="Account">Account.</param>
/// <param name="CounterpartyLei">The affirming counterparty.</param>
/// <param name="Isin">Instrument.</param>
/// <param name="Side">Our side as the counterparty understood it: Buy or Sell.</param>
/// <param name="Quantity">Decimal string.</param>
/// <param name="Price">Decimal string.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="TradeDate">yyyy-MM-dd.</param>
/// <param name="SettlementDate">yyyy-MM-dd.</param>
/// <param name="NetAmount">Decimal string.</param>
/// <param name="Comment">Free text.</param>
public sealed record AffirmationWire(
    int SchemaVersion,
    string AffirmationId,
    string TradeId,
    long Version,
    string Account,
    string CounterpartyLei,
    string Isin,
    string Side,
    string Quantity,
    string Price,
    string Currency,
    string TradeDate,
    string SettlementDate,
    string NetAmount,
    string? Comment = null);

/// <summary>The TradeAffirmed event (a fixed contract: the settlement stage consumes it).</summary>
/// <param name="EventId"><c>&lt;tradeId&gt;:&lt;version&gt;:TradeAffirmed</c>.</param>
/// <param name="EventType">TradeAffirmed.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The trade version the affirmation covers.</param>
/// <param name="CounterpartyLei">Who affirmed.</param>
/// <param name="AffirmationId">The counterparty's affirmation id.</param>
/// <param name="AffirmedAt">When we matched it (UTC ISO 8601).</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
public sealed record TradeAffirmedWire(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string CounterpartyLei,
    string AffirmationId,
    string AffirmedAt,
    string? CorrelationId = null);

/// <summary>One field on which an affirmation disagrees with our confirmation.</summary>
/// <param name="Field">The affirmation-v1 field name.</param>
/// <param name="Ours">Our value.</param>
/// <param name="Theirs">The counterparty's value.</param>
/// <param name="Rule">The rule it broke (exact, or within a tolerance).</param>
public sealed record DiscrepancyWire(string Field, string Ours, string Theirs, string Rule);

/// <summary>The TradeMismatched event: an affirmation that does not match, with every discrepancy.</summary>
/// <param name="EventId"><c>&lt;tradeId&gt;:&lt;version&gt;:TradeMismatched:&lt;affirmationId&gt;</c> (one per disputed affirmation).</param>
/// <param name="EventType">TradeMismatched.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The confirmed version matched against.</param>
/// <param name="CounterpartyLei">The confirmation's counterparty.</param>
/// <param name="AffirmationId">The counterparty's affirmation id.</param>
/// <param name="MismatchedAt">When we matched it (UTC ISO 8601).</param>
/// <param name="Discrepancies">Every field that differs beyond tolerance.</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
public sealed record TradeMismatchedWire(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string CounterpartyLei,
    string AffirmationId,
    string MismatchedAt,
    IReadOnlyList<DiscrepancyWire> Discrepancies,
    string? CorrelationId = null);

/// <summary>The UnaffirmedAtCutoff event: a confirmation still unaffirmed when its market's cut-off passed.</summary>
/// <param name="EventId"><c>&lt;tradeId&gt;:&lt;version&gt;:UnaffirmedAtCutoff</c>.</param>
/// <param name="EventType">UnaffirmedAtCutoff.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">The confirmed version.</param>
/// <param name="BookId">Book.</param>
/// <param name="CounterpartyLei">The counterparty that has not affirmed.</param>
/// <param name="ConfirmationId">The confirmation that is unaffirmed.</param>
/// <param name="Status">Confirmed (no answer) or Mismatched (disputed).</param>
/// <param name="Market">The market whose rule set the cut-off.</param>
/// <param name="CutoffAt">The cut-off (UTC ISO 8601).</param>
/// <param name="DetectedAt">When the watch saw it (UTC ISO 8601).</param>
/// <param name="CorrelationId">The trade's correlation id.</param>
public sealed record UnaffirmedAtCutoffWire(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string BookId,
    string CounterpartyLei,
    string ConfirmationId,
    string Status,
    string Market,
    string CutoffAt,
    string DetectedAt,
    string? CorrelationId = null);

/// <summary>What the archive keeps for an inbound affirmation: the body as received and the outcome it got.</summary>
/// <param name="MessageId">The Service Bus message id.</param>
/// <param name="Outcome">affirmed, mismatched, held, duplicate, stale or deadLettered.</param>
/// <param name="Description">A human explanation.</param>
/// <param name="Body">The body as received (UTF-8 text).</param>
/// <param name="Reason">The reason code for stale, duplicate and dead-lettered outcomes.</param>
public sealed record InboundAffirmationRecord(string MessageId, string Outcome, string Description, string Body, string? Reason = null);

/// <summary>What the archive keeps for a held affirmation that expired before its trade arrived (decision 0061).</summary>
/// <param name="TradeId">The trade id it named, which no trade event ever carried.</param>
/// <param name="InboundMessageId">The Service Bus message id it came in (its inbound record says "held").</param>
/// <param name="HeldAt">When it was held (UTC, ISO 8601).</param>
/// <param name="Reason">HeldAffirmationExpired.</param>
/// <param name="Description">A human explanation.</param>
/// <param name="Affirmation">The affirmation as held.</param>
public sealed record ExpiredHeldAffirmationRecord(string TradeId, string InboundMessageId, string HeldAt, string Reason, string Description, AffirmationWire Affirmation);

/// <summary>Source-generated serialisation of the confirmation stage's wire formats. Unknown properties are refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConfirmationMessageWire))]
[JsonSerializable(typeof(AffirmationWire))]
[JsonSerializable(typeof(TradeAffirmedWire))]
[JsonSerializable(typeof(TradeMismatchedWire))]
[JsonSerializable(typeof(UnaffirmedAtCutoffWire))]
[JsonSerializable(typeof(InboundAffirmationRecord))]
[JsonSerializable(typeof(ExpiredHeldAffirmationRecord))]
public sealed partial class ConfirmationJsonContext : JsonSerializerContext;
