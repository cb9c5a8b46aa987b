using System.Globalization;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Azure.Ledger;

/// <summary>
/// The ledger's Cosmos documents. Amounts and quantities are strings: Cosmos stores JSON numbers as IEEE doubles, and a
/// ledger that rounds through binary floating point is not a ledger.
/// </summary>
internal static class LedgerDocuments
{
    public const string StateId = "state";
    public const string StateType = "TradeLedgerState";
    public const string EntryType = "JournalEntry";
    public const string ClosedDaysType = "ClosedDays";
    public const string ClosedDaysId = "closed-days";

    public static string ClosedDaysPartition(string book) => $"closed-days:{book}";

    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static decimal Number(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);
}

internal sealed record LineDocument(string Book, string Kind, string Owner, string Asset, string Amount)
{
    public static LineDocument From(JournalLine line) =>
        new(line.Account.Book, line.Account.Kind.ToString(), line.Account.Owner, line.Account.Asset, LedgerDocuments.Text(line.Amount));

    public JournalLine ToLine() => new(new LedgerAccount(Book, Enum.Parse<AccountKind>(Kind), Owner, Asset), LedgerDocuments.Number(Amount));
}

internal sealed record EntryDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("book")] string Book,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("valueDate")] string ValueDate,
    [property: JsonPropertyName("tradeId")] string TradeId,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("lines")] IReadOnlyList<LineDocument> Lines,
    [property: JsonPropertyName("reverses")] string? Reverses,
    [property: JsonPropertyName("originalValueDate")] string? OriginalValueDate,
    [property: JsonPropertyName("sequence")] int Sequence)
{
    public static EntryDocument From(JournalEntry entry, int sequence) => new(
        entry.JournalId, entry.TradeId, LedgerDocuments.EntryType, entry.Book, entry.Kind.ToString(), Date(entry.ValueDate), entry.TradeId, entry.Description,
        entry.Lines.Select(LineDocument.From).ToList(), entry.Reverses, entry.OriginalValueDate is { } d ? Date(d) : null, sequence);

    public JournalEntry ToEntry() => new(Id, Book, Enum.Parse<EntryKind>(Kind), ParseDate(ValueDate), TradeId, Description,
        Lines.Select(l => l.ToLine()).ToList(), Reverses, OriginalValueDate is null ? null : ParseDate(OriginalValueDate));

    internal static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

internal sealed record TradeDocument(
    string TradeId, int Version, string Book, string Account, string Counterparty, string Custodian, string Instrument, string Side,
    string Quantity, string Currency, int CurrencyMinorUnits, string Gross, string Commission, string FeesAndTaxes, string AccruedInterest,
    string TradeDate, string SettlementDate)
{
    public static TradeDocument From(LedgerTrade t) => new(t.TradeId, t.Version, t.Book, t.Account, t.Counterparty, t.Custodian, t.Instrument, t.Side.ToString(),
        LedgerDocuments.Text(t.Quantity), t.Currency, t.CurrencyMinorUnits, LedgerDocuments.Text(t.Gross), LedgerDocuments.Text(t.Commission),
        LedgerDocuments.Text(t.FeesAndTaxes), LedgerDocuments.Text(t.AccruedInterest), EntryDocument.Date(t.TradeDate), EntryDocument.Date(t.SettlementDate));

    public LedgerTrade ToTrade() => new(TradeId, Version, Book, Account, Counterparty, Custodian, Instrument, Enum.Parse<PostingSide>(Side),
        LedgerDocuments.Number(Quantity), Currency, CurrencyMinorUnits, LedgerDocuments.Number(Gross), LedgerDocuments.Number(Commission),
        LedgerDocuments.Number(FeesAndTaxes), LedgerDocuments.Number(AccruedInterest), EntryDocument.ParseDate(TradeDate), EntryDocument.ParseDate(SettlementDate));
}

internal sealed record StateDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("trade")] TradeDocument? Trade,
    [property: JsonPropertyName("tradeDateEntry")] EntryDocument? TradeDateEntry,
    [property: JsonPropertyName("settledQuantity")] string SettledQuantity,
    [property: JsonPropertyName("cancelled")] bool Cancelled,
    [property: JsonPropertyName("entryCount")] int EntryCount)
{
    public static StateDocument From(TradeLedgerState s) => new(
        LedgerDocuments.StateId, s.TradeId, LedgerDocuments.StateType, s.Version, s.Trade is null ? null : TradeDocument.From(s.Trade),
        s.TradeDateEntry is null ? null : EntryDocument.From(s.TradeDateEntry, 0), LedgerDocuments.Text(s.SettledQuantity), s.Cancelled, s.EntryCount);

    public TradeLedgerState ToState() => new(PartitionKey, Version, Trade?.ToTrade(), TradeDateEntry?.ToEntry(), LedgerDocuments.Number(SettledQuantity), Cancelled, EntryCount);
}

/// <summary>
/// The days a book has closed, in one document per book (decision 0079): every posting reads it with one point read
/// instead of a query, and the end of day adds a day with a conditional replace.
/// </summary>
internal sealed record ClosedDaysDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("book")] string Book,
    [property: JsonPropertyName("days")] IReadOnlyList<string> Days);
