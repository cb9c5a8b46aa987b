using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>Why a trade event cannot be posted (the message is dead-lettered with this reason).</summary>
public sealed record UnpostableEvent(string Reason, string Description);

/// <summary>Decodes a trade-events message into what the ledger posts.</summary>
public static class LedgerEventMapper
{
    /// <summary>Reads a trade event body, or says why it cannot be posted (never a silent drop).</summary>
    public static (LedgerCommand? Command, UnpostableEvent? Problem) FromTradeEvent(ReadOnlySpan<byte> body)
    {
        if (IsSettlementEvent(body))
        {
            return FromSettlementEvent(body);
        }

        TradeEventWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(body, CaptureJsonContext.Default.TradeEventWire);
        }
        catch (JsonException ex)
        {
            return (null, new UnpostableEvent("MalformedEvent", $"The trade event is not valid JSON for the contract: {ex.Message}"));
        }

        if (wire is null)
        {
            return (null, new UnpostableEvent("MalformedEvent", "The trade event body is empty."));
        }

        try
        {
            return (Map(wire), null);
        }
        catch (FormatException ex)
        {
            return (null, new UnpostableEvent("MalformedEvent", $"Trade event {wire.EventId} has an unreadable field: {ex.Message}"));
        }
    }

    /// <summary>
    /// Maps TradeSettled / TradePartiallySettled (settlement-event, from the settlement stage) to <see cref="RecordSettlement"/>
    /// with the cumulative settled quantity: the ledger posts the difference to what it already settled, so a redelivered or
    /// out-of-order event changes nothing.
    /// </summary>
    /// <exception cref="FormatException">A number or date in the event is not readable.</exception>
    public static RecordSettlement Map(SettlementEventWire wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var cumulative = wire.CumulativeQuantity ?? wire.SettledQuantity ?? throw new FormatException($"settlement event {wire.EventId} has no settled quantity");
        return new RecordSettlement(
            new LedgerSettlement(wire.StatusId ?? wire.EventId, wire.TradeId, checked((int)wire.Version), Date(wire.SettledOn ?? wire.IntendedSettlementDate), Number(cumulative)),
            wire.BookId);
    }

    private static (LedgerCommand? Command, UnpostableEvent? Problem) FromSettlementEvent(ReadOnlySpan<byte> body)
    {
        SettlementEventWire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(body, SettlementJsonContext.Default.SettlementEventWire);
        }
        catch (JsonException ex)
        {
            return (null, new UnpostableEvent("MalformedEvent", $"The settlement event is not valid JSON for the contract: {ex.Message}"));
        }

        if (wire is null)
        {
            return (null, new UnpostableEvent("MalformedEvent", "The settlement event body is empty."));
        }

        try
        {
            return (Map(wire), null);
        }
        catch (FormatException ex)
        {
            return (null, new UnpostableEvent("MalformedEvent", $"Settlement event {wire.EventId} has an unreadable field: {ex.Message}"));
        }
    }

    private static bool IsSettlementEvent(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEventType = reader.ValueTextEquals("eventType");
                if (!reader.Read())
                {
                    return false;
                }

                if (isEventType)
                {
                    return reader.TokenType == JsonTokenType.String
                        && (reader.ValueTextEquals(SettlementEventTypes.TradeSettled) || reader.ValueTextEquals(SettlementEventTypes.TradePartiallySettled));
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the trade-event path reports it.
        }

        return false;
    }

    /// <summary>Maps a decoded trade event.</summary>
    /// <exception cref="FormatException">A number, date or currency in the event is not readable.</exception>
    public static LedgerCommand Map(TradeEventWire wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var version = checked((int)wire.Version);
        if (wire.EventType == nameof(TradeEventType.TradeCancelled) || wire.Status == "Cancelled")
        {
            return new CancelTradeVersion(wire.TradeId, wire.BookId, version, Date(wire.TradeDate));
        }

        if (!Currencies.TryGet(wire.Currency, out var currency))
        {
            throw new FormatException($"unknown currency '{wire.Currency}'");
        }

        var side = wire.Side.ToUpperInvariant() switch
        {
            "BUY" => PostingSide.Buy,
            "SELL" => PostingSide.Sell,
            _ => throw new FormatException($"unknown side '{wire.Side}'"),
        };
        return new PostTradeVersion(new LedgerTrade(
            wire.TradeId, version, wire.BookId, wire.Account, wire.CounterpartyLei, wire.CustodianLei, wire.Isin, side,
            Number(wire.Quantity), currency.Code, currency.MinorUnits, Number(wire.Gross), Number(wire.Commission),
            wire.Fees.Sum(f => Number(f.Amount)), Number(wire.AccruedInterest), Date(wire.TradeDate), Date(wire.SettlementDate)));
    }

    private static decimal Number(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a decimal");

    private static DateOnly Date(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a yyyy-MM-dd date");
}
