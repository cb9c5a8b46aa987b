using ServerlessBackOffice.Domain.Capture;

namespace ServerlessBackOffice.Pipeline.Capture;

/// <summary>The five outcomes; every inbound message gets exactly one.</summary>
public enum CaptureOutcomeKind
{
    /// <summary>The message changed the trade's state and an event was published.</summary>
    Accepted,

    /// <summary>The same version with the same content was already captured.</summary>
    Duplicate,

    /// <summary>A higher version was already captured.</summary>
    Stale,

    /// <summary>Refused with a reason code.</summary>
    Rejected,

    /// <summary>Could not be processed within the delivery limit; moved to the dead-letter queue.</summary>
    DeadLettered,
}

/// <summary>How the trigger settles the inbound message.</summary>
public enum MessageDisposition
{
    /// <summary>Complete it: it has its outcome.</summary>
    Complete,

    /// <summary>Dead-letter it with the reason.</summary>
    DeadLetter,
}

/// <summary>What capture did with one inbound message.</summary>
/// <param name="InboundMessageId">The inbound message id.</param>
/// <param name="Outcome">The outcome.</param>
/// <param name="ReasonCode">Why, for rejected and dead-lettered messages.</param>
/// <param name="TradeId">The trade id when the message carried one.</param>
/// <param name="Disposition">How to settle the inbound message.</param>
/// <param name="Description">Why, in words, when the handler has more to say than the reason code (the dead-letter description).</param>
public sealed record CaptureResult(string InboundMessageId, CaptureOutcomeKind Outcome, ReasonCode? ReasonCode, string? TradeId, MessageDisposition Disposition, string? Description = null);

/// <summary>An inbound message as the trigger hands it over.</summary>
/// <param name="MessageId">The Service Bus message id.</param>
/// <param name="Body">The body bytes.</param>
/// <param name="DeliveryCount">1 on first delivery.</param>
public sealed record InboundMessage(string MessageId, ReadOnlyMemory<byte> Body, int DeliveryCount);

/// <summary>
/// Counts outcomes so that <c>published = accepted + duplicate + stale + rejected + dead-lettered</c> can be checked for a run.
/// </summary>
/// <param name="Accepted">Accepted count.</param>
/// <param name="Duplicate">Duplicate count.</param>
/// <param name="Stale">Stale count.</param>
/// <param name="Rejected">Rejected count.</param>
/// <param name="DeadLettered">Dead-lettered count.</param>
public sealed record CaptureTally(int Accepted, int Duplicate, int Stale, int Rejected, int DeadLettered)
{
    /// <summary>The number of distinct inbound messages with an outcome.</summary>
    public int Total => Accepted + Duplicate + Stale + Rejected + DeadLettered;

    /// <summary>Counts the outcomes of the given archive entries, one per inbound message id.</summary>
    public static CaptureTally From(IEnumerable<CaptureOutcomeKind> outcomes)
    {
        int accepted = 0, duplicate = 0, stale = 0, rejected = 0, deadLettered = 0;
        foreach (var outcome in outcomes)
        {
            switch (outcome)
            {
                case CaptureOutcomeKind.Accepted: accepted++; break;
                case CaptureOutcomeKind.Duplicate: duplicate++; break;
                case CaptureOutcomeKind.Stale: stale++; break;
                case CaptureOutcomeKind.Rejected: rejected++; break;
                case CaptureOutcomeKind.DeadLettered: deadLettered++; break;
                default: throw new ArgumentOutOfRangeException(nameof(outcomes), outcome, "Unknown outcome.");
            }
        }

        return new CaptureTally(accepted, duplicate, stale, rejected, deadLettered);
    }
}
