using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>The direction of a trade for posting.</summary>
public enum PostingSide
{
    /// <summary>The account buys: it receives securities and pays cash.</summary>
    Buy,

    /// <summary>The account sells: it delivers securities and receives cash.</summary>
    Sell,
}

/// <summary>
/// What the ledger needs of a captured trade version: identity, parties and the economics already rounded to the
/// currency's minor units by the capture stage. Capture maps its trade onto this record, so the ledger does not
/// depend on the contract's shape.
/// </summary>
public sealed record LedgerTrade(
    string TradeId,
    int Version,
    string Book,
    string Account,
    string Counterparty,
    string Custodian,
    string Instrument,
    PostingSide Side,
    decimal Quantity,
    string Currency,
    int CurrencyMinorUnits,
    decimal Gross,
    decimal Commission,
    decimal FeesAndTaxes,
    decimal AccruedInterest,
    DateOnly TradeDate,
    DateOnly SettlementDate)
{
    /// <summary>Cash the account pays (buy) or receives (sell) in total.</summary>
    public decimal Net => Side == PostingSide.Buy
        ? Gross + Commission + FeesAndTaxes + AccruedInterest
        : Gross + AccruedInterest - Commission - FeesAndTaxes;

    /// <summary>The journal id of this version's trade-date entry.</summary>
    public string TradeDateJournalId => $"{TradeId}:v{Version}:trade-date";
}

/// <summary>
/// A custodian's report that a trade version has settled up to a cumulative quantity (partial settlements report
/// increasing quantities; the last one reports the full quantity).
/// </summary>
public sealed record LedgerSettlement(string StatusId, string TradeId, int Version, DateOnly SettledOn, decimal CumulativeQuantity);

/// <summary>
/// The posting rules: pure functions from a trade version or a settlement to a balanced journal entry.
/// Signs follow the stock record (claims positive, locations negative); see <see cref="AccountKind"/>.
/// </summary>
public static class PostingRules
{
    /// <summary>The trade-date entry: the account's pending position and cash against the counterparty's obligations.</summary>
    public static JournalEntry TradeDate(LedgerTrade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var sign = trade.Side == PostingSide.Buy ? 1m : -1m;
        var book = trade.Book;
        var lines = new List<JournalLine>
        {
            new(new(book, AccountKind.PositionPending, trade.Account, trade.Instrument), sign * trade.Quantity),
            new(new(book, AccountKind.SettlementDue, trade.Counterparty, trade.Instrument), -sign * trade.Quantity),
            new(new(book, AccountKind.CashPending, trade.Account, trade.Currency), -sign * (trade.Gross + (sign * (trade.Commission + trade.FeesAndTaxes)))),
            new(new(book, AccountKind.AccruedInterest, trade.Account, trade.Currency), -sign * trade.AccruedInterest),
            new(new(book, AccountKind.SettlementDue, trade.Counterparty, trade.Currency), sign * (trade.Gross + trade.AccruedInterest)),
            new(new(book, AccountKind.CommissionIncome, book, trade.Currency), trade.Commission),
            new(new(book, AccountKind.FeesAndTaxesPayable, book, trade.Currency), trade.FeesAndTaxes),
        };
        var entry = new JournalEntry(
            trade.TradeDateJournalId, book, EntryKind.TradeDate, trade.TradeDate, trade.TradeId,
            // The description names the trade, not the amounts: the lines carry those, and formatting decimals on every
            // posting would cost more than the posting itself.
            string.Concat(trade.Side == PostingSide.Buy ? "Buy " : "Sell ", trade.Instrument, " for ", trade.Account, ", trade ", trade.TradeId),
            lines.Where(l => l.Amount != 0m).ToList());
        entry.AssertBalanced();
        return entry;
    }

    /// <summary>
    /// The settlement entry for the quantity settled since <paramref name="previousCumulativeQuantity"/>: pending to settled
    /// for the account, counterparty obligations discharged against custody. Cash is allocated by cumulative rounding
    /// (<c>round(total × settled/quantity) − round(total × previous/quantity)</c>), so the parts of a partially settled trade
    /// always add up to the whole, to the minor unit.
    /// </summary>
    public static JournalEntry Settlement(LedgerTrade trade, LedgerSettlement settlement, decimal previousCumulativeQuantity)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(settlement);
        var settledQuantity = settlement.CumulativeQuantity - previousCumulativeQuantity;
        var sign = trade.Side == PostingSide.Buy ? 1m : -1m;
        var book = trade.Book;
        var currency = new Currency(trade.Currency, trade.CurrencyMinorUnits);
        decimal Part(decimal total) =>
            MoneyRounding.ToMinorUnits(total * settlement.CumulativeQuantity / trade.Quantity, currency)
            - MoneyRounding.ToMinorUnits(total * previousCumulativeQuantity / trade.Quantity, currency);

        var principal = Part(trade.Gross + (sign * (trade.Commission + trade.FeesAndTaxes)));
        var interest = Part(trade.AccruedInterest);
        var counterpartyCash = Part(trade.Gross + trade.AccruedInterest);
        var lines = new List<JournalLine>
        {
            new(new(book, AccountKind.PositionSettled, trade.Account, trade.Instrument), sign * settledQuantity),
            new(new(book, AccountKind.PositionPending, trade.Account, trade.Instrument), -sign * settledQuantity),
            new(new(book, AccountKind.SettlementDue, trade.Counterparty, trade.Instrument), sign * settledQuantity),
            new(new(book, AccountKind.Custody, trade.Custodian, trade.Instrument), -sign * settledQuantity),
            new(new(book, AccountKind.CashPending, trade.Account, trade.Currency), sign * principal),
            new(new(book, AccountKind.AccruedInterest, trade.Account, trade.Currency), sign * interest),
            new(new(book, AccountKind.CashSettled, trade.Account, trade.Currency), -sign * (principal + interest)),
            new(new(book, AccountKind.SettlementDue, trade.Counterparty, trade.Currency), -sign * counterpartyCash),
            new(new(book, AccountKind.Custody, trade.Custodian, trade.Currency), sign * counterpartyCash),
        };
        var entry = new JournalEntry(
            $"{trade.TradeId}:v{trade.Version}:settlement:{settlement.StatusId}", book, EntryKind.Settlement, settlement.SettledOn, trade.TradeId,
            string.Concat("Settlement of ", trade.Instrument, " for ", trade.Account, ", trade ", trade.TradeId),
            lines.Where(l => l.Amount != 0m).ToList());
        entry.AssertBalanced();
        return entry;
    }
}
