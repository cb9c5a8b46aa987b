using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Pipeline.Capture;

/// <summary>The result of reading an inbound body: a message, or why it could not be read.</summary>
/// <param name="Message">The message when the body is a contract-shaped JSON object.</param>
/// <param name="Rejection">Why it is not.</param>
public readonly record struct ParseResult(OmsTradeMessage? Message, Rejection? Rejection);

/// <summary>Reads OMS contract v1 bodies. Unknown properties are refused so a misspelt optional field is never silently dropped.</summary>
public static class OmsMessageParser
{
    /// <summary>Parses <paramref name="body"/>, enforcing the size limit first.</summary>
    public static ParseResult Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > OmsContract.MaximumMessageBytes)
        {
            return new ParseResult(null, new Rejection(ReasonCode.PayloadTooLarge, $"The message is {body.Length} bytes; the limit is {OmsContract.MaximumMessageBytes}."));
        }

        try
        {
            var message = JsonSerializer.Deserialize(body, CaptureJsonContext.Default.OmsTradeMessage);
            return message is null
                ? new ParseResult(null, new Rejection(ReasonCode.MalformedMessage, "The body is JSON null, not a message."))
                : new ParseResult(message, null);
        }
        catch (JsonException ex)
        {
            // The path and position tell the OMS team exactly which field broke the contract.
            return new ParseResult(null, new Rejection(ReasonCode.MalformedMessage, $"The body is not a contract v1 JSON object: {ex.Message}"));
        }
    }
}

/// <summary>The reply sent to the OMS on its reply queue, one per inbound message.</summary>
/// <param name="SchemaVersion">Reply schema version.</param>
/// <param name="InboundMessageId">The Service Bus message id being answered.</param>
/// <param name="CorrelationId">The OMS correlation id when the message carried one.</param>
/// <param name="TradeId">The trade id when the message carried one.</param>
/// <param name="Version">The version the message carried.</param>
/// <param name="Outcome">accepted, duplicate, stale, rejected or deadLettered.</param>
/// <param name="ReasonCode">The stable reason code for rejected and dead-lettered outcomes.</param>
/// <param name="Message">A human explanation.</param>
/// <param name="StoredVersion">For stale outcomes, the version that is stored.</param>
/// <param name="SettlementDate">For accepted outcomes, the settlement date.</param>
/// <param name="NetAmount">For accepted outcomes, the net amount as a decimal string.</param>
public sealed record OmsReply(
    string SchemaVersion,
    string InboundMessageId,
    string? CorrelationId,
    string? TradeId,
    long? Version,
    string Outcome,
    string? ReasonCode,
    string Message,
    long? StoredVersion,
    string? SettlementDate,
    string? NetAmount);

/// <summary>A fee line on the wire.</summary>
/// <param name="Code">Fee code.</param>
/// <param name="Amount">Amount as a decimal string.</param>
/// <param name="Source">Where the rate comes from.</param>
public sealed record FeeLineWire(string Code, string Amount, string Source);

/// <summary>The trade-events payload of TradeCaptured, TradeAmended and TradeCancelled: the full trade as captured.</summary>
/// <param name="EventId">Deterministic event id: trade id, version and event type.</param>
/// <param name="EventType">TradeCaptured, TradeAmended or TradeCancelled.</param>
/// <param name="TradeId">Trade id.</param>
/// <param name="Version">Trade version.</param>
/// <param name="Status">Live or Cancelled.</param>
/// <param name="BookId">Book.</param>
/// <param name="Account">Account.</param>
/// <param name="Side">buy or sell.</param>
/// <param name="Isin">Instrument.</param>
/// <param name="AssetClass">Asset class.</param>
/// <param name="Mic">Venue.</param>
/// <param name="Quantity">Quantity.</param>
/// <param name="Price">Price.</param>
/// <param name="PriceType">perUnit or percentOfPar.</param>
/// <param name="Currency">Currency.</param>
/// <param name="CounterpartyLei">Counterparty.</param>
/// <param name="CustodianLei">Custodian of the account.</param>
/// <param name="ExecutionTimestamp">Execution instant.</param>
/// <param name="TradeDate">Trade date.</param>
/// <param name="SettlementDate">Settlement date.</param>
/// <param name="Gross">Gross amount.</param>
/// <param name="Commission">Commission.</param>
/// <param name="Fees">Fees and taxes.</param>
/// <param name="AccruedInterest">Accrued interest.</param>
/// <param name="Net">Net amount.</param>
/// <param name="RoundingRule">The named rounding rule every amount went through.</param>
/// <param name="CorrelationId">The OMS correlation id.</param>
public sealed record TradeEventWire(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string Status,
    string BookId,
    string Account,
    string Side,
    string Isin,
    string AssetClass,
    string Mic,
    string Quantity,
    string Price,
    string PriceType,
    string Currency,
    string CounterpartyLei,
    string CustodianLei,
    string ExecutionTimestamp,
    string TradeDate,
    string SettlementDate,
    string Gross,
    string Commission,
    IReadOnlyList<FeeLineWire> Fees,
    string AccruedInterest,
    string Net,
    string RoundingRule,
    string? CorrelationId)
{
    /// <summary>The wire form of a state change.</summary>
    public static TradeEventWire From(TradeState state, TradeEventType eventType, string? correlationId)
    {
        ArgumentNullException.ThrowIfNull(state);
        var trade = state.Trade;
        var t = trade.Terms;
        var e = trade.Economics;
        return new TradeEventWire(
            EventIdOf(t.TradeId, t.Version, eventType),
            eventType.ToString(),
            t.TradeId,
            t.Version,
            state.Status.ToString(),
            trade.BookId,
            t.AccountId,
            TradeValidator.Wire(t.Side),
            t.Isin,
            trade.AssetClass.ToString(),
            t.Mic,
            Text(t.Quantity),
            Text(t.Price),
            TradeValidator.Wire(t.PriceType),
            t.Currency.Code,
            t.CounterpartyLei,
            trade.CustodianLei,
            t.ExecutedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            Date(t.TradeDate),
            Date(trade.SettlementDate),
            Text(e.Gross.Amount),
            Text(e.Commission.Amount),
            [.. e.Fees.Select(f => new FeeLineWire(f.Code, Text(f.Amount.Amount), f.Source))],
            Text(e.AccruedInterest.Amount),
            Text(e.Net.Amount),
            MoneyRounding.RuleName,
            correlationId);
    }

    /// <summary>The deterministic id of an event: re-publishing the same state change yields the same id.</summary>
    public static string EventIdOf(string tradeId, long version, TradeEventType eventType) =>
        string.Create(CultureInfo.InvariantCulture, $"{tradeId}:{version}:{eventType}");

    /// <summary>Decimal as an invariant string.</summary>
    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Date as yyyy-MM-dd.</summary>
    public static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Source-generated serialisation for the capture wire formats: no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OmsTradeMessage))]
[JsonSerializable(typeof(OmsReply))]
[JsonSerializable(typeof(TradeEventWire))]
public sealed partial class CaptureJsonContext : JsonSerializerContext;
