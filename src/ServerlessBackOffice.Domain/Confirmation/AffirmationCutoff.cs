using System.Globalization;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Confirmation;

/// <summary>
/// When affirmation is due for one market: a local wall-clock time on the trading day that is
/// <see cref="BusinessDaysAfterTradeDate"/> business days after trade date, in the market's time zone.
/// </summary>
/// <param name="Market">The settlement convention id the rule is for (for example <c>US-EQUITY</c>).</param>
/// <param name="BusinessDaysAfterTradeDate">0 for trade date itself, 1 for the next business day.</param>
/// <param name="LocalTime">The wall-clock time of the cut-off.</param>
/// <param name="TimeZoneId">IANA time zone the wall-clock time is in.</param>
/// <param name="Source">The rule or market practice the cut-off comes from (always say why).</param>
public sealed record AffirmationCutoffRule(string Market, int BusinessDaysAfterTradeDate, TimeOnly LocalTime, string TimeZoneId, string Source)
{
    /// <summary>
    /// The cut-off instant for a trade date. Business days come from <paramref name="tradingCalendar"/> when given; without a
    /// calendar (or beyond its coverage) weekends are skipped only, which can only make the cut-off earlier, never later.
    /// Wall-clock times that do not exist (a daylight-saving gap) move forward by the gap, as clocks do.
    /// </summary>
    public DateTimeOffset CutoffFor(DateOnly tradeDate, BusinessCalendar? tradingCalendar)
    {
        var day = tradeDate;
        for (var i = 0; i < BusinessDaysAfterTradeDate; i++)
        {
            day = NextBusinessDay(day, tradingCalendar);
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);
        var local = day.ToDateTime(LocalTime, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static DateOnly NextBusinessDay(DateOnly day, BusinessCalendar? calendar)
    {
        var next = day.AddDays(1);
        while (!IsBusinessDay(next, calendar))
        {
            next = next.AddDays(1);
        }

        return next;
    }

    private static bool IsBusinessDay(DateOnly day, BusinessCalendar? calendar)
    {
        if (calendar is not null && calendar.Covers(day))
        {
            return calendar.IsBusinessDay(day);
        }

        return day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
    }

    /// <summary>The rule as one line of text: <c>T+0 21:00 America/New_York</c>.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"T+{BusinessDaysAfterTradeDate} {LocalTime:HH\\:mm} {TimeZoneId}");
}

/// <summary>
/// The affirmation cut-offs of every market, as data: a market missing from the table gets <see cref="Fallback"/>, so a new
/// market is watched (conservatively) before anyone writes its rule.
/// </summary>
public sealed class AffirmationCutoffSchedule
{
    private readonly Dictionary<string, AffirmationCutoffRule> _rules;

    /// <summary>Indexes the rules by market; a market listed twice is a data error.</summary>
    public AffirmationCutoffSchedule(IEnumerable<AffirmationCutoffRule> rules, AffirmationCutoffRule fallback)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules.ToDictionary(r => r.Market, StringComparer.Ordinal);
        Fallback = fallback ?? throw new ArgumentNullException(nameof(fallback));
    }

    /// <summary>The rule for markets without one of their own: the strictest, US T+1 (9 p.m. New York on trade date).</summary>
    public AffirmationCutoffRule Fallback { get; }

    /// <summary>Every market's rule.</summary>
    public IReadOnlyCollection<AffirmationCutoffRule> Rules => _rules.Values;

    /// <summary>The rule of a market.</summary>
    public AffirmationCutoffRule For(string market) => _rules.TryGetValue(market, out var rule) ? rule with { } : Fallback with { Market = market };

    /// <summary>
    /// The default cut-offs. US: DTC's institutional affirmation cut-off is 9:00 p.m. ET on trade date under T+1 (SEC Rule
    /// 15c6-2, in force 28 May 2024, requires allocations, confirmations and affirmations by end of trade date). UK and EU:
    /// EU CSDR settlement-discipline RTS (Delegated Regulation 2018/1229, Article 2(2)) make written allocations and
    /// confirmations due by 12:00 on the business day after trade date, local time, when the client is in another time zone
    /// or the order was executed after 16:00 — the latest the rules allow, so that is the cut-off we watch.
    /// </summary>
    public static AffirmationCutoffSchedule Default { get; } = new(
        [
            new("US-EQUITY", 0, new TimeOnly(21, 0), "America/New_York", "SEC Rule 15c6-2; DTC institutional affirmation cut-off 9:00 p.m. ET on trade date"),
            new("US-CORPORATE-BOND", 0, new TimeOnly(21, 0), "America/New_York", "SEC Rule 15c6-2; DTC institutional affirmation cut-off 9:00 p.m. ET on trade date"),
            new("US-TREASURY", 0, new TimeOnly(21, 0), "America/New_York", "T+1 market practice (FICC); same evening cut-off as DTC"),
            new("UK-EQUITY", 1, new TimeOnly(12, 0), "Europe/London", "UK practice aligned with CSDR RTS 2018/1229 Art. 2(2): confirmations by 12:00 on T+1"),
            new("EU-EQUITY-EURONEXT", 1, new TimeOnly(12, 0), "Europe/Paris", "CSDR RTS 2018/1229 Art. 2(2): confirmations by 12:00 CET on T+1"),
            new("EU-EQUITY-XETRA", 1, new TimeOnly(12, 0), "Europe/Berlin", "CSDR RTS 2018/1229 Art. 2(2): confirmations by 12:00 CET on T+1"),
        ],
        new("*", 0, new TimeOnly(21, 0), "America/New_York", "Fallback: the strictest rule we apply (US T+1)"));

    /// <summary>
    /// The default table with per-market overrides, each written <c>T+&lt;days&gt; &lt;HH:mm&gt; &lt;IANA zone&gt;</c>
    /// (for example <c>T+0 20:00 America/New_York</c>).
    /// </summary>
    /// <exception cref="FormatException">An override is not in that form or names an unknown time zone.</exception>
    public AffirmationCutoffSchedule WithOverrides(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var rules = new Dictionary<string, AffirmationCutoffRule>(_rules, StringComparer.Ordinal);
        foreach (var (market, text) in overrides)
        {
            rules[market] = Parse(market, text);
        }

        return new AffirmationCutoffSchedule(rules.Values, Fallback);
    }

    /// <summary>Reads <c>T+&lt;days&gt; &lt;HH:mm&gt; &lt;IANA zone&gt;</c>.</summary>
    /// <exception cref="FormatException">The text is not in that form, or the zone is unknown.</exception>
    public static AffirmationCutoffRule Parse(string market, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !parts[0].StartsWith("T+", StringComparison.Ordinal)
            || !int.TryParse(parts[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var days) || days > 10
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new FormatException($"Affirmation cut-off '{text}' for {market} is not 'T+<days> <HH:mm> <IANA time zone>'.");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(parts[2], out _))
        {
            throw new FormatException($"Affirmation cut-off for {market} names an unknown time zone '{parts[2]}'.");
        }

        return new AffirmationCutoffRule(market, days, time, parts[2], "configuration override");
    }
}

/// <summary>Where a trade's confirmation stands, as the cut-off watch sees it.</summary>
/// <param name="TradeId">Trade id.</param>
/// <param name="ConfirmedVersion">The version of the confirmation in force.</param>
/// <param name="AwaitingAffirmation">True while that confirmation is not affirmed (sent, or disputed) and the trade is live.</param>
/// <param name="CutoffAt">When its affirmation is due.</param>
/// <param name="ReportedVersion">The confirmed version last reported unaffirmed at the cut-off (0 for none).</param>
public sealed record CutoffCandidate(string TradeId, int ConfirmedVersion, bool AwaitingAffirmation, DateTimeOffset CutoffAt, int ReportedVersion);

/// <summary>The cut-off watch's one decision, pure: which trades are unaffirmed at their cut-off and not reported yet.</summary>
public static class UnaffirmedAtCutoff
{
    /// <summary>
    /// The candidates whose confirmation is still unaffirmed at <paramref name="at"/> although its cut-off has passed, and
    /// whose confirmed version has not been reported yet (each version is reported once), in cut-off order.
    /// </summary>
    public static IReadOnlyList<CutoffCandidate> Due(IEnumerable<CutoffCandidate> candidates, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return [.. candidates
            .Where(c => IsDue(c, at))
            .OrderBy(c => c.CutoffAt)
            .ThenBy(c => c.TradeId, StringComparer.Ordinal)];
    }

    /// <summary>True when this one candidate is due at <paramref name="at"/>.</summary>
    public static bool IsDue(CutoffCandidate candidate, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return candidate.AwaitingAffirmation && candidate.ConfirmedVersion > 0 && candidate.CutoffAt <= at && candidate.ReportedVersion != candidate.ConfirmedVersion;
    }
}
