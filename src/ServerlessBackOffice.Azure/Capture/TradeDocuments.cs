using System.Globalization;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Azure.Capture;

/// <summary>
/// Capture's Cosmos document of one trade, in the trade's partition (<c>/tradeId</c>) under the id
/// <see cref="CaptureDocumentId"/>: the state, the outbox, the pending archive entry and the recent inbound ids, written
/// together so one conditional write changes all of them (decision 0010). Other stages keep their own documents in the
/// same partition under their own ids. Every decimal is a string (Cosmos stores JSON numbers as doubles), every date and
/// instant is ISO 8601 text, and every enum is its name, so a document reads back exactly as it was written.
/// </summary>
internal sealed record StoredTradeDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("tradeId")] string TradeId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("state")] StoredTradeState State,
    [property: JsonPropertyName("outbox")] IReadOnlyList<StoredOutboundMessage> Outbox,
    [property: JsonPropertyName("pendingArchive")] StoredArchiveEntry? PendingArchive,
    [property: JsonPropertyName("recentInboundMessageIds")] IReadOnlyList<string> RecentInboundMessageIds)
{
    /// <summary>The id of capture's document in a trade's partition.</summary>
    public const string CaptureDocumentId = "capture";

    /// <summary>The document type, so a query over a trade's partition can tell capture's document from the others.</summary>
    public const string DocumentType = "CapturedTrade";

    /// <summary>The layout version of this document.</summary>
    public const int CurrentSchemaVersion = 1;

    public static StoredTradeDocument From(TradeDocument document) => new(
        CaptureDocumentId,
        document.TradeId,
        DocumentType,
        CurrentSchemaVersion,
        StoredTradeState.From(document.State),
        [.. document.Outbox.Select(StoredOutboundMessage.From)],
        document.PendingArchive is { } entry ? StoredArchiveEntry.From(entry) : null,
        [.. document.RecentInboundMessageIds]);

    public TradeDocument ToDocument(string eTag)
    {
        if (Type != DocumentType || SchemaVersion != CurrentSchemaVersion)
        {
            throw new InvalidDataException($"Document {Id} of trade {TradeId} is a {Type} v{SchemaVersion}, not a {DocumentType} v{CurrentSchemaVersion}.");
        }

        return new TradeDocument(
            TradeId,
            State.ToState(),
            [.. Outbox.Select(m => m.ToMessage())],
            PendingArchive?.ToEntry(),
            [.. RecentInboundMessageIds],
            eTag);
    }
}

internal sealed record StoredTradeState(
    StoredTerms Terms,
    string BookId,
    string CustodianLei,
    string AssetClass,
    string SettlementDate,
    StoredEconomics Economics,
    string Status)
{
    public static StoredTradeState From(TradeState state)
    {
        var trade = state.Trade;
        return new StoredTradeState(
            StoredTerms.From(trade.Terms),
            trade.BookId,
            trade.CustodianLei,
            trade.AssetClass.ToString(),
            StoredText.Date(trade.SettlementDate),
            StoredEconomics.From(trade.Economics),
            state.Status.ToString());
    }

    public TradeState ToState() => new(
        new EnrichedTrade(
            Terms.ToTerms(),
            BookId,
            CustodianLei,
            StoredText.Enum<AssetClass>(AssetClass),
            StoredText.ParseDate(SettlementDate),
            Economics.ToEconomics()),
        StoredText.Enum<TradeStatus>(Status));
}

internal sealed record StoredTerms(
    string TradeId,
    string Version,
    string Action,
    string ExecutedAt,
    string TradeDate,
    string AccountId,
    string Side,
    string Isin,
    string Mic,
    string Quantity,
    string Price,
    string PriceType,
    string Currency,
    string CounterpartyLei,
    string? CommissionOverride,
    string? SettlementDateOverride)
{
    public static StoredTerms From(TradeTerms t) => new(
        t.TradeId,
        t.Version.ToString(CultureInfo.InvariantCulture),
        t.Action.ToString(),
        StoredText.Instant(t.ExecutedAt),
        StoredText.Date(t.TradeDate),
        t.AccountId,
        t.Side.ToString(),
        t.Isin,
        t.Mic,
        StoredText.Decimal(t.Quantity),
        StoredText.Decimal(t.Price),
        t.PriceType.ToString(),
        t.Currency.Code,
        t.CounterpartyLei,
        t.CommissionOverride is { } commission ? StoredText.Decimal(commission) : null,
        t.SettlementDateOverride is { } date ? StoredText.Date(date) : null);

    public TradeTerms ToTerms() => new(
        TradeId,
        long.Parse(Version, NumberStyles.None, CultureInfo.InvariantCulture),
        StoredText.Enum<LifecycleAction>(Action),
        StoredText.ParseInstant(ExecutedAt),
        StoredText.ParseDate(TradeDate),
        AccountId,
        StoredText.Enum<Side>(Side),
        Isin,
        Mic,
        StoredText.ParseDecimal(Quantity),
        StoredText.ParseDecimal(Price),
        StoredText.Enum<PriceType>(PriceType),
        StoredText.Currency(Currency),
        CounterpartyLei,
        CommissionOverride is null ? null : StoredText.ParseDecimal(CommissionOverride),
        SettlementDateOverride is null ? null : StoredText.ParseDate(SettlementDateOverride));
}

/// <summary>An amount in a currency; the amount is already rounded to the currency's minor units by the domain.</summary>
internal sealed record StoredMoney(string Amount, string Currency)
{
    public static StoredMoney From(Money money) => new(StoredText.Decimal(money.Amount), money.Currency.Code);

    public Money ToMoney()
    {
        var amount = StoredText.ParseDecimal(Amount);
        var money = Money.Round(amount, StoredText.Currency(Currency));

        // Money can only be built through the one rounding rule; a stored amount it would change was not written by us.
        return money.Amount == amount
            ? money
            : throw new InvalidDataException($"Stored amount {Amount} {Currency} is not rounded to the currency's minor units.");
    }
}

internal sealed record StoredFeeLine(string Code, StoredMoney Amount, string Source);

internal sealed record StoredEconomics(StoredMoney Gross, StoredMoney Commission, IReadOnlyList<StoredFeeLine> Fees, StoredMoney AccruedInterest, StoredMoney Net)
{
    public static StoredEconomics From(TradeEconomics e) => new(
        StoredMoney.From(e.Gross),
        StoredMoney.From(e.Commission),
        [.. e.Fees.Select(f => new StoredFeeLine(f.Code, StoredMoney.From(f.Amount), f.Source))],
        StoredMoney.From(e.AccruedInterest),
        StoredMoney.From(e.Net));

    public TradeEconomics ToEconomics() => new(
        Gross.ToMoney(),
        Commission.ToMoney(),
        [.. Fees.Select(f => new FeeLine(f.Code, f.Amount.ToMoney(), f.Source))],
        AccruedInterest.ToMoney(),
        Net.ToMoney());
}

internal sealed record StoredOutboundMessage(
    string Destination,
    string MessageId,
    string Subject,
    string? CorrelationId,
    IReadOnlyDictionary<string, string> ApplicationProperties,
    string Body)
{
    public static StoredOutboundMessage From(OutboundMessage m) =>
        new(m.Destination, m.MessageId, m.Subject, m.CorrelationId, new SortedDictionary<string, string>(m.ApplicationProperties.ToDictionary(), StringComparer.Ordinal), m.Body);

    public OutboundMessage ToMessage() =>
        new(Destination, MessageId, Subject, CorrelationId, new Dictionary<string, string>(ApplicationProperties, StringComparer.Ordinal), Body);
}

/// <summary>The archive entry of the message that made the last state change; the body as base64 so every byte survives.</summary>
internal sealed record StoredArchiveEntry(
    string InboundMessageId,
    string ReceivedAt,
    string Body,
    string Outcome,
    string? ReasonCode,
    string ReplyBody)
{
    public static StoredArchiveEntry From(CaptureArchiveEntry e) => new(
        e.InboundMessageId,
        StoredText.Instant(e.ReceivedAt),
        Convert.ToBase64String(e.Body.Span),
        e.Outcome.ToString(),
        e.ReasonCode?.ToString(),
        e.ReplyBody);

    public CaptureArchiveEntry ToEntry() => new(
        InboundMessageId,
        StoredText.ParseInstant(ReceivedAt),
        Convert.FromBase64String(Body),
        StoredText.Enum<CaptureOutcomeKind>(Outcome),
        ReasonCode is null ? null : StoredText.Enum<ReasonCode>(ReasonCode),
        ReplyBody);
}

/// <summary>The text forms of stored values: invariant, exact, and strict on the way back in.</summary>
internal static class StoredText
{
    public static string Decimal(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static decimal ParseDecimal(string text) =>
        decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    // The round-trip format keeps the ticks and the offset, so the instant comes back exactly as it was written.
    public static string Instant(DateTimeOffset instant) => instant.ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseInstant(string text) => DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);

    public static TEnum Enum<TEnum>(string name)
        where TEnum : struct, System.Enum =>
        System.Enum.TryParse<TEnum>(name, ignoreCase: false, out var value) && System.Enum.IsDefined(value) && !char.IsAsciiDigit(name[0])
            ? value
            : throw new InvalidDataException($"'{name}' is not a {typeof(TEnum).Name}.");

    public static Currency Currency(string code) =>
        Currencies.TryGet(code, out var currency) ? currency : throw new InvalidDataException($"'{code}' is not a known currency.");
}
