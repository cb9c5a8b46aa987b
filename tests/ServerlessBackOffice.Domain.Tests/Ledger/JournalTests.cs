using System.Diagnostics;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Domain.Tests.Ledger;

/// <summary>Posting rules and journal invariants, with known answers.</summary>
public sealed class JournalTests
{
    private static readonly DateOnly TradeDay = new(2026, 11, 24);

    private static LedgerAccount Account(AccountKind kind, string owner, string asset) => new("US-EQ", kind, owner, asset);

    [Fact]
    public void TradeDate_ForABuy_PostsPendingPositionAndCashAgainstTheCounterparty()
    {
        var trade = new LedgerTradeBuilder().WithFees(0.57m).Build();

        var entry = PostingRules.TradeDate(trade);

        Assert.True(entry.IsBalanced);
        var lines = entry.Lines.ToDictionary(l => l.Account, l => l.Amount);
        Assert.Equal(100m, lines[Account(AccountKind.PositionPending, "ACC-001", "US0378331005")]);
        Assert.Equal(-100m, lines[Account(AccountKind.SettlementDue, "W22LROWP2IHZNBB6K528", "US0378331005")]);
        Assert.Equal(-23_022.08m, lines[Account(AccountKind.CashPending, "ACC-001", "USD")]);
        Assert.Equal(23_010.00m, lines[Account(AccountKind.SettlementDue, "W22LROWP2IHZNBB6K528", "USD")]);
        Assert.Equal(11.51m, lines[Account(AccountKind.CommissionIncome, "US-EQ", "USD")]);
        Assert.Equal(0.57m, lines[Account(AccountKind.FeesAndTaxesPayable, "US-EQ", "USD")]);
    }

    [Fact]
    public void TradeDate_ForABondSaleWithAccruedInterest_CreditsTheAccountGrossPlusInterestLessCosts()
    {
        var trade = new LedgerTradeBuilder().Selling().WithGross(99_250.00m).WithAccruedInterest(1_234.38m).WithFees(0.80m).Build();

        var entry = PostingRules.TradeDate(trade);

        Assert.True(entry.IsBalanced);
        Assert.Equal(trade.Net, entry.Lines.Where(l => l.Account.Owner == "ACC-001" && l.Asset == "USD").Sum(l => l.Amount));
        Assert.Equal(99_250.00m + 1_234.38m - 11.51m - 0.80m, trade.Net);
        Assert.Equal(-(99_250.00m + 1_234.38m), entry.Lines.Single(l => l.Account.Kind == AccountKind.SettlementDue && l.Asset == "USD").Amount);
    }

    [Fact]
    public void Settlement_InTwoPartsAddsUpExactlyToTheWholeAndEmptiesPending()
    {
        var journal = new Journal();
        var trade = new LedgerTradeBuilder().WithQuantity(3m).WithGross(100.00m).Build();
        journal.PostTrade(trade);

        journal.PostSettlement(new LedgerSettlement("S-1", "T-1", 1, TradeDay.AddDays(1), 1m));
        journal.PostSettlement(new LedgerSettlement("S-2", "T-1", 1, TradeDay.AddDays(2), 3m));

        Assert.Equal(0m, journal.Balances[Account(AccountKind.PositionPending, "ACC-001", "US0378331005")]);
        Assert.Equal(3m, journal.Balances[Account(AccountKind.PositionSettled, "ACC-001", "US0378331005")]);
        Assert.Equal(0m, journal.Balances[Account(AccountKind.CashPending, "ACC-001", "USD")]);
        Assert.Equal(-trade.Net, journal.Balances[Account(AccountKind.CashSettled, "ACC-001", "USD")]);
        Assert.Equal(0m, journal.Balances[Account(AccountKind.SettlementDue, "W22LROWP2IHZNBB6K528", "USD")]);
        // The first third of 100.00 rounds to 33.33; the remainder carries the odd cent.
        var first = journal.Entries.Single(e => e.JournalId.EndsWith("settlement:S-1", StringComparison.Ordinal));
        Assert.Equal(33.33m, first.Lines.Single(l => l.Account.Kind == AccountKind.Custody && l.Asset == "USD").Amount);
        Assert.Empty(journal.CheckInvariants());
    }

    [Fact]
    public void Settlement_WhenRedeliveredOrOlder_ChangesNothing()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());
        journal.PostSettlement(new LedgerSettlement("S-2", "T-1", 1, TradeDay.AddDays(1), 100m));

        Assert.Equal(PostingResult.Duplicate, journal.PostSettlement(new LedgerSettlement("S-2", "T-1", 1, TradeDay.AddDays(1), 100m)).Result);
        Assert.Equal(PostingResult.Duplicate, journal.PostSettlement(new LedgerSettlement("S-1", "T-1", 1, TradeDay.AddDays(1), 40m)).Result);
        Assert.Equal(2, journal.Entries.Count);
    }

    [Fact]
    public void Amendment_ReversesThePreviousVersionAndPostsTheNewOne()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());

        var outcome = journal.PostTrade(new LedgerTradeBuilder().WithVersion(2).WithQuantity(150m).WithGross(34_515.00m).Build());

        Assert.Equal(PostingResult.Posted, outcome.Result);
        Assert.Equal(["T-1:v1:trade-date:reversal", "T-1:v2:trade-date"], outcome.Entries.Select(e => e.JournalId));
        Assert.Equal("T-1:v1:trade-date", outcome.Entries[0].Reverses);
        Assert.Equal(150m, journal.Positions()[("US-EQ", "ACC-001", "US0378331005")]);
        Assert.Equal(3, journal.Entries.Count);
    }

    [Fact]
    public void OlderVersion_AfterANewerOne_IsStale()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().WithVersion(2).Build());

        Assert.Equal(PostingResult.Stale, journal.PostTrade(new LedgerTradeBuilder().WithVersion(1).Build()).Result);
        Assert.Single(journal.Entries);
    }

    [Fact]
    public void SameJournalIdWithDifferentContent_IsRefused()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());

        var outcome = journal.PostTrade(new LedgerTradeBuilder().WithQuantity(999m).Build());

        Assert.Equal(PostingResult.Refused, outcome.Result);
        Assert.Contains("idempotency key", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(PostingResult.Duplicate, journal.PostTrade(new LedgerTradeBuilder().Build()).Result);
    }

    [Fact]
    public void Cancel_ReversesTheTradeAndLeavesNoPosition()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());

        var outcome = journal.CancelTrade("T-1", 2, TradeDay);

        Assert.Equal(PostingResult.Posted, outcome.Result);
        Assert.Equal(0m, journal.Positions()[("US-EQ", "ACC-001", "US0378331005")]);
        Assert.All(journal.Balances.Values, b => Assert.Equal(0m, b));
        Assert.Equal(PostingResult.Duplicate, journal.CancelTrade("T-1", 2, TradeDay).Result);
    }

    [Fact]
    public void Cancel_ThatOvertakesItsTrade_MakesTheTradeStaleWhenItArrives()
    {
        var journal = new Journal();

        journal.CancelTrade("T-1", 2, TradeDay);

        Assert.Equal(PostingResult.Stale, journal.PostTrade(new LedgerTradeBuilder().Build()).Result);
        Assert.Empty(journal.Entries);
    }

    [Fact]
    public void CancelOrAmend_AfterSettlement_IsRefused()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());
        journal.PostSettlement(new LedgerSettlement("S-1", "T-1", 1, TradeDay.AddDays(1), 10m));

        Assert.Equal(PostingResult.Refused, journal.CancelTrade("T-1", 2, TradeDay).Result);
        Assert.Equal(PostingResult.Refused, journal.PostTrade(new LedgerTradeBuilder().WithVersion(2).Build()).Result);
    }

    [Fact]
    public void Posting_ToAClosedDay_MovesToTheNextOpenDayAndKeepsTheOriginalValueDate()
    {
        var journal = new Journal();
        journal.CloseDay("US-EQ", TradeDay);

        var outcome = journal.PostTrade(new LedgerTradeBuilder().Build());

        var entry = Assert.Single(outcome.Entries);
        Assert.Equal(TradeDay.AddDays(1), entry.ValueDate);
        Assert.Equal(TradeDay, entry.OriginalValueDate);
        Assert.True(journal.TrialBalance("US-EQ", TradeDay).Lines.Count == 0);
    }

    [Fact]
    public void TrialBalance_NetsToZeroPerAssetAndCountsItsInputs()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());
        journal.PostTrade(new LedgerTradeBuilder().WithId("T-2").Selling().WithQuantity(40m).WithGross(9_300m).Build());

        var trialBalance = journal.TrialBalance("US-EQ", TradeDay);

        Assert.True(trialBalance.Balances);
        Assert.Equal(2, trialBalance.Entries);
        Assert.Equal(60m, journal.Positions()[("US-EQ", "ACC-001", "US0378331005")]);
        Assert.Equal(60m, journal.BalanceAsOf(Account(AccountKind.PositionPending, "ACC-001", "US0378331005"), TradeDay));
        Assert.Equal(0m, journal.BalanceAsOf(Account(AccountKind.PositionPending, "ACC-001", "US0378331005"), TradeDay.AddDays(-1)));
    }

    [Fact]
    public void UnbalancedEntry_IsTreatedAsOurBug()
    {
        var entry = new JournalEntry("X", "US-EQ", EntryKind.TradeDate, TradeDay, "T-1", "broken",
            [new JournalLine(Account(AccountKind.CashPending, "ACC-001", "USD"), 1m)]);

        Assert.Throws<UnreachableException>(entry.AssertBalanced);
    }

    [Fact]
    public void HledgerExport_WritesOneTransactionPerEntryWithQuotedCommodities()
    {
        var journal = new Journal();
        journal.PostTrade(new LedgerTradeBuilder().Build());
        using var writer = new StringWriter();

        HledgerJournal.Write(writer, journal.Entries);

        var text = writer.ToString();
        Assert.Contains("2026-11-24 * Buy US0378331005 for ACC-001, trade T-1", text, StringComparison.Ordinal);
        Assert.Contains("journal:T-1:v1:trade-date", text, StringComparison.Ordinal);
        Assert.Contains("    US-EQ:PositionPending:ACC-001:US0378331005  100 \"US0378331005\"", text, StringComparison.Ordinal);
        Assert.Contains("    US-EQ:CashPending:ACC-001:USD  -23021.51 \"USD\"", text, StringComparison.Ordinal);
    }
}
