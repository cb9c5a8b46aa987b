using System.Collections.Frozen;

namespace ServerlessBackOffice.Domain.Trading;

/// <summary>
/// A business-day calendar: weekends plus listed holidays. Trading and settlement calendars are separate instances
/// because a market can trade on a day its settlement system is closed (NYSE trades on Columbus Day; DTC and the Fed
/// are closed), and the reverse (Xetra is closed on 24 December; T2S settles).
/// </summary>
public sealed class BusinessCalendar
{
    private readonly FrozenSet<DateOnly> _holidays;

    /// <summary>Creates a calendar that is authoritative from <paramref name="coversFrom"/> to <paramref name="coversTo"/> inclusive.</summary>
    public BusinessCalendar(string id, IEnumerable<DateOnly> holidays, DateOnly coversFrom, DateOnly coversTo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (coversTo < coversFrom)
        {
            throw new ArgumentException("A calendar must cover at least one day.", nameof(coversTo));
        }

        Id = id;
        CoversFrom = coversFrom;
        CoversTo = coversTo;
        _holidays = holidays.ToFrozenSet();
    }

    /// <summary>The calendar's id in reference data (for example <c>US-SETTLEMENT</c>).</summary>
    public string Id { get; }

    /// <summary>The first date the holiday list is known for.</summary>
    public DateOnly CoversFrom { get; }

    /// <summary>The last date the holiday list is known for.</summary>
    public DateOnly CoversTo { get; }

    /// <summary>The listed holidays.</summary>
    public IReadOnlySet<DateOnly> Holidays => _holidays;

    /// <summary>True when the calendar knows whether <paramref name="date"/> is a business day.</summary>
    public bool Covers(DateOnly date) => date >= CoversFrom && date <= CoversTo;

    /// <summary>True on a weekday that is not a holiday. Outside the covered range the answer would be a guess, so it throws.</summary>
    public bool IsBusinessDay(DateOnly date)
    {
        if (!Covers(date))
        {
            throw new ArgumentOutOfRangeException(nameof(date), date, $"Calendar {Id} covers {CoversFrom:yyyy-MM-dd} to {CoversTo:yyyy-MM-dd} only.");
        }

        return date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(date);
    }

    /// <summary>
    /// The <paramref name="businessDays"/>-th business day after <paramref name="date"/>, or null when the answer falls
    /// outside the covered range (the caller rejects rather than guesses).
    /// </summary>
    public DateOnly? AddBusinessDays(DateOnly date, int businessDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(businessDays);
        var current = date;
        var remaining = businessDays;
        while (remaining > 0)
        {
            current = current.AddDays(1);
            if (!Covers(current))
            {
                return null;
            }

            if (IsBusinessDay(current))
            {
                remaining--;
            }
        }

        return current;
    }
}

/// <summary>A settlement cycle in force from a date: T + <paramref name="BusinessDays"/> settlement days.</summary>
/// <param name="EffectiveFrom">First trade date the cycle applies to.</param>
/// <param name="BusinessDays">Settlement days after trade date (1 for T+1).</param>
public sealed record SettlementCycle(DateOnly EffectiveFrom, int BusinessDays);

/// <summary>Settlement date arithmetic.</summary>
public static class SettlementDates
{
    /// <summary>The cycle in force on <paramref name="tradeDate"/>: the latest whose effective date is on or before it.</summary>
    public static SettlementCycle? CycleOn(IReadOnlyList<SettlementCycle> cycles, DateOnly tradeDate)
    {
        SettlementCycle? inForce = null;
        foreach (var cycle in cycles)
        {
            if (cycle.EffectiveFrom <= tradeDate && (inForce is null || cycle.EffectiveFrom > inForce.EffectiveFrom))
            {
                inForce = cycle;
            }
        }

        return inForce;
    }

    /// <summary>
    /// The contractual settlement date: trade date plus the cycle's days counted on the settlement calendar only.
    /// Null when no cycle is in force or the calendar does not reach that far.
    /// </summary>
    public static DateOnly? Compute(DateOnly tradeDate, IReadOnlyList<SettlementCycle> cycles, BusinessCalendar settlementCalendar)
    {
        var cycle = CycleOn(cycles, tradeDate);
        return cycle is null ? null : settlementCalendar.AddBusinessDays(tradeDate, cycle.BusinessDays);
    }
}
