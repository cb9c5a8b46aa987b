using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Domain.Tests.Ledger;

/// <summary>A valid trade version by default; tests change only what they are about.</summary>
internal sealed class LedgerTradeBuilder
{
    private LedgerTrade _trade = new(
        TradeId: "T-1", Version: 1, Book: "US-EQ", Account: "ACC-001", Counterparty: "W22LROWP2IHZNBB6K528", Custodian: "HPFHU0OQ28E4N0NFVK49",
        Instrument: "US0378331005", Side: PostingSide.Buy, Quantity: 100m, Currency: "USD", CurrencyMinorUnits: 2,
        Gross: 23_010.00m, Commission: 11.51m, FeesAndTaxes: 0m, AccruedInterest: 0m,
        TradeDate: new DateOnly(2026, 11, 24), SettlementDate: new DateOnly(2026, 11, 25));

    public LedgerTradeBuilder WithId(string id) { _trade = _trade with { TradeId = id }; return this; }
    public LedgerTradeBuilder WithVersion(int version) { _trade = _trade with { Version = version }; return this; }
    public LedgerTradeBuilder Selling() { _trade = _trade with { Side = PostingSide.Sell }; return this; }
    public LedgerTradeBuilder WithQuantity(decimal quantity) { _trade = _trade with { Quantity = quantity }; return this; }
    public LedgerTradeBuilder WithGross(decimal gross) { _trade = _trade with { Gross = gross }; return this; }
    public LedgerTradeBuilder WithFees(decimal fees) { _trade = _trade with { FeesAndTaxes = fees }; return this; }
    public LedgerTradeBuilder WithAccruedInterest(decimal interest) { _trade = _trade with { AccruedInterest = interest }; return this; }
    public LedgerTradeBuilder WithAccount(string account) { _trade = _trade with { Account = account }; return this; }
    public LedgerTradeBuilder WithTradeDate(DateOnly date) { _trade = _trade with { TradeDate = date }; return this; }
    public LedgerTrade Build() => _trade;
}
