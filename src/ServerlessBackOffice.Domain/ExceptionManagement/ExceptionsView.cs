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

    /// <summary>Business days open as of a date: the business days after the day it was raised, up to and including <paramref name="asOf"/>.</summary>
    public int AgeInBusinessDays(DateOnly asOf, Func<DateOnly, bool> isBusinessDay) => ExceptionsView.BusinessDaysBetween(RaisedOn, asOf, isBusinessDay);
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

    /// <summary>Weekdays: the business days of ageing when no market calendar applies (the reports age fails the same way).</summary>
    public static bool IsWeekday(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The business days after <paramref name="from"/> up to and including <paramref name="to"/> (0 when <paramref name="to"/> is not later).</summary>
    public static int BusinessDaysBetween(DateOnly from, DateOnly to, Func<DateOnly, bool> isBusinessDay)
    {
        ArgumentNullException.ThrowIfNull(isBusinessDay);
        var days = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            if (isBusinessDay(d))
            {
                days++;
            }
        }

        return days;
    }

    /// <summary>The age bucket of an age in days: today, 1 day, 2-3 days, 4-7 days, 8+ days.</summary>
    public static string AgeBucket(int days) => days switch { <= 0 => "today", 1 => "1 day", <= 3 => "2-3 days", <= 7 => "4-7 days", _ => "8+ days" };

    /// <summary>Open exceptions counted by type and age bucket (0, 1, 2–3, 4–7, 8+ days), in a fixed order.</summary>
    public static IReadOnlyList<(ExceptionType Type, string Age, int Count)> Summary(IEnumerable<ExceptionCase> exceptions, DateOnly asOf) =>
        Summary(exceptions, e => e.AgeInDays(asOf));

    /// <summary>Open exceptions counted by type and age bucket in business days, in a fixed order.</summary>
    public static IReadOnlyList<(ExceptionType Type, string Age, int Count)> Summary(IEnumerable<ExceptionCase> exceptions, DateOnly asOf, Func<DateOnly, bool> isBusinessDay) =>
        Summary(exceptions, e => e.AgeInBusinessDays(asOf, isBusinessDay));

    private static List<(ExceptionType Type, string Age, int Count)> Summary(IEnumerable<ExceptionCase> exceptions, Func<ExceptionCase, int> age)
    {
        ArgumentNullException.ThrowIfNull(exceptions);
        return exceptions.Where(e => e.Open)
            .GroupBy(e => (e.Type, Age: AgeBucket(age(e))))
            .OrderBy(g => g.Key.Type).ThenBy(g => g.Key.Age, StringComparer.Ordinal)
            .Select(g => (g.Key.Type, g.Key.Age, g.Count()))
            .ToList();
    }
}
