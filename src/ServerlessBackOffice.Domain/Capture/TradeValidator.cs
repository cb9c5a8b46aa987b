using System.Globalization;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Capture;

/// <summary>Why a message is refused: a stable code and a sentence for the OMS operator.</summary>
/// <param name="Code">The stable reason code.</param>
/// <param name="Message">What was wrong, naming the field and value.</param>
public sealed record Rejection(ReasonCode Code, string Message);

/// <summary>The result of validating and enriching one message: a trade, or a rejection.</summary>
public readonly record struct ValidationResult
{
    private ValidationResult(EnrichedTrade? trade, Rejection? rejection)
    {
        Trade = trade;
        Rejection = rejection;
    }

    /// <summary>The enriched trade when the message is valid.</summary>
    public EnrichedTrade? Trade { get; }

    /// <summary>The rejection when it is not.</summary>
    public Rejection? Rejection { get; }

    /// <summary>A valid result.</summary>
    public static ValidationResult Valid(EnrichedTrade trade) => new(trade, null);

    /// <summary>An invalid result.</summary>
    public static ValidationResult Invalid(ReasonCode code, string message) => new(null, new Rejection(code, message));
}

/// <summary>Configurable capture limits.</summary>
/// <param name="MaximumTradeDateAgeDays">How many calendar days before today (in the book's zone) a trade date may be.</param>
public sealed record CapturePolicy(int MaximumTradeDateAgeDays = 30)
{
    /// <summary>The defaults of contract v1: 30 days.</summary>
    public static CapturePolicy Default { get; } = new();
}

/// <summary>
/// Validates an OMS message against contract v1 and reference data, then enriches it: settlement date, accrued interest and
/// economics. Pure: the current instant is an argument. Checks run in a fixed order so a message with several faults always
/// gets the same reason code.
/// </summary>
public static class TradeValidator
{
    /// <summary>Validates and enriches <paramref name="message"/> as of <paramref name="now"/>.</summary>
    public static ValidationResult Validate(OmsTradeMessage message, ReferenceDataSet data, CapturePolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(policy);

        if (message.SchemaVersion != OmsContract.SchemaVersionV1)
        {
            return Invalid(ReasonCode.UnsupportedSchemaVersion, $"schemaVersion '{message.SchemaVersion}' is not supported; this service accepts '{OmsContract.SchemaVersionV1}'.");
        }

        if (Missing(message) is { } missing)
        {
            return Invalid(ReasonCode.MissingField, $"Required field '{missing}' is missing or empty.");
        }

        // Every required field is present from here on; the null-forgiving operators below rely on Missing().
        if (!IsId(message.TradeId!) || !IsId(message.Account!) || (message.CorrelationId is { } c && !IsId(c)))
        {
            return Invalid(ReasonCode.InvalidField, $"tradeId, account and correlationId must be 1 to {OmsContract.MaximumIdLength} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'.");
        }

        var version = message.Version!.Value;
        if (version < 1 || version > OmsContract.MaximumVersion)
        {
            return Invalid(ReasonCode.InvalidField, $"version {version} must be between 1 and {OmsContract.MaximumVersion}.");
        }

        if (!TryAction(message.Action!, out var action))
        {
            return Invalid(ReasonCode.InvalidField, $"action '{message.Action}' must be new, amend or cancel.");
        }

        if (action == LifecycleAction.New && version != 1)
        {
            return Invalid(ReasonCode.InvalidField, $"A new trade has version 1, not {version}.");
        }

        if (!TryTimestamp(message.ExecutionTimestamp!, out var executedAt))
        {
            return Invalid(ReasonCode.InvalidField, $"executionTimestamp '{message.ExecutionTimestamp}' must be ISO 8601 UTC ending in Z.");
        }

        if (!TryDate(message.TradeDate!, out var tradeDate))
        {
            return Invalid(ReasonCode.InvalidField, $"tradeDate '{message.TradeDate}' must be yyyy-MM-dd.");
        }

        DateOnly? settlementOverride = null;
        if (message.SettlementDate is { Length: > 0 } sd)
        {
            if (!TryDate(sd, out var parsed))
            {
                return Invalid(ReasonCode.InvalidField, $"settlementDate '{sd}' must be yyyy-MM-dd.");
            }

            settlementOverride = parsed;
        }

        if (!TrySide(message.Side!, out var side))
        {
            return Invalid(ReasonCode.InvalidField, $"side '{message.Side}' must be buy or sell.");
        }

        if (!TryPriceType(message.PriceType!, out var priceType))
        {
            return Invalid(ReasonCode.InvalidField, $"priceType '{message.PriceType}' must be perUnit or percentOfPar.");
        }

        if (!TryDecimal(message.Quantity!, out var quantity))
        {
            return Invalid(ReasonCode.InvalidField, $"quantity '{message.Quantity}' must be a decimal string such as \"100\" or \"2500000.00\".");
        }

        if (!TryDecimal(message.Price!, out var price))
        {
            return Invalid(ReasonCode.InvalidField, $"price '{message.Price}' must be a decimal string such as \"187.25\".");
        }

        decimal? commission = null;
        if (message.Commission is { Length: > 0 } commissionText)
        {
            if (!TryDecimal(commissionText, out var parsed) || parsed < 0m)
            {
                return Invalid(ReasonCode.InvalidField, $"commission '{commissionText}' must be a non-negative decimal string.");
            }

            commission = parsed;
        }

        if (!Isin.IsValid(message.Isin))
        {
            return Invalid(ReasonCode.InvalidIsin, $"isin '{message.Isin}' is not a valid ISIN (format or check digit).");
        }

        if (!data.Securities.TryGetValue(message.Isin!, out var security))
        {
            return Invalid(ReasonCode.UnknownInstrument, $"isin '{message.Isin}' is not in reference data.");
        }

        if (!Lei.IsValid(message.CounterpartyLei))
        {
            return Invalid(ReasonCode.InvalidLei, $"counterpartyLei '{message.CounterpartyLei}' is not a valid LEI (format or check digits).");
        }

        if (!data.Counterparties.ContainsKey(message.CounterpartyLei!))
        {
            return Invalid(ReasonCode.UnknownCounterparty, $"counterpartyLei '{message.CounterpartyLei}' is not a counterparty in reference data.");
        }

        if (!data.Accounts.TryGetValue(message.Account!, out var account))
        {
            return Invalid(ReasonCode.UnknownAccount, $"account '{message.Account}' is not in reference data.");
        }

        if (!Mics.IsKnown(message.Mic) || message.Mic != security.Mic)
        {
            return Invalid(ReasonCode.UnknownMarket, $"mic '{message.Mic}' is not a known market for {security.Isin} (expected {security.Mic}).");
        }

        if (!Currencies.TryGet(message.Currency, out var currency) || currency.Code != security.Currency)
        {
            return Invalid(ReasonCode.UnknownCurrency, $"currency '{message.Currency}' is not ISO 4217 or not the currency of {security.Isin} ({security.Currency}).");
        }

        if (quantity <= 0m)
        {
            return Invalid(ReasonCode.NonPositiveQuantity, $"quantity {message.Quantity} must be greater than zero.");
        }

        if (price <= 0m)
        {
            return Invalid(ReasonCode.NonPositivePrice, $"price {message.Price} must be greater than zero.");
        }

        if (priceType != security.PriceType)
        {
            return Invalid(ReasonCode.PriceTypeMismatch, $"{security.Isin} is quoted {Wire(security.PriceType)}, not {message.PriceType}.");
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, data.BookTimeZones[account.BookId]).DateTime);
        if (tradeDate > today)
        {
            return Invalid(ReasonCode.TradeDateInFuture, $"tradeDate {message.TradeDate} is after today ({today:yyyy-MM-dd}) in book {account.BookId}.");
        }

        if (tradeDate < today.AddDays(-policy.MaximumTradeDateAgeDays))
        {
            return Invalid(ReasonCode.TradeDateTooOld, $"tradeDate {message.TradeDate} is more than {policy.MaximumTradeDateAgeDays} days before today ({today:yyyy-MM-dd}).");
        }

        if (security.Maturity is { } maturity && maturity <= tradeDate)
        {
            return Invalid(ReasonCode.UnknownInstrument, $"{security.Isin} matured on {maturity:yyyy-MM-dd}.");
        }

        var convention = data.SettlementConventions[security.SettlementConventionId];
        var tradingCalendar = data.Calendars[convention.TradingCalendarId];
        var settlementCalendar = data.Calendars[convention.SettlementCalendarId];
        if (!tradingCalendar.Covers(tradeDate))
        {
            return Invalid(ReasonCode.CalendarUnavailable, $"Calendar {tradingCalendar.Id} does not cover {tradeDate:yyyy-MM-dd}.");
        }

        if (!tradingCalendar.IsBusinessDay(tradeDate))
        {
            return Invalid(ReasonCode.TradeDateNotTradingDay, $"{tradeDate:yyyy-MM-dd} is not a trading day of {tradingCalendar.Id}.");
        }

        DateOnly settlementDate;
        if (settlementOverride is { } agreed)
        {
            if (agreed < tradeDate || !settlementCalendar.Covers(agreed) || !settlementCalendar.IsBusinessDay(agreed))
            {
                return Invalid(ReasonCode.InvalidSettlementDate, $"settlementDate {agreed:yyyy-MM-dd} is before the trade date or not a settlement day of {settlementCalendar.Id}.");
            }

            settlementDate = agreed;
        }
        else if (SettlementDates.Compute(tradeDate, convention.Cycles, settlementCalendar) is { } standard)
        {
            settlementDate = standard;
        }
        else
        {
            return Invalid(ReasonCode.CalendarUnavailable, $"No settlement cycle or calendar of {convention.Id} covers trade date {tradeDate:yyyy-MM-dd}.");
        }

        decimal accrued;
        TradeEconomics economics;
        try
        {
            accrued = security.AssetClass == AssetClass.Equity
                ? 0m
                : AccruedInterest.Compute(quantity, security.CouponRate!.Value, security.CouponFrequency!.Value, security.DayCount!.Value, security.Maturity!.Value, settlementDate);

            var schedule = data.CommissionSchedules[account.CommissionScheduleId];
            economics = TradeEconomicsCalculator.Compute(
                new EconomicsInput(tradeDate, side, quantity, price, priceType, security.PriceFactor, currency, security.AssetClass, security.Mic, security.IssuerCountry, commission, schedule, accrued),
                data.Fees);
        }
        catch (OverflowException)
        {
            // Each number fits the contract (18 integer digits), but their product does not fit a decimal: no real trade is
            // that large, and the OMS must hear why rather than see the message retried until it is dead-lettered.
            return Invalid(ReasonCode.InvalidField, $"quantity {message.Quantity} at price {message.Price} gives amounts beyond the range this service can book.");
        }

        var terms = new TradeTerms(message.TradeId!, version, action, executedAt, tradeDate, account.Id, side, security.Isin, security.Mic, quantity, price, priceType, currency, message.CounterpartyLei!, commission, settlementOverride);
        return ValidationResult.Valid(new EnrichedTrade(terms, account.BookId, account.CustodianLei, security.AssetClass, settlementDate, economics));
    }

    /// <summary>The wire spelling of a price type.</summary>
    public static string Wire(PriceType priceType) => priceType == PriceType.PerUnit ? "perUnit" : "percentOfPar";

    /// <summary>The wire spelling of a lifecycle action.</summary>
    public static string Wire(LifecycleAction action) => action switch
    {
        LifecycleAction.New => "new",
        LifecycleAction.Amend => "amend",
        _ => "cancel",
    };

    /// <summary>The wire spelling of a side.</summary>
    public static string Wire(Side side) => side == Side.Buy ? "buy" : "sell";

    private static ValidationResult Invalid(ReasonCode code, string message) => ValidationResult.Invalid(code, message);

    private static string? Missing(OmsTradeMessage m) =>
        string.IsNullOrEmpty(m.TradeId) ? "tradeId"
        : m.Version is null ? "version"
        : string.IsNullOrEmpty(m.Action) ? "action"
        : string.IsNullOrEmpty(m.ExecutionTimestamp) ? "executionTimestamp"
        : string.IsNullOrEmpty(m.TradeDate) ? "tradeDate"
        : string.IsNullOrEmpty(m.Account) ? "account"
        : string.IsNullOrEmpty(m.Side) ? "side"
        : string.IsNullOrEmpty(m.Isin) ? "isin"
        : string.IsNullOrEmpty(m.Mic) ? "mic"
        : string.IsNullOrEmpty(m.Quantity) ? "quantity"
        : string.IsNullOrEmpty(m.Price) ? "price"
        : string.IsNullOrEmpty(m.PriceType) ? "priceType"
        : string.IsNullOrEmpty(m.Currency) ? "currency"
        : string.IsNullOrEmpty(m.CounterpartyLei) ? "counterpartyLei"
        : string.IsNullOrEmpty(m.CorrelationId) ? "correlationId"
        : null;

    private static bool IsId(string value)
    {
        if (value.Length is 0 or > OmsContract.MaximumIdLength)
        {
            return false;
        }

        // A deliberately small alphabet: ids become Cosmos document ids and blob names, where '/', '\\', '?' and '#' are not allowed.
        foreach (var ch in value)
        {
            if (!char.IsAsciiLetterOrDigit(ch) && ch is not ('.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryAction(string value, out LifecycleAction action)
    {
        (var ok, action) = value switch
        {
            "new" => (true, LifecycleAction.New),
            "amend" => (true, LifecycleAction.Amend),
            "cancel" => (true, LifecycleAction.Cancel),
            _ => (false, LifecycleAction.New),
        };
        return ok;
    }

    private static bool TrySide(string value, out Side side)
    {
        (var ok, side) = value switch
        {
            "buy" => (true, Side.Buy),
            "sell" => (true, Side.Sell),
            _ => (false, Side.Buy),
        };
        return ok;
    }

    private static bool TryPriceType(string value, out PriceType priceType)
    {
        (var ok, priceType) = value switch
        {
            "perUnit" => (true, PriceType.PerUnit),
            "percentOfPar" => (true, PriceType.PercentOfPar),
            _ => (false, PriceType.PerUnit),
        };
        return ok;
    }

    private static bool TryDate(string value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static bool TryTimestamp(string value, out DateTimeOffset instant)
    {
        instant = default;
        return value.Length is >= 20 and <= 40 && value[^1] == 'Z' && value[10] == 'T'
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
    }

    // The schema's pattern: an optional minus, 1 to 18 integer digits, optionally a point and 1 to 10 fraction digits.
    // Checked by hand so the hot path neither allocates nor accepts exponents, thousands separators or spaces.
    private static bool TryDecimal(string value, out decimal result)
    {
        result = 0m;
        var span = value.AsSpan();
        var start = span.Length > 0 && span[0] == '-' ? 1 : 0;
        var point = span.IndexOf('.');
        var integerDigits = point < 0 ? span.Length - start : point - start;
        var fractionDigits = point < 0 ? 0 : span.Length - point - 1;
        if (integerDigits is < 1 or > 18 || (point >= 0 && fractionDigits is < 1 or > 10))
        {
            return false;
        }

        for (var i = start; i < span.Length; i++)
        {
            if (i != point && !char.IsAsciiDigit(span[i]))
            {
                return false;
            }
        }

        return decimal.TryParse(span, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out result);
    }
}
