namespace ServerlessBackOffice.Domain.ExceptionManagement;

/// <summary>The sources of exceptions that need a person.</summary>
public enum ExceptionType
{
    /// <summary>An OMS message rejected with a reason code.</summary>
    RejectedOmsMessage,

    /// <summary>A message dead-lettered on any queue or subscription.</summary>
    DeadLetteredMessage,

    /// <summary>An affirmation that did not match the confirmation.</summary>
    ConfirmationMismatch,

    /// <summary>A trade still unaffirmed at the cut-off.</summary>
    UnaffirmedAtCutoff,

    /// <summary>A settlement fail.</summary>
    SettlementFail,

    /// <summary>A reconciliation break.</summary>
    ReconciliationBreak,

    /// <summary>A compliance alert.</summary>
    ComplianceAlert,
}

/// <summary>One exception in the view, whatever its source: its reason, age, owner and history.</summary>
public sealed record ExceptionCase(
    string CaseId,
    ExceptionType Type,
    string Subject,
    string Reason,
    DateOnly RaisedOn,
    string Owner,
    bool Open,
    IReadOnlyList<string> History)
{
    /// <summary>Calendar days open as of a date.</summary>
    public int AgeInDays(DateOnly asOf) => Math.Max(0, asOf.DayNumber - RaisedOn.DayNumber);
}

/// <summary>The single exceptions view: open exceptions grouped by type and age, for the reports and the dashboard.</summary>
public static class ExceptionsView
{
    /// <summary>Default owners: the team that acts on each type until someone takes it.</summary>
    public static string DefaultOwner(ExceptionType type) => type switch
    {
        ExceptionType.RejectedOmsMessage or ExceptionType.DeadLetteredMessage => "operations-middle-office",
        ExceptionType.ConfirmationMismatch or ExceptionType.UnaffirmedAtCutoff => "operations-confirmations",
        ExceptionType.SettlementFail => "operations-settlements",
        ExceptionType.ReconciliationBreak => "operations-reconciliation",
        _ => "compliance-officers",
    };

    /// <summary>Open exceptions counted by type and age bucket (0, 1, 2–3, 4–7, 8+ days), in a fixed order.</summary>
    public static IReadOnlyList<(ExceptionType Type, string Age, int Count)> Summary(IEnumerable<ExceptionCase> exceptions, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(exceptions);
        static string Bucket(int days) => days switch { 0 => "today", 1 => "1 day", <= 3 => "2-3 days", <= 7 => "4-7 days", _ => "8+ days" };
        return exceptions.Where(e => e.Open)
            .GroupBy(e => (e.Type, Age: Bucket(e.AgeInDays(asOf))))
            .OrderBy(g => g.Key.Type).ThenBy(g => g.Key.Age, StringComparer.Ordinal)
            .Select(g => (g.Key.Type, g.Key.Age, g.Count()))
            .ToList();
    }
}
