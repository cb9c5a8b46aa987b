namespace ServerlessBackOffice.Domain.Capture;

/// <summary>Where a stored trade is in its life, as far as capture cares.</summary>
public enum TradeStatus
{
    /// <summary>Captured and not settled.</summary>
    Live,

    /// <summary>Cancelled by the OMS; final.</summary>
    Cancelled,

    /// <summary>Settled (set by the settlement stage); can no longer be amended or cancelled.</summary>
    Settled,
}

/// <summary>The event a state change publishes on the trade-events topic; the names are the topic's eventType filter values.</summary>
public enum TradeEventType
{
    /// <summary>The first version of a trade the back office stores.</summary>
    TradeCaptured,

    /// <summary>A higher version replaced the stored one.</summary>
    TradeAmended,

    /// <summary>The trade was cancelled.</summary>
    TradeCancelled,
}

/// <summary>The stored state of a trade: its current (highest) version and status.</summary>
/// <param name="Trade">The current version, enriched.</param>
/// <param name="Status">Its status.</param>
public sealed record TradeState(EnrichedTrade Trade, TradeStatus Status)
{
    /// <summary>The stored version number.</summary>
    public long Version => Trade.Terms.Version;
}

/// <summary>What capture does with a valid message given the stored state.</summary>
public abstract record LifecycleDecision
{
    private LifecycleDecision()
    {
    }

    /// <summary>Store the incoming version as the trade's state and publish <paramref name="EventType"/>.</summary>
    /// <param name="NewState">The state to store.</param>
    /// <param name="EventType">The event to publish.</param>
    public sealed record Apply(TradeState NewState, TradeEventType EventType) : LifecycleDecision;

    /// <summary>The same version with the same content is already stored: nothing changes.</summary>
    public sealed record Duplicate : LifecycleDecision;

    /// <summary>A higher version is already stored: the incoming one lost the race and changes nothing.</summary>
    /// <param name="StoredVersion">The version that is stored.</param>
    public sealed record Stale(long StoredVersion) : LifecycleDecision;

    /// <summary>The message is refused.</summary>
    /// <param name="Rejection">Why.</param>
    public sealed record Reject(Rejection Rejection) : LifecycleDecision;
}

/// <summary>
/// The lifecycle rule: the highest version wins whatever the arrival order. Messages carry the full trade state, so an
/// amend that overtakes its new (or a cancel that overtakes both) is applied directly, and the late ones are stale.
/// </summary>
public static class TradeLifecycle
{
    /// <summary>Decides what <paramref name="incoming"/> does to <paramref name="stored"/> (null when the trade is unknown).</summary>
    public static LifecycleDecision Decide(EnrichedTrade incoming, TradeState? stored)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var terms = incoming.Terms;
        var newStatus = terms.Action == LifecycleAction.Cancel ? TradeStatus.Cancelled : TradeStatus.Live;

        if (stored is null)
        {
            var firstEvent = terms.Action == LifecycleAction.Cancel ? TradeEventType.TradeCancelled : TradeEventType.TradeCaptured;
            return new LifecycleDecision.Apply(new TradeState(incoming, newStatus), firstEvent);
        }

        if (stored.Trade.Terms.TradeId != terms.TradeId)
        {
            throw new ArgumentException("The stored state belongs to another trade.", nameof(stored));
        }

        if (terms.Version < stored.Version)
        {
            return new LifecycleDecision.Stale(stored.Version);
        }

        if (terms.Version == stored.Version)
        {
            return terms == stored.Trade.Terms
                ? new LifecycleDecision.Duplicate()
                : new LifecycleDecision.Reject(new Rejection(ReasonCode.VersionConflict, $"Version {terms.Version} of trade {terms.TradeId} was already received with different content."));
        }

        return stored.Status switch
        {
            TradeStatus.Settled when terms.Action == LifecycleAction.Cancel =>
                new LifecycleDecision.Reject(new Rejection(ReasonCode.CancelAfterSettlement, $"Trade {terms.TradeId} has settled and cannot be cancelled; book a correcting trade.")),
            TradeStatus.Settled =>
                new LifecycleDecision.Reject(new Rejection(ReasonCode.AmendAfterSettlement, $"Trade {terms.TradeId} has settled and cannot be amended; book a correcting trade.")),
            TradeStatus.Cancelled =>
                new LifecycleDecision.Reject(new Rejection(ReasonCode.TradeAlreadyCancelled, $"Trade {terms.TradeId} was cancelled at version {stored.Version}; cancellation is final.")),
            _ => new LifecycleDecision.Apply(
                new TradeState(incoming, newStatus),
                terms.Action == LifecycleAction.Cancel ? TradeEventType.TradeCancelled : TradeEventType.TradeAmended),
        };
    }
}
