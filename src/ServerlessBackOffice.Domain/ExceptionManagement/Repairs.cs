namespace ServerlessBackOffice.Domain.ExceptionManagement;

/// <summary>The ways operations repair an exception without editing data.</summary>
public enum RepairKind
{
    /// <summary>Resubmit a dead-lettered message, optionally with a corrected body kept beside the original.</summary>
    ResubmitMessage,

    /// <summary>Force-match an affirmation within a wider tolerance.</summary>
    ForceMatch,

    /// <summary>Cancel a trade and book it again.</summary>
    CancelAndRebook,

    /// <summary>Mark a reconciliation break as explained.</summary>
    ExplainBreak,
}

/// <summary>Where a repair stands.</summary>
public enum RepairState
{
    /// <summary>Proposed by a maker; waiting for a checker.</summary>
    Proposed,

    /// <summary>Approved by a checker; the repair is carried out exactly once.</summary>
    Approved,

    /// <summary>Rejected by a checker.</summary>
    Rejected,

    /// <summary>Carried out.</summary>
    Executed,
}

/// <summary>One recorded step of a repair: who did what, when, and why.</summary>
public sealed record RepairAction(string Actor, string Action, DateTimeOffset At, string? Comment);

/// <summary>
/// A maker-checker repair. One person proposes (role Operations) with the before and after; a different person
/// approves or rejects (role Supervisor); an approved repair executes once. Every step is kept, and the whole record is
/// archived, so an auditor sees who changed what and who allowed it.
/// </summary>
public sealed record Repair(
    string RepairId,
    RepairKind Kind,
    string Subject,
    string Before,
    string After,
    string Reason,
    RepairState State,
    string Maker,
    string? Checker,
    IReadOnlyList<RepairAction> History)
{
    /// <summary>A maker's proposal.</summary>
    public static Repair Propose(string repairId, RepairKind kind, string subject, string before, string after, string reason, string maker, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(maker))
        {
            throw new ArgumentException("A repair needs a named maker.", nameof(maker));
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("A repair needs a reason.", nameof(reason));
        }

        return new Repair(repairId, kind, subject, before, after, reason, RepairState.Proposed, maker, null, [new RepairAction(maker, "proposed", at, reason)]);
    }
}

/// <summary>Why a maker-checker step was refused.</summary>
public enum RepairRefusal
{
    /// <summary>No refusal.</summary>
    None,

    /// <summary>The maker tried to approve or reject their own repair.</summary>
    SameAsMaker,

    /// <summary>The repair is not in a state that allows the step.</summary>
    WrongState,
}

/// <summary>The maker-checker rules.</summary>
public static class MakerChecker
{
    /// <summary>Approves a proposed repair; the checker must not be the maker.</summary>
    public static (Repair Repair, RepairRefusal Refusal) Approve(Repair repair, string checker, DateTimeOffset at, string? comment = null) =>
        Decide(repair, checker, at, comment, RepairState.Approved, "approved");

    /// <summary>Rejects a proposed repair; the checker must not be the maker.</summary>
    public static (Repair Repair, RepairRefusal Refusal) Reject(Repair repair, string checker, DateTimeOffset at, string? comment = null) =>
        Decide(repair, checker, at, comment, RepairState.Rejected, "rejected");

    /// <summary>
    /// Marks an approved repair executed. Executing twice is a no-op that reports <see cref="RepairRefusal.WrongState"/>,
    /// so a retried execution (for example a redelivered message) never repairs twice.
    /// </summary>
    public static (Repair Repair, RepairRefusal Refusal) MarkExecuted(Repair repair, string executor, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(repair);
        return repair.State != RepairState.Approved
            ? (repair, RepairRefusal.WrongState)
            : (repair with { State = RepairState.Executed, History = [.. repair.History, new RepairAction(executor, "executed", at, null)] }, RepairRefusal.None);
    }

    private static (Repair, RepairRefusal) Decide(Repair repair, string checker, DateTimeOffset at, string? comment, RepairState to, string action)
    {
        ArgumentNullException.ThrowIfNull(repair);
        if (string.Equals(repair.Maker, checker, StringComparison.OrdinalIgnoreCase))
        {
            return (repair, RepairRefusal.SameAsMaker);
        }

        if (repair.State != RepairState.Proposed)
        {
            return (repair, RepairRefusal.WrongState);
        }

        return (repair with { State = to, Checker = checker, History = [.. repair.History, new RepairAction(checker, action, at, comment)] }, RepairRefusal.None);
    }
}
