using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>What the ledger stage is asked to post, decoded from a trade event.</summary>
public abstract record LedgerCommand(string TradeId, string Book);

/// <summary>Post a captured or amended trade version on its trade date.</summary>
public sealed record PostTradeVersion(LedgerTrade Trade) : LedgerCommand(Trade.TradeId, Trade.Book);

/// <summary>Reverse a cancelled trade.</summary>
public sealed record CancelTradeVersion(string TradeId, string Book, int Version, DateOnly ValueDate) : LedgerCommand(TradeId, Book);

/// <summary>Post a full or partial settlement reported by the custodian.</summary>
public sealed record RecordSettlement(LedgerSettlement Settlement, string Book) : LedgerCommand(Settlement.TradeId, Book);
