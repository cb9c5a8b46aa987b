using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Capture;

namespace ServerlessBackOffice.Domain.Tests.Capture;

public sealed class TradeLifecycleTests
{
    private static EnrichedTrade Version(long version, LifecycleAction action = LifecycleAction.Amend, string quantity = "100")
    {
        var message = new MessageBuilder().With(m => m with { Version = 1, Action = "new", Quantity = quantity }).Build();
        var trade = TradeValidator.Validate(message, CaptureTestData.Data, CapturePolicy.Default, MessageBuilder.Now).Trade!;
        return trade with { Terms = trade.Terms with { Version = version, Action = version == 1 ? LifecycleAction.New : action } };
    }

    [Fact]
    public void Decide_FirstVersion_IsCaptured()
    {
        var decision = Assert.IsType<LifecycleDecision.Apply>(TradeLifecycle.Decide(Version(1), null));
        Assert.Equal(TradeEventType.TradeCaptured, decision.EventType);
    }

    [Fact]
    public void Decide_HigherVersion_IsAmended()
    {
        var decision = Assert.IsType<LifecycleDecision.Apply>(TradeLifecycle.Decide(Version(2), new TradeState(Version(1), TradeStatus.Live)));
        Assert.Equal(TradeEventType.TradeAmended, decision.EventType);
    }

    [Fact]
    public void Decide_LowerVersion_IsStale() =>
        Assert.Equal(new LifecycleDecision.Stale(3), TradeLifecycle.Decide(Version(2), new TradeState(Version(3), TradeStatus.Live)));

    [Fact]
    public void Decide_SameVersionSameContent_IsDuplicate() =>
        Assert.IsType<LifecycleDecision.Duplicate>(TradeLifecycle.Decide(Version(2), new TradeState(Version(2), TradeStatus.Live)));

    [Fact]
    public void Decide_SameVersionDifferentContent_IsAConflict()
    {
        var decision = Assert.IsType<LifecycleDecision.Reject>(TradeLifecycle.Decide(Version(2, quantity: "101"), new TradeState(Version(2), TradeStatus.Live)));
        Assert.Equal(ReasonCode.VersionConflict, decision.Rejection.Code);
    }

    [Fact]
    public void Decide_CancelAfterSettlement_IsRejectedWithItsOwnCode()
    {
        var decision = Assert.IsType<LifecycleDecision.Reject>(TradeLifecycle.Decide(Version(3, LifecycleAction.Cancel), new TradeState(Version(2), TradeStatus.Settled)));
        Assert.Equal(ReasonCode.CancelAfterSettlement, decision.Rejection.Code);
    }

    [Fact]
    public void Decide_AmendAfterCancel_IsRejectedBecauseCancellationIsFinal()
    {
        var decision = Assert.IsType<LifecycleDecision.Reject>(TradeLifecycle.Decide(Version(4), new TradeState(Version(3, LifecycleAction.Cancel), TradeStatus.Cancelled)));
        Assert.Equal(ReasonCode.TradeAlreadyCancelled, decision.Rejection.Code);
    }

    [Fact]
    public void Decide_CancelOvertakingEverything_IsAppliedAndTheLateVersionsAreStale()
    {
        var cancel = Assert.IsType<LifecycleDecision.Apply>(TradeLifecycle.Decide(Version(3, LifecycleAction.Cancel), null));
        Assert.Equal(TradeEventType.TradeCancelled, cancel.EventType);
        Assert.IsType<LifecycleDecision.Stale>(TradeLifecycle.Decide(Version(1), cancel.NewState));
    }

    [Fact]
    public void HighestVersionWins_WhateverTheArrivalOrder()
    {
        var orders = Gen.Choose(1, 6).SelectMany(n => Gen.Shuffle(Enumerable.Range(1, n).ToArray()).Select(o => (n, order: o))).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(orders, c =>
        {
            TradeState? state = null;
            var applied = 0;
            foreach (var version in c.order)
            {
                if (TradeLifecycle.Decide(Version(version), state) is LifecycleDecision.Apply apply)
                {
                    state = apply.NewState;
                    applied++;
                }
            }

            // The final state is the highest version, and every applied version was higher than the one before it.
            return state!.Version == c.n && applied >= 1 && applied <= c.n;
        }));
    }
}
