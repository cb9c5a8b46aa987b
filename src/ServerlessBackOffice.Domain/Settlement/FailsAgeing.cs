namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>The business-day buckets operations age fails in.</summary>
public enum AgeBucket
{
    /// <summary>Not failing: not yet due.</summary>
    NotLate,

    /// <summary>Failing on its intended settlement date.</summary>
    Day1,

    /// <summary>Two to three business days late.</summary>
    Days2To3,

    /// <summary>Four to seven business days late.</summary>
    Days4To7,

    /// <summary>Eight to fifteen business days late.</summary>
    Days8To15,

    /// <summary>Sixteen or more business days late.</summary>
    Days16Plus,
}

/// <summary>Ages unsettled trades in settlement days failing since their intended settlement date.</summary>
public static class FailsAgeing
{
    /// <summary>
    /// The number of settlement days from <paramref name="intendedSettlementDate"/> to <paramref name="asOf"/>, both
    /// included, on which the trade has failed to settle: a trade due Monday still open at Monday's close is one day
    /// failing, on Tuesday's close two. The same days accrue CSDR penalties.
    /// </summary>
    public static int DaysFailing(DateOnly intendedSettlementDate, DateOnly asOf, Func<DateOnly, bool> isSettlementDay)
    {
        ArgumentNullException.ThrowIfNull(isSettlementDay);
        var days = 0;
        for (var d = intendedSettlementDate; d <= asOf; d = d.AddDays(1))
        {
            if (isSettlementDay(d))
            {
                days++;
            }
        }

        return days;
    }

    /// <summary>The bucket for a number of days failing.</summary>
    public static AgeBucket Bucket(int daysFailing) => daysFailing switch
    {
        <= 0 => AgeBucket.NotLate,
        1 => AgeBucket.Day1,
        <= 3 => AgeBucket.Days2To3,
        <= 7 => AgeBucket.Days4To7,
        <= 15 => AgeBucket.Days8To15,
        _ => AgeBucket.Days16Plus,
    };

    /// <summary>The label operations read on the dashboard.</summary>
    public static string Label(AgeBucket bucket) => bucket switch
    {
        AgeBucket.NotLate => "not late",
        AgeBucket.Day1 => "1 day",
        AgeBucket.Days2To3 => "2-3 days",
        AgeBucket.Days4To7 => "4-7 days",
        AgeBucket.Days8To15 => "8-15 days",
        _ => "16+ days",
    };
}
