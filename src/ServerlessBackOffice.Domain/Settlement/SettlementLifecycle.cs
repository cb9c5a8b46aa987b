namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>
/// The settlement state of one instruction and the state machine over custodian reports. It accepts only valid
/// transitions, ignores duplicates (same report id) and stale reports (reported before the last applied one, or with a
/// lower cumulative quantity), and keeps every report in its history with what became of it — every applied report, and
/// the last <see cref="MaximumUnappliedHistory"/> that changed nothing (older ones are dropped and counted, so a custodian
/// repeating stale or invalid reports cannot grow the document without bound). Immutable: applying a report returns the
/// new state, so the store can write it with optimistic concurrency.
/// </summary>
public sealed record SettlementLifecycle(
    string InstructionId,
    decimal Quantity,
    SettlementStatus Status,
    decimal SettledQuantity,
    decimal SettledCash,
    string? LastReasonCode,
    DateTimeOffset? LastReportedAt,
    IReadOnlyList<StatusHistoryEntry> History)
{
    private static readonly Dictionary<SettlementStatus, SettlementStatus[]> Allowed = new()
    {
        [SettlementStatus.Instructed] = [SettlementStatus.Unmatched, SettlementStatus.Matched, SettlementStatus.Failed, SettlementStatus.Cancelled, SettlementStatus.PartiallySettled, SettlementStatus.Settled],
        // A settlement report implies the instructions matched: the matched report may simply have been delayed.
        [SettlementStatus.Unmatched] = [SettlementStatus.Unmatched, SettlementStatus.Matched, SettlementStatus.Failed, SettlementStatus.Cancelled, SettlementStatus.PartiallySettled, SettlementStatus.Settled],
        [SettlementStatus.Matched] = [SettlementStatus.PartiallySettled, SettlementStatus.Settled, SettlementStatus.Failed, SettlementStatus.Cancelled, SettlementStatus.Unmatched],
        [SettlementStatus.Failed] = [SettlementStatus.Failed, SettlementStatus.Matched, SettlementStatus.PartiallySettled, SettlementStatus.Settled, SettlementStatus.Cancelled],
        [SettlementStatus.PartiallySettled] = [SettlementStatus.PartiallySettled, SettlementStatus.Settled, SettlementStatus.Failed],
        [SettlementStatus.Settled] = [],
        [SettlementStatus.Cancelled] = [],
    };

    /// <summary>
    /// How many reports that changed nothing (stale, invalid transitions) the history keeps, newest last. About 300 bytes each,
    /// so at most ~15 KB of an instruction document; enough for operations to see what a custodian kept sending.
    /// </summary>
    public const int MaximumUnappliedHistory = 50;

    /// <summary>Stale reports dropped from the history beyond <see cref="MaximumUnappliedHistory"/>.</summary>
    public int DroppedStaleReports { get; init; }

    /// <summary>Invalid-transition reports dropped from the history beyond <see cref="MaximumUnappliedHistory"/>.</summary>
    public int DroppedInvalidTransitions { get; init; }

    /// <summary>A new instruction, sent and awaiting the custodian.</summary>
    public static SettlementLifecycle Instructed(string instructionId, decimal quantity) =>
        new(instructionId, quantity, SettlementStatus.Instructed, 0m, 0m, null, null, []);

    /// <summary>Whether the instruction can still change.</summary>
    public bool IsFinal => Status is SettlementStatus.Settled or SettlementStatus.Cancelled;

    /// <summary>Whether <paramref name="to"/> may follow <paramref name="from"/>.</summary>
    public static bool IsValidTransition(SettlementStatus from, SettlementStatus to) => Allowed[from].Contains(to);

    /// <summary>Applies a custodian report and returns the new state and what became of the report.</summary>
    public (SettlementLifecycle State, StatusDisposition Disposition) Apply(CustodianStatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.InstructionId != InstructionId)
        {
            throw new ArgumentException($"Report {report.StatusId} is for instruction {report.InstructionId}, not {InstructionId}.", nameof(report));
        }

        if (History.Any(h => h.Report.StatusId == report.StatusId))
        {
            return (this, StatusDisposition.Duplicate);
        }

        var (disposition, note) = Judge(report);
        var history = History.Append(new StatusHistoryEntry(report, disposition, note)).ToList();
        var (droppedStale, droppedInvalid) = DropOldestUnapplied(history);
        if (disposition != StatusDisposition.Applied)
        {
            return (this with { History = history, DroppedStaleReports = DroppedStaleReports + droppedStale, DroppedInvalidTransitions = DroppedInvalidTransitions + droppedInvalid }, disposition);
        }

        var settledQuantity = report.Status is SettlementStatus.PartiallySettled or SettlementStatus.Settled
            ? (report.Status == SettlementStatus.Settled && report.SettledQuantity == 0m ? Quantity : report.SettledQuantity)
            : SettledQuantity;
        var settledCash = report.Status is SettlementStatus.PartiallySettled or SettlementStatus.Settled ? report.SettledCash : SettledCash;
        return (this with
        {
            Status = report.Status,
            SettledQuantity = settledQuantity,
            SettledCash = settledCash,
            LastReasonCode = report.ReasonCode ?? (report.Status is SettlementStatus.Failed or SettlementStatus.Unmatched ? LastReasonCode : null),
            LastReportedAt = report.ReportedAt,
            History = history,
            DroppedStaleReports = DroppedStaleReports + droppedStale,
            DroppedInvalidTransitions = DroppedInvalidTransitions + droppedInvalid,
        }, StatusDisposition.Applied);
    }

    // Removes the oldest entries that changed nothing beyond the limit; applied entries are the instruction's story and stay.
    // A redelivery of a dropped report is no longer recognised as a duplicate: it is judged again against the current state,
    // like a new report. Service Bus redelivers within minutes, long before 50 later reports could push an entry out.
    private static (int Stale, int InvalidTransition) DropOldestUnapplied(List<StatusHistoryEntry> history)
    {
        var excess = history.Count(h => h.Disposition != StatusDisposition.Applied) - MaximumUnappliedHistory;
        if (excess <= 0)
        {
            return (0, 0);
        }

        int stale = 0, invalid = 0;
        for (var i = 0; i < history.Count && excess > 0;)
        {
            if (history[i].Disposition == StatusDisposition.Applied)
            {
                i++;
                continue;
            }

            stale += history[i].Disposition == StatusDisposition.Stale ? 1 : 0;
            invalid += history[i].Disposition == StatusDisposition.InvalidTransition ? 1 : 0;
            history.RemoveAt(i);
            excess--;
        }

        return (stale, invalid);
    }

    private (StatusDisposition, string?) Judge(CustodianStatusReport report)
    {
        if (LastReportedAt is { } last && report.ReportedAt < last)
        {
            return (StatusDisposition.Stale, $"reported at {report.ReportedAt:O}, before the last applied report at {last:O}");
        }

        if (report.Status is SettlementStatus.PartiallySettled or SettlementStatus.Settled)
        {
            if (report.SettledQuantity < SettledQuantity)
            {
                return (StatusDisposition.Stale, $"settles {report.SettledQuantity}, less than the {SettledQuantity} already settled");
            }

            if (report.SettledQuantity > Quantity)
            {
                return (StatusDisposition.InvalidTransition, $"settles {report.SettledQuantity} of an instruction for {Quantity}");
            }

            if (report.Status == SettlementStatus.PartiallySettled && report.SettledQuantity == SettledQuantity && Status == SettlementStatus.PartiallySettled)
            {
                return (StatusDisposition.Stale, "repeats the quantity already partially settled");
            }
        }

        return IsValidTransition(Status, report.Status)
            ? (StatusDisposition.Applied, null)
            : (StatusDisposition.InvalidTransition, $"{Status} cannot become {report.Status}");
    }
}
