using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Settlement;

namespace ServerlessBackOffice.Domain.Tests.Settlement;

/// <summary>The custodian status state machine: valid transitions only, duplicates and stale reports ignored, full history.</summary>
public sealed class SettlementLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    private static CustodianStatusReport Report(string id, SettlementStatus status, int minutes, decimal quantity = 0m, decimal cash = 0m, string? reason = null) =>
        new(id, "SI-1", status, T0.AddMinutes(minutes), quantity, cash, reason);

    [Fact]
    public void HappyPath_MatchedThenPartiallyThenFullySettled()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m);

        state = state.Apply(Report("r1", SettlementStatus.Matched, 1)).State;
        state = state.Apply(Report("r2", SettlementStatus.PartiallySettled, 2, 40m, 4_000m)).State;
        state = state.Apply(Report("r3", SettlementStatus.Settled, 3, 100m, 10_000m)).State;

        Assert.Equal(SettlementStatus.Settled, state.Status);
        Assert.Equal(100m, state.SettledQuantity);
        Assert.True(state.IsFinal);
        Assert.Equal(3, state.History.Count);
    }

    [Fact]
    public void History_KeepsEveryAppliedReportAndTheLastUnappliedOnes_CountingWhatItDropped()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m).Apply(Report("r0", SettlementStatus.Matched, 100)).State;
        for (var i = 1; i <= 120; i++)
        {
            // Alternately stale (dated before the applied report) and invalid (settling more than instructed).
            state = state.Apply(i % 2 == 0 ? Report($"s{i}", SettlementStatus.Unmatched, 0) : Report($"x{i}", SettlementStatus.Settled, 200 + i, 101m, 1m)).State;
        }

        state = state.Apply(Report("r1", SettlementStatus.Settled, 1_000, 100m, 10_000m)).State;

        Assert.Equal(SettlementStatus.Settled, state.Status);
        Assert.Equal(SettlementLifecycle.MaximumUnappliedHistory, state.History.Count(h => h.Disposition != StatusDisposition.Applied));
        Assert.Equal(["r0", "r1"], state.History.Where(h => h.Disposition == StatusDisposition.Applied).Select(h => h.Report.StatusId));
        Assert.Equal((35, 35), (state.DroppedStaleReports, state.DroppedInvalidTransitions));
        Assert.Equal("x71", state.History[1].Report.StatusId); // the oldest unapplied report kept: 120 − 50 + 1
        Assert.Equal("s120", state.History[^2].Report.StatusId);
        Assert.Equal(120, state.History.Count(h => h.Disposition != StatusDisposition.Applied) + state.DroppedStaleReports + state.DroppedInvalidTransitions);
    }

    [Fact]
    public void Failed_KeepsItsReasonCodeAndCanStillSettleLater()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m).Apply(Report("r1", SettlementStatus.Matched, 1)).State;

        state = state.Apply(Report("r2", SettlementStatus.Failed, 2, reason: "LACK")).State;
        Assert.Equal(SettlementStatus.Failed, state.Status);
        Assert.Equal("LACK", state.LastReasonCode);

        state = state.Apply(Report("r3", SettlementStatus.Settled, 3, 100m, 10_000m)).State;
        Assert.Equal(SettlementStatus.Settled, state.Status);
        Assert.Null(state.LastReasonCode);
    }

    [Fact]
    public void DuplicateReport_ChangesNothingAndIsNotRecordedTwice()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m).Apply(Report("r1", SettlementStatus.Matched, 1)).State;

        var (again, disposition) = state.Apply(Report("r1", SettlementStatus.Matched, 1));

        Assert.Equal(StatusDisposition.Duplicate, disposition);
        Assert.Same(state, again);
    }

    [Fact]
    public void StaleReport_IsKeptInHistoryButChangesNothing()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m)
            .Apply(Report("r1", SettlementStatus.Matched, 1)).State
            .Apply(Report("r3", SettlementStatus.Settled, 10, 100m, 10_000m)).State;

        var (after, disposition) = state.Apply(Report("r2", SettlementStatus.PartiallySettled, 5, 40m, 4_000m));

        Assert.Equal(StatusDisposition.Stale, disposition);
        Assert.Equal(SettlementStatus.Settled, after.Status);
        Assert.Equal(100m, after.SettledQuantity);
        Assert.Contains(after.History, h => h.Report.StatusId == "r2" && h.Disposition == StatusDisposition.Stale);
    }

    [Theory]
    [InlineData(SettlementStatus.Settled, SettlementStatus.Failed)]
    [InlineData(SettlementStatus.Cancelled, SettlementStatus.Matched)]
    [InlineData(SettlementStatus.PartiallySettled, SettlementStatus.Unmatched)]
    public void InvalidTransition_IsRecordedAndIgnored(SettlementStatus from, SettlementStatus to)
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m) with { Status = from, LastReportedAt = T0 };

        var (after, disposition) = state.Apply(Report("rx", to, 1));

        Assert.Equal(StatusDisposition.InvalidTransition, disposition);
        Assert.Equal(from, after.Status);
        Assert.Single(after.History);
    }

    [Fact]
    public void OverSettlement_IsRejected()
    {
        var state = SettlementLifecycle.Instructed("SI-1", 100m).Apply(Report("r1", SettlementStatus.Matched, 1)).State;

        Assert.Equal(StatusDisposition.InvalidTransition, state.Apply(Report("r2", SettlementStatus.Settled, 2, 150m, 1m)).Disposition);
    }

    [Fact]
    public void Property_AnyDeliveryOrderWithDuplicatesEndsInTheSameState()
    {
        // The custodian's reports of one instruction, each with increasing time; delivered shuffled and duplicated, the
        // final state is the one the latest report implies — because earlier reports arriving late are stale.
        var reports = new[]
        {
            Report("r1", SettlementStatus.Unmatched, 1, reason: "CMIS"),
            Report("r2", SettlementStatus.Matched, 2),
            Report("r3", SettlementStatus.Failed, 3, reason: "LACK"),
            Report("r4", SettlementStatus.PartiallySettled, 4, 30m, 3_000m),
            Report("r5", SettlementStatus.Settled, 5, 100m, 10_000m),
        };

        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var delivered = reports.Concat(reports.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next()).ToList();
            var state = SettlementLifecycle.Instructed("SI-1", 100m);
            foreach (var report in delivered)
            {
                state = state.Apply(report).State;
            }

            return state.Status == SettlementStatus.Settled && state.SettledQuantity == 100m && state.SettledCash == 10_000m
                && state.History.Select(h => h.Report.StatusId).Distinct().Count() == state.History.Count;
        }).QuickCheckThrowOnFailure();
    }
}
