using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.ExceptionManagement;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// The open-exceptions report: every exception of the day's records by type (issue 13's types), with its age in business
/// days and its owner, then counts by type and age. Reconciliation breaks come from the reconciliation's change records
/// (<c>state/reconciliation/&lt;account&gt;/&lt;kind&gt;/&lt;statement&gt;.json</c>): the latest statement of each account and
/// kind lists every break still open.
/// </summary>
public sealed partial class DayReportBuilder
{
    // The reconciliation stage's archive folder (ReconciliationHandler.ArchiveStage): its change and dead-letter records.
    private const string ReconciliationStatePrefix = "state/reconciliation/";
    private const string ReconciliationDeadLetteredPrefix = ReconciliationStatePrefix + "dead-lettered/";

    private readonly Dictionary<(string Account, string Kind), (DateOnly StatementDate, List<OpenBreakFact> Open)> _reconciliation = [];
    private readonly List<(string MessageId, string Reason)> _deadLetteredStatements = [];

    private void ReadReconciliationRecord(string name, ReadOnlySpan<byte> content)
    {
        try
        {
            var reader = new Utf8JsonReader(content);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var fields = new EventFields(root);
            if (name.StartsWith(ReconciliationDeadLetteredPrefix, StringComparison.Ordinal))
            {
                var messageId = fields.Text("messageId");
                var reason = $"{fields.Text("reason")}: {fields.OptionalText("description")}";
                if (fields.Problem is null)
                {
                    _deadLetteredStatements.Add((messageId, reason));
                }
                else
                {
                    _notUnderstood.Add((name, $"reconciliation dead-letter record: {fields.Problem}"));
                }

                return;
            }

            var account = fields.Text("account");
            var kind = fields.Text("kind");
            var dateText = fields.Text("statementDate");
            if (fields.Problem is not null || !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var statementDate))
            {
                _notUnderstood.Add((name, $"reconciliation change record: {fields.Problem ?? "statementDate is not a date"}"));
                return;
            }

            // The latest statement of an account and kind says what is open; an older one arriving later changes nothing.
            if (_reconciliation.TryGetValue((account, kind), out var known) && known.StatementDate > statementDate)
            {
                return;
            }

            var open = new List<OpenBreakFact>();
            foreach (var section in (ReadOnlySpan<string>)["opened", "continuing"])
            {
                if (!root.TryGetProperty(section, out var lines) || lines.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var line in lines.EnumerateArray())
                {
                    if (!line.TryGetProperty("break", out var b))
                    {
                        continue;
                    }

                    var f = new EventFields(b);
                    var firstSeen = DateOnly.TryParseExact(f.OptionalText("firstSeen"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : statementDate;
                    open.Add(new OpenBreakFact(
                        f.OptionalText("breakId") ?? name,
                        account,
                        $"{f.OptionalText("type")}: {f.OptionalText("asset")} ours {f.OptionalText("ours")}, custodian {f.OptionalText("theirs")}, pending {f.OptionalText("pending")}",
                        firstSeen));
                }
            }

            _reconciliation[(account, kind)] = (statementDate, open);
        }
        catch (JsonException ex)
        {
            _notUnderstood.Add((name, $"not JSON: {ex.Message}"));
        }
    }

    private List<(string Type, string Age, int Count)> WriteOpenExceptions(BookOutput book)
    {
        var rows = new List<(ExceptionType Type, string Reference, string Reason, int Age)>();
        foreach (var item in book.Exceptions)
        {
            ExceptionType? type = item.Type switch
            {
                "Mismatched" => ExceptionType.ConfirmationMismatch,
                "UnaffirmedAtCutoff" => ExceptionType.UnaffirmedAtCutoff,
                "SettlementFail" => ExceptionType.SettlementFail,
                _ when item.Type.StartsWith("Alert:", StringComparison.Ordinal) => ExceptionType.ComplianceAlert,
                _ => null,
            };
            if (type is { } t)
            {
                rows.Add((t, item.Reference, t == ExceptionType.ComplianceAlert ? $"{item.Type[6..]}: {item.Reason}" : item.Reason, item.AgeInDays));
            }
        }

        // OMS rejections and dead-lettered statements are firm-wide: every book lists them, as the OMS outcomes report does.
        foreach (var row in _omsExceptions.Where(r => r[2] is "rejected" or "deadLettered"))
        {
            rows.Add((ExceptionType.RejectedOmsMessage, row[1] ?? row[0]!, $"{row[2]} {row[3]}: {row[4]}", 0));
        }

        foreach (var (messageId, reason) in _deadLetteredStatements)
        {
            rows.Add((ExceptionType.DeadLetteredMessage, messageId, reason, 0));
            book.Exceptions.Add(new ExceptionItem(nameof(ExceptionType.DeadLetteredMessage), messageId, reason, 0));
        }

        var bookOfAccount = AccountBooks();
        foreach (var ((account, _), (_, open)) in _reconciliation.OrderBy(r => r.Key.Account, StringComparer.Ordinal).ThenBy(r => r.Key.Kind, StringComparer.Ordinal))
        {
            if (bookOfAccount.TryGetValue(account, out var owner) && owner != book.Id)
            {
                continue;
            }

            foreach (var b in open)
            {
                var age = ExceptionsView.BusinessDaysBetween(b.FirstSeen, _parameters.BusinessDate, IsWeekday);
                rows.Add((ExceptionType.ReconciliationBreak, b.BreakId, b.Reason, age));
                book.Exceptions.Add(new ExceptionItem(nameof(ExceptionType.ReconciliationBreak), b.BreakId, b.Reason, age));
            }
        }

        var ordered = rows.OrderBy(r => r.Type).ThenByDescending(r => r.Age).ThenBy(r => r.Reference, StringComparer.Ordinal).ThenBy(r => r.Reason, StringComparer.Ordinal).ToList();
        var summary = ordered.GroupBy(r => (r.Type, Age: ExceptionsView.AgeBucket(r.Age)))
            .OrderBy(g => g.Key.Type).ThenBy(g => g.Min(r => r.Age))
            .Select(g => (g.Key.Type.ToString(), g.Key.Age, g.Count()))
            .ToList();
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.OpenExceptions));
        Csv.WriteRow(writer, "section", "type", "ageBucket", "count", "reference", "reason", "ageBusinessDays", "owner");
        foreach (var (type, age, count) in summary)
        {
            Csv.WriteRow(writer, "summary", type, age, Number(count), null, null, null, null);
        }

        foreach (var (type, reference, reason, age) in ordered)
        {
            Csv.WriteRow(writer, "exception", type.ToString(), ExceptionsView.AgeBucket(age), null, reference, reason, Number(age), ExceptionsView.DefaultOwner(type));
        }

        return summary;
    }

    // Each account's book, from the day's trades; an account no trade of the day names is listed under every book.
    private Dictionary<string, string> AccountBooks()
    {
        var books = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var trade in _trades.Values)
        {
            if (trade.Account is not null && trade.Book is not null)
            {
                books.TryAdd(trade.Account, trade.Book);
            }
        }

        return books;
    }

    private sealed record OpenBreakFact(string BreakId, string Account, string Reason, DateOnly FirstSeen);
}
