using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Domain.Reconciliation;

namespace ServerlessBackOffice.Domain.Tests.ExceptionManagement;

/// <summary>Every break class, break tracking across statements, and the maker-checker repair paths.</summary>
public sealed class ReconciliationAndRepairTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private static Holding Securities(string account, string isin, decimal quantity) => new(account, HoldingKind.Securities, isin, quantity);

    private static Holding Cash(string account, string currency, decimal amount) => new(account, HoldingKind.Cash, currency, amount);

    [Fact]
    public void Compare_ClassifiesEveryKindOfBreak()
    {
        var ours = new[]
        {
            Securities("A1", "US0378331005", 100m),   // agrees
            Securities("A1", "US5949181045", 50m),    // custodian says 40: quantity break
            Securities("A1", "US02079K3059", 10m),    // custodian has nothing: missing at custodian
            Cash("A1", "USD", 1_000m),                // custodian says 990: cash break
            Securities("A2", "GB0002634946", 200m),   // custodian says 300, 100 pending: timing difference
        };
        var pending = new[] { Securities("A2", "GB0002634946", 100m) };
        var statement = new[]
        {
            Securities("A1", "US0378331005", 100m),
            Securities("A1", "US5949181045", 40m),
            Cash("A1", "USD", 990m),
            Securities("A2", "GB0002634946", 300m),
            Securities("A2", "FR0000120271", 5m),     // we have nothing: missing in our books
        };

        var breaks = Reconciler.Compare(Day, ours, pending, statement).ToDictionary(b => b.Asset, b => b.Type);

        Assert.Equal(5, breaks.Count);
        Assert.Equal(BreakType.QuantityBreak, breaks["US5949181045"]);
        Assert.Equal(BreakType.MissingAtCustodian, breaks["US02079K3059"]);
        Assert.Equal(BreakType.CashBreak, breaks["USD"]);
        Assert.Equal(BreakType.TimingDifference, breaks["GB0002634946"]);
        Assert.Equal(BreakType.MissingInOurBooks, breaks["FR0000120271"]);
    }

    [Fact]
    public void Tracker_AgesAPersistingBreakAndClearsItWithTheStatementThatAgrees()
    {
        static bool Weekday(DateOnly d) => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
        var first = Reconciler.Compare(Day, [Securities("A1", "US5949181045", 50m)], [], [Securities("A1", "US5949181045", 40m)]);
        var tracked = BreakTracker.Apply([], first, Day, "STMT-1");

        var second = Reconciler.Compare(Day.AddDays(1), [Securities("A1", "US5949181045", 50m)], [], [Securities("A1", "US5949181045", 45m)]);
        tracked = BreakTracker.Apply(tracked, second, Day.AddDays(1), "STMT-2");
        var open = Assert.Single(tracked);
        Assert.True(open.IsOpen);
        Assert.Equal(45m, open.Latest.Theirs);
        Assert.Equal(1, open.AgeInBusinessDays(Day.AddDays(1), Weekday));

        tracked = BreakTracker.Apply(tracked, [], Day.AddDays(2), "STMT-3");
        var cleared = Assert.Single(tracked);
        Assert.False(cleared.IsOpen);
        Assert.Equal("STMT-3", cleared.ClearedBy);
        Assert.Equal(Day.AddDays(2), cleared.ClearedOn);
    }

    private static Repair Proposal() => Repair.Propose("R-1", RepairKind.ResubmitMessage, "oms-trades/dead-letter/42", "{\"price\":\"abc\"}", "{\"price\":\"230.10\"}", "price was not a number", "alice", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Maker_CannotApproveTheirOwnRepair()
    {
        var (repair, refusal) = MakerChecker.Approve(Proposal(), "Alice", DateTimeOffset.UnixEpoch);

        Assert.Equal(RepairRefusal.SameAsMaker, refusal);
        Assert.Equal(RepairState.Proposed, repair.State);
    }

    [Fact]
    public void Checker_ApprovesAndTheRepairExecutesExactlyOnce()
    {
        var (approved, refusal) = MakerChecker.Approve(Proposal(), "bob", DateTimeOffset.UnixEpoch.AddMinutes(5), "checked the OMS log");
        Assert.Equal(RepairRefusal.None, refusal);
        Assert.Equal("bob", approved.Checker);

        var (executed, first) = MakerChecker.MarkExecuted(approved, "system", DateTimeOffset.UnixEpoch.AddMinutes(6));
        var (again, second) = MakerChecker.MarkExecuted(executed, "system", DateTimeOffset.UnixEpoch.AddMinutes(7));

        Assert.Equal(RepairRefusal.None, first);
        Assert.Equal(RepairRefusal.WrongState, second);
        Assert.Equal(RepairState.Executed, again.State);
        Assert.Equal(["proposed", "approved", "executed"], again.History.Select(h => h.Action));
        Assert.Equal("{\"price\":\"abc\"}", again.Before);
        Assert.Equal("{\"price\":\"230.10\"}", again.After);
    }

    [Fact]
    public void RejectedRepair_CannotBeApprovedOrExecuted()
    {
        var (rejected, _) = MakerChecker.Reject(Proposal(), "bob", DateTimeOffset.UnixEpoch);

        Assert.Equal(RepairRefusal.WrongState, MakerChecker.Approve(rejected, "carol", DateTimeOffset.UnixEpoch).Refusal);
        Assert.Equal(RepairRefusal.WrongState, MakerChecker.MarkExecuted(rejected, "system", DateTimeOffset.UnixEpoch).Refusal);
    }

    [Fact]
    public void Proposal_WithoutAReason_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Repair.Propose("R-2", RepairKind.ExplainBreak, "BRK:A1:Securities:X", "", "", " ", "alice", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void ExceptionsView_CountsOpenExceptionsByTypeAndAge()
    {
        var cases = new[]
        {
            new ExceptionCase("E1", ExceptionType.SettlementFail, "SI-1", "LACK", Day.AddDays(-3), ExceptionsView.DefaultOwner(ExceptionType.SettlementFail), true, []),
            new ExceptionCase("E2", ExceptionType.SettlementFail, "SI-2", "LACK", Day.AddDays(-2), "bob", true, []),
            new ExceptionCase("E3", ExceptionType.RejectedOmsMessage, "T-9", "UnknownIsin", Day, "alice", true, []),
            new ExceptionCase("E4", ExceptionType.RejectedOmsMessage, "T-8", "UnknownIsin", Day, "alice", false, []),
        };

        var summary = ExceptionsView.Summary(cases, Day);

        Assert.Equal([(ExceptionType.RejectedOmsMessage, "today", 1), (ExceptionType.SettlementFail, "2-3 days", 2)], summary);
    }
}
