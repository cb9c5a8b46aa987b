namespace ServerlessBackOffice.Domain.Trading;

/// <summary>The day-count conventions the back office computes accrued interest with.</summary>
public enum DayCountConvention
{
    /// <summary>30/360 US (SIA "bond basis", Standard Securities Calculation Methods): US corporate and agency bonds.</summary>
    Thirty360Us,

    /// <summary>30E/360 (ISDA 2006 4.16(g), "Eurobond basis"): many euro-area corporate bonds.</summary>
    ThirtyE360,

    /// <summary>Actual/360: money-market instruments and floating-rate notes.</summary>
    Act360,

    /// <summary>Actual/365 Fixed: sterling money markets.</summary>
    Act365Fixed,

    /// <summary>Actual/Actual ICMA (ICMA Rule 251): US Treasuries, gilts, euro government bonds.</summary>
    ActActIcma,
}

/// <summary>Day counts and year fractions. Exact decimals; no rounding happens here.</summary>
public static class DayCount
{
    /// <summary>The number of days between <paramref name="start"/> (inclusive) and <paramref name="end"/> (exclusive) under <paramref name="convention"/>.</summary>
    /// <remarks>For Actual/Actual ICMA this is the actual number of days; the denominator comes from the coupon period.</remarks>
    public static int Days(DayCountConvention convention, DateOnly start, DateOnly end) => convention switch
    {
        DayCountConvention.Thirty360Us => Thirty360Us(start, end),
        DayCountConvention.ThirtyE360 => ThirtyE360(start, end),
        DayCountConvention.Act360 or DayCountConvention.Act365Fixed or DayCountConvention.ActActIcma => end.DayNumber - start.DayNumber,
        _ => throw new ArgumentOutOfRangeException(nameof(convention), convention, "Unknown day-count convention."),
    };

    /// <summary>
    /// The year fraction from <paramref name="start"/> to <paramref name="end"/>. Actual/Actual ICMA needs the regular coupon
    /// period that contains the accrual and the coupon frequency: fraction = days / (frequency × days in the period).
    /// </summary>
    public static decimal YearFraction(DayCountConvention convention, DateOnly start, DateOnly end, CouponPeriod? period = null, int frequency = 0)
    {
        var days = Days(convention, start, end);
        return convention switch
        {
            DayCountConvention.Thirty360Us or DayCountConvention.ThirtyE360 or DayCountConvention.Act360 => days / 360m,
            DayCountConvention.Act365Fixed => days / 365m,
            DayCountConvention.ActActIcma when period is { } p && frequency > 0 => days / (frequency * (decimal)(p.End.DayNumber - p.Start.DayNumber)),
            DayCountConvention.ActActIcma => throw new ArgumentException("Actual/Actual ICMA needs the coupon period and frequency.", nameof(period)),
            _ => throw new ArgumentOutOfRangeException(nameof(convention), convention, "Unknown day-count convention."),
        };
    }

    // SIA Standard Securities Calculation Methods, rules applied in this order:
    // 1. D2 last day of February and D1 last day of February: D2 = 30.  2. D1 last day of February: D1 = 30.
    // 3. D2 = 31 and D1 is 30 or 31 (after rule 2): D2 = 30.             4. D1 = 31: D1 = 30.
    private static int Thirty360Us(DateOnly start, DateOnly end)
    {
        int d1 = start.Day, d2 = end.Day;
        var startIsEndOfFebruary = IsLastDayOfFebruary(start);
        if (startIsEndOfFebruary && IsLastDayOfFebruary(end))
        {
            d2 = 30;
        }

        if (startIsEndOfFebruary)
        {
            d1 = 30;
        }

        if (d2 == 31 && d1 >= 30)
        {
            d2 = 30;
        }

        if (d1 == 31)
        {
            d1 = 30;
        }

        return Thirty360(start, end, d1, d2);
    }

    // ISDA 2006 Section 4.16(g): 31st of either month becomes the 30th; February is never adjusted.
    private static int ThirtyE360(DateOnly start, DateOnly end) =>
        Thirty360(start, end, Math.Min(start.Day, 30), Math.Min(end.Day, 30));

    private static int Thirty360(DateOnly start, DateOnly end, int d1, int d2) =>
        (360 * (end.Year - start.Year)) + (30 * (end.Month - start.Month)) + (d2 - d1);

    private static bool IsLastDayOfFebruary(DateOnly date) => date.Month == 2 && date.Day == DateTime.DaysInMonth(date.Year, 2);
}

/// <summary>A coupon period: interest accrues from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive).</summary>
/// <param name="Start">The previous coupon date.</param>
/// <param name="End">The next coupon date.</param>
public readonly record struct CouponPeriod(DateOnly Start, DateOnly End)
{
    /// <summary>
    /// The regular coupon period containing <paramref name="date"/>, counted back from <paramref name="maturity"/> in steps of
    /// 12 / <paramref name="frequency"/> months. A maturity on the last day of a month keeps every coupon on a month end
    /// (the end-of-month rule), so a 31 May maturity pays on 30 November, not 31.
    /// </summary>
    public static CouponPeriod Containing(DateOnly date, DateOnly maturity, int frequency)
    {
        if (frequency is not (1 or 2 or 4 or 12))
        {
            throw new ArgumentOutOfRangeException(nameof(frequency), frequency, "Coupon frequency must be 1, 2, 4 or 12.");
        }

        if (date >= maturity)
        {
            throw new ArgumentOutOfRangeException(nameof(date), date, "The date is on or after maturity; nothing accrues.");
        }

        var months = 12 / frequency;
        var endOfMonth = maturity.Day == DateTime.DaysInMonth(maturity.Year, maturity.Month);
        var steps = 1;
        var end = maturity;
        var start = Step(maturity, -months, endOfMonth);
        while (start > date)
        {
            steps++;
            end = start;
            start = Step(maturity, -months * steps, endOfMonth);
        }

        return new CouponPeriod(start, end);
    }

    // Always step from maturity (not from the previous step) so day-of-month clipping in February never propagates.
    private static DateOnly Step(DateOnly maturity, int months, bool endOfMonth)
    {
        var shifted = maturity.AddMonths(months);
        return endOfMonth ? new DateOnly(shifted.Year, shifted.Month, DateTime.DaysInMonth(shifted.Year, shifted.Month)) : shifted;
    }
}

/// <summary>Accrued interest on a fixed-coupon bond: what the buyer pays the seller for the coupon earned since the last payment date.</summary>
public static class AccruedInterest
{
    /// <summary>
    /// The exact (unrounded) accrued interest on <paramref name="faceAmount"/> from the previous coupon date up to (not including)
    /// <paramref name="settlementDate"/>. <paramref name="annualCouponRate"/> is a fraction (0.0425 for 4.25%).
    /// </summary>
    public static decimal Compute(decimal faceAmount, decimal annualCouponRate, int frequency, DayCountConvention convention, DateOnly maturity, DateOnly settlementDate)
    {
        if (annualCouponRate == 0m || settlementDate >= maturity)
        {
            return 0m;
        }

        var period = CouponPeriod.Containing(settlementDate, maturity, frequency);
        var fraction = DayCount.YearFraction(convention, period.Start, settlementDate, period, frequency);
        return faceAmount * annualCouponRate * fraction;
    }
}
