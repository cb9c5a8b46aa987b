using System.Globalization;
using System.Text;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Exceptions;
using Spectre.Console;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// What a person reads at the end of a day run: every OMS message's outcome (and the accounting identity over them),
/// what the counterparties and custodians did, dead letters per entity, each book's ledger check, and where the files are.
/// The exit code is 0 only when every message is accounted for and every book balances.
/// </summary>
internal sealed class DaySummary(
    DateOnly date,
    DayRunOptions options,
    IReadOnlyList<OmsPublication> publications,
    IReadOnlyDictionary<string, (string Outcome, string? ReasonCode, string? Message)> outcomes,
    IReadOnlyDictionary<string, long> deadLettered,
    IReadOnlyDictionary<string, long> unconsumed,
    (long Confirmations, long Affirmations, long Mismatches, long Silent, long Unreadable) counterparties,
    (long Instructions, long Statuses, long Unreadable, int Open) custodians,
    IReadOnlyList<BookResult> books,
    IReadOnlyList<ArchiveDayResult> archive,
    IReadOnlyList<ReportDayResult> reports,
    (int Statements, IReadOnlyList<(string Type, int Count, int OldestAge)> OpenBreaks) reconciliation,
    IReadOnlyList<(ExceptionType Type, string Age, int Count)> exceptions,
    long invocations,
    long failedInvocations,
    TimeSpan elapsed,
    DirectoryInfo folder,
    IReadOnlyList<(string Fault, long Count)>? chaos = null)
{
    private static readonly string[] OutcomeOrder = ["accepted", "duplicate", "stale", "rejected", "deadLettered"];

    private int Published => publications.Select(p => p.MessageId).Distinct(StringComparer.Ordinal).Count();

    private int Unanswered => publications.Select(p => p.MessageId).Distinct(StringComparer.Ordinal).Count(id => !outcomes.ContainsKey(id));

    private IReadOnlyDictionary<string, int> ByOutcome => OutcomeOrder.ToDictionary(o => o, o => outcomes.Values.Count(v => v.Outcome == o), StringComparer.Ordinal);

    /// <summary>published = accepted + duplicate + stale + rejected + dead-lettered, with no message unanswered.</summary>
    public bool Accounted => Unanswered == 0 && ByOutcome.Values.Sum() == Published;

    /// <summary>Every book's entries balance and every asset nets to zero.</summary>
    public bool LedgerHolds => books.All(b => b.Balances && b.UnbalancedEntries == 0);

    /// <summary>Rejections that the run did not mean to send (the simulator sends only the invalid ones).</summary>
    public int UnexpectedRejections => options.Input is not null
        ? 0
        : publications.Count(p => p.Kind != "invalid" && outcomes.TryGetValue(p.MessageId, out var o) && o.Outcome is "rejected" or "deadLettered");

    /// <summary>Every archive day was sealed and its bundle verifies offline.</summary>
    public bool ArchiveIntact => archive.Count > 0 && archive.All(a => a.Intact);

    /// <summary>Every business day of the run was closed and produced its reports.</summary>
    public bool ReportsWritten => reports.Count > 0 && reports.All(r => r.Files > 0);

    public int ExitCode => Accounted && LedgerHolds && ArchiveIntact && ReportsWritten && UnexpectedRejections == 0 ? 0 : 1;

    public void Write(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var byOutcome = ByOutcome;
        var capture = new Table().Title("[bold]Capture[/]").AddColumn("outcome").AddColumn(new TableColumn("messages").RightAligned());
        foreach (var outcome in OutcomeOrder)
        {
            capture.AddRow(outcome, byOutcome[outcome].ToString("N0", CultureInfo.InvariantCulture));
        }

        capture.AddRow("[bold]published[/]", $"[bold]{Published:N0}[/]");
        console.Write(capture);
        console.MarkupLine(Accounted
            ? $"[green]Every message accounted for:[/] {Published:N0} published = {string.Join(" + ", OutcomeOrder.Select(o => $"{byOutcome[o]:N0} {o}"))}"
            : $"[red]NOT accounted for:[/] {Published:N0} published, {byOutcome.Values.Sum():N0} answered, {Unanswered:N0} unanswered");

        var rejections = outcomes.Values.Where(o => o.Outcome is "rejected" or "deadLettered").GroupBy(o => o.ReasonCode ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (rejections.Count > 0)
        {
            console.MarkupLineInterpolated($"Rejected or dead-lettered by reason: {string.Join(", ", rejections.Select(g => $"{g.Key} {g.Count()}"))}");
        }

        if (UnexpectedRejections > 0)
        {
            console.MarkupLineInterpolated($"[red]{UnexpectedRejections} simulated trades that should have been accepted were rejected[/] (see the OMS replies in the archive and logs/day-run.jsonl).");
        }

        console.MarkupLineInterpolated($"Counterparties: {counterparties.Confirmations:N0} confirmations read, {counterparties.Affirmations:N0} affirmations sent ({counterparties.Mismatches:N0} with a price they disagree on), {counterparties.Silent:N0} left unanswered.");
        console.MarkupLineInterpolated($"Custodians: {custodians.Instructions:N0} instructions read, {custodians.Statuses:N0} statuses sent, {custodians.Open:N0} instructions still open (failed or partially settled).");
        if (deadLettered.Count > 0)
        {
            console.MarkupLineInterpolated($"[yellow]Dead-lettered:[/] {string.Join(", ", deadLettered.Select(d => $"{d.Key} {d.Value}"))}");
        }

        if (unconsumed.Count > 0)
        {
            console.MarkupLineInterpolated($"[yellow]Not consumed in this run (stage not wired in):[/] {string.Join(", ", unconsumed.Select(d => $"{d.Key} {d.Value}"))}");
        }

        var ledger = new Table().Title("[bold]Ledger[/]").AddColumn("book").AddColumn(new TableColumn("entries").RightAligned()).AddColumn(new TableColumn("postings").RightAligned()).AddColumn("balances").AddColumn("journal");
        foreach (var book in books)
        {
            ledger.AddRow(book.Book, book.Entries.ToString("N0", CultureInfo.InvariantCulture), book.Postings.ToString("N0", CultureInfo.InvariantCulture),
                book.Balances && book.UnbalancedEntries == 0 ? "[green]yes[/]" : "[red]NO[/]", Markup.Escape(Path.GetRelativePath(Environment.CurrentDirectory, book.JournalFile)));
        }

        console.Write(ledger);
        foreach (var day in archive)
        {
            console.MarkupLineInterpolated($"Archive {day.Day:yyyy-MM-dd}: {day.Records:N0} records sealed, bundle {Path.GetRelativePath(Environment.CurrentDirectory, day.BundleFile)} verifies offline: {(day.Intact ? "intact" : $"NOT INTACT ({day.Findings} findings)")}");
        }

        console.MarkupLineInterpolated($"Reconciliation: {reconciliation.Statements:N0} custodian statements; open breaks: {(reconciliation.OpenBreaks.Count == 0 ? "none" : string.Join(", ", reconciliation.OpenBreaks.Select(b => $"{b.Type} {b.Count} (oldest {b.OldestAge} business days)")))}");
        console.MarkupLineInterpolated($"Open exceptions: {ExceptionsQuery.SummaryLine(exceptions)}");
        foreach (var day in reports)
        {
            console.MarkupLineInterpolated($"End of day {day.Day:yyyy-MM-dd}: {day.Files:N0} report files in {Path.GetRelativePath(Environment.CurrentDirectory, day.Folder)}/");
        }

        if (chaos is not null)
        {
            var faults = new Table().Title("[bold]Chaos: faults injected[/]").AddColumn("fault").AddColumn(new TableColumn("count").RightAligned());
            foreach (var (fault, count) in chaos)
            {
                faults.AddRow(Markup.Escape(fault), count.ToString("N0", CultureInfo.InvariantCulture));
            }

            faults.AddRow("[bold]total[/]", $"[bold]{chaos.Sum(c => c.Count):N0}[/]");
            console.Write(faults);
        }

        console.MarkupLineInterpolated($"Function invocations: {invocations:N0} ({failedInvocations:N0} failed and retried). Took {elapsed.TotalSeconds:N1} s; peak memory {Environment.WorkingSet / (1024 * 1024):N0} MiB now, {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MiB peak (this process).");
        console.MarkupLineInterpolated($"Output: {Path.GetRelativePath(Environment.CurrentDirectory, folder.FullName)}/ (summary.txt, reports/, journals/, archive-bundles/, logs/day-run.jsonl)");
        console.MarkupLine(ExitCode == 0 ? "[green bold]Day run OK[/]" : "[red bold]Day run FAILED[/]");
    }

    public string PlainText()
    {
        var text = new StringBuilder();
        var byOutcome = ByOutcome;
        text.AppendLine(CultureInfo.InvariantCulture, $"business date: {date:yyyy-MM-dd}");
        text.AppendLine(CultureInfo.InvariantCulture, $"seed: {options.Seed}");
        text.AppendLine(CultureInfo.InvariantCulture, $"published: {Published}");
        foreach (var outcome in OutcomeOrder)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{outcome}: {byOutcome[outcome]}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"accounted: {(Accounted ? "yes" : "no")}");
        foreach (var group in outcomes.Values.Where(o => o.Outcome is "rejected" or "deadLettered").GroupBy(o => o.ReasonCode ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"reason {group.Key}: {group.Count()}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"confirmations: {counterparties.Confirmations}; affirmations: {counterparties.Affirmations}; mismatched: {counterparties.Mismatches}; unanswered: {counterparties.Silent}");
        text.AppendLine(CultureInfo.InvariantCulture, $"instructions: {custodians.Instructions}; custodian statuses: {custodians.Statuses}; open: {custodians.Open}");
        foreach (var (path, count) in deadLettered.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"dead-lettered {path}: {count}");
        }

        foreach (var (path, count) in unconsumed.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"not consumed {path}: {count}");
        }

        foreach (var book in books)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"book {book.Book}: {book.Entries} entries, {book.Postings} postings, balances: {(book.Balances && book.UnbalancedEntries == 0 ? "yes" : "no")}");
        }

        foreach (var day in archive)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"archive {day.Day:yyyy-MM-dd}: {day.Records} records, intact: {(day.Intact ? "yes" : "no")}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"custodian statements: {reconciliation.Statements}");
        foreach (var (type, count, oldest) in reconciliation.OpenBreaks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"open break {type}: {count}, oldest {oldest} business days");
        }

        foreach (var (type, age, count) in exceptions)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"open exceptions {type} {age}: {count}");
        }

        foreach (var day in reports)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"end of day {day.Day:yyyy-MM-dd}: {day.Files} report files");
        }

        // A chaos run's fault counts, each line starting with "chaos " so a comparison with the clean run can set them aside.
        foreach (var (fault, count) in chaos ?? [])
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"chaos {fault}: {count}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"result: {(ExitCode == 0 ? "OK" : "FAILED")}");
        return text.ToString();
    }
}
