using System.Globalization;
using ServerlessBackOffice.Domain.ExceptionManagement;

namespace ServerlessBackOffice.Pipeline.Exceptions;

/// <summary>An exception case with its age in business days and the repairs proposed for it.</summary>
/// <param name="Case">The case (owner and history include its repairs).</param>
/// <param name="AgeBusinessDays">Business days open as of the query date.</param>
/// <param name="Repairs">Repairs proposed for it, oldest first.</param>
public sealed record ExceptionView(ExceptionCase Case, int AgeBusinessDays, IReadOnlyList<Repair> Repairs);

/// <summary>
/// The one exceptions view: every source's open cases, with their age in business days, their owner (the maker of an
/// open repair, else the team that acts on the type) and their history (the source's own, then every repair step).
/// </summary>
public sealed class ExceptionsQuery(IEnumerable<IExceptionSource> sources, IRepairStore repairs)
{
    private readonly IReadOnlyList<IExceptionSource> _sources = [.. sources];

    /// <summary>Ageing counts weekdays (market holiday calendars are reference data the view does not load).</summary>
    public static Func<DateOnly, bool> BusinessDay { get; } = ExceptionsView.IsWeekday;

    /// <summary>The open exceptions as of a date, optionally of one type, oldest first.</summary>
    public async Task<IReadOnlyList<ExceptionView>> ListAsync(DateOnly asOf, ExceptionType? type, CancellationToken cancellationToken)
    {
        var byCase = new Dictionary<string, List<Repair>>(StringComparer.Ordinal);
        await foreach (var repair in repairs.ListAsync(cancellationToken))
        {
            if (!byCase.TryGetValue(repair.Subject, out var list))
            {
                list = [];
                byCase[repair.Subject] = list;
            }

            list.Add(repair);
        }

        var views = new List<ExceptionView>();
        foreach (var source in _sources.Where(s => type is null || s.Types.Contains(type.Value)))
        {
            await foreach (var item in source.ListOpenAsync(asOf, cancellationToken))
            {
                if (type is not null && item.Type != type)
                {
                    continue;
                }

                var caseRepairs = byCase.TryGetValue(item.CaseId, out var found) ? found.OrderBy(r => r.History[0].At).ToList() : [];
                views.Add(new ExceptionView(WithRepairs(item, caseRepairs), item.AgeInBusinessDays(asOf, BusinessDay), caseRepairs));
            }
        }

        return [.. views.OrderByDescending(v => v.AgeBusinessDays).ThenBy(v => v.Case.Type).ThenBy(v => v.Case.CaseId, StringComparer.Ordinal)];
    }

    /// <summary>One open case by id, or null when it is not open (or unknown).</summary>
    public async Task<ExceptionView?> GetAsync(string caseId, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        var all = await ListAsync(asOf, TypeOf(caseId), cancellationToken);
        return all.FirstOrDefault(v => v.Case.CaseId == caseId);
    }

    /// <summary>Open exceptions counted by type and business-day age bucket (the day-run summary and the dashboard's shape).</summary>
    public async Task<IReadOnlyList<(ExceptionType Type, string Age, int Count)>> SummaryAsync(DateOnly asOf, CancellationToken cancellationToken)
    {
        var all = await ListAsync(asOf, null, cancellationToken);
        return ExceptionsView.Summary(all.Select(v => v.Case), asOf, BusinessDay);
    }

    /// <summary>A one-line summary for the day run: "Open exceptions: SettlementFail 3 (today 1, 1 day 2), ..." or "none".</summary>
    public static string SummaryLine(IReadOnlyList<(ExceptionType Type, string Age, int Count)> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.Count == 0
            ? "none"
            : string.Join(", ", summary.GroupBy(s => s.Type).Select(g =>
                string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(s => s.Count)} ({string.Join(", ", g.Select(s => $"{s.Age} {s.Count}"))})")));
    }

    /// <summary>The type of a case id from its prefix, or null when the prefix is not known.</summary>
    public static ExceptionType? TypeOf(string caseId)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        var prefix = caseId.IndexOf(':', StringComparison.Ordinal) is var i and > 0 ? caseId[..i] : caseId;
        return prefix switch
        {
            "break" => ExceptionType.ReconciliationBreak,
            "fail" => ExceptionType.SettlementFail,
            "mismatch" => ExceptionType.ConfirmationMismatch,
            "unaffirmed" => ExceptionType.UnaffirmedAtCutoff,
            "rejected" => ExceptionType.RejectedOmsMessage,
            "alert" => ExceptionType.ComplianceAlert,
            "dlq" => ExceptionType.DeadLetteredMessage,
            _ => null,
        };
    }

    private static ExceptionCase WithRepairs(ExceptionCase item, List<Repair> caseRepairs)
    {
        if (caseRepairs.Count == 0)
        {
            return item;
        }

        var open = caseRepairs.LastOrDefault(r => r.State is RepairState.Proposed or RepairState.Approved);
        var history = item.History.Concat(caseRepairs.SelectMany(r => r.History.Select(h =>
            string.Create(CultureInfo.InvariantCulture, $"{h.At:yyyy-MM-dd'T'HH:mm:ss'Z'} repair {r.RepairId} ({r.Kind}) {h.Action} by {h.Actor}{(h.Comment is null ? string.Empty : ": " + h.Comment)}"))));
        return item with { Owner = open?.Maker ?? item.Owner, History = [.. history] };
    }
}
