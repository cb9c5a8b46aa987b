using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Reconciliation;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>One securities line of a holdings-statement-v1 (semt.002 semantics): settled quantity of an ISIN.</summary>
/// <param name="Isin">The instrument.</param>
/// <param name="Quantity">The settled quantity as a decimal string (never a JSON number).</param>
public sealed record HoldingsStatementLineWire(
    [property: JsonPropertyName("isin")] string Isin,
    [property: JsonPropertyName("quantity")] string Quantity);

/// <summary>
/// holdings-statement-v1: a custodian's statement of an account's settled holdings at a date's close (semt.002
/// "statement of holdings", one safekeeping account mapped to our account id). docs/contracts/holdings-statement-v1.schema.json.
/// </summary>
public sealed record HoldingsStatementWire(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("statementId")] string StatementId,
    [property: JsonPropertyName("custodianLei")] string CustodianLei,
    [property: JsonPropertyName("account")] string Account,
    [property: JsonPropertyName("statementDate")] string StatementDate,
    [property: JsonPropertyName("holdings")] IReadOnlyList<HoldingsStatementLineWire> Holdings);

/// <summary>One currency line of a cash-statement-v1 (camt.053 semantics): the closing booked balance.</summary>
/// <param name="Currency">ISO 4217 code.</param>
/// <param name="ClosingBalance">Closing booked balance (camt.053 CLBD), signed decimal string.</param>
public sealed record CashStatementLineWire(
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("closingBalance")] string ClosingBalance);

/// <summary>
/// cash-statement-v1: the cash agent's end-of-day statement of an account's closing booked balances per currency
/// (camt.053 semantics). docs/contracts/cash-statement-v1.schema.json.
/// </summary>
public sealed record CashStatementWire(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("statementId")] string StatementId,
    [property: JsonPropertyName("servicerLei")] string ServicerLei,
    [property: JsonPropertyName("account")] string Account,
    [property: JsonPropertyName("statementDate")] string StatementDate,
    [property: JsonPropertyName("balances")] IReadOnlyList<CashStatementLineWire> Balances);

/// <summary>A validated statement, whichever kind: what the reconciliation compares with the books.</summary>
/// <param name="StatementId">The sender's statement id: the idempotency key of the statement.</param>
/// <param name="Kind">Securities (holdings statement) or cash (cash statement).</param>
/// <param name="SenderLei">The custodian or cash agent.</param>
/// <param name="Account">Our account id.</param>
/// <param name="StatementDate">The close the statement reports.</param>
/// <param name="Lines">One holding per ISIN or currency (duplicates are refused by the parser).</param>
public sealed record Statement(string StatementId, HoldingKind Kind, string SenderLei, string Account, DateOnly StatementDate, IReadOnlyList<Holding> Lines);

/// <summary>Why a statement can never be processed: dead-lettered with this reason and description.</summary>
public sealed record StatementProblem(string Reason, string Description);

[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(HoldingsStatementWire))]
[JsonSerializable(typeof(CashStatementWire))]
internal sealed partial class StatementJsonContext : JsonSerializerContext;
