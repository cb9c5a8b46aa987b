using System.Globalization;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>What a day's reports are computed for, written into each book's inputs file so a replay uses exactly the same.</summary>
/// <param name="BusinessDate">The business date (and archive day).</param>
/// <param name="AsOf">The "as of" instant printed on the reports: the books' close, never the wall clock.</param>
/// <param name="FirmLei">Our LEI, the executing entity of the transaction report.</param>
/// <param name="Books">The books to report, each getting its own files.</param>
public sealed record DayReportParameters(DateOnly BusinessDate, DateTimeOffset AsOf, string FirmLei, IReadOnlyList<string> Books);

/// <summary>
/// The archive folders the reports read, named after the entities (the domain does not know entity names; callers pass
/// them from the topology).
/// </summary>
/// <param name="TradeEvents">The trade-events topic: <c>outbound/&lt;this&gt;/</c> holds every lifecycle event.</param>
/// <param name="OmsReplies">The OMS reply queue: <c>outbound/&lt;this&gt;/</c> holds one reply per OMS message.</param>
/// <param name="OmsTrades">The OMS inbound queue: <c>inbound/&lt;this&gt;/</c> holds every OMS message with its outcome.</param>
public sealed record DayRecordFolders(string TradeEvents, string OmsReplies, string OmsTrades);

/// <summary>Where report files are written, one text writer per file; the builder disposes each writer when the file is done.</summary>
public interface IReportFileSink
{
    /// <summary>Opens a new file for writing (UTF-8 without BOM).</summary>
    TextWriter Create(string fileName);
}

/// <summary>The report files of a book: <c>&lt;book&gt;.&lt;report&gt;</c>, all under <c>reports/</c> in the archive.</summary>
public static class ReportFiles
{
    /// <summary>The parameters and every record (name, size, SHA-256) the book's reports were computed from.</summary>
    public const string Inputs = "inputs.csv";

    /// <summary>Every trade event of the day, in record order.</summary>
    public const string Blotter = "blotter.csv";

    /// <summary>Mismatched affirmations and trades unaffirmed at the cut-off.</summary>
    public const string ConfirmationExceptions = "confirmation-exceptions.csv";

    /// <summary>Settlement status per trade, with fails ageing and CSDR penalties.</summary>
    public const string SettlementStatus = "settlement-status.csv";

    /// <summary>The day's position and cash movements per account, from the journal.</summary>
    public const string PositionsAndCash = "positions-and-cash.csv";

    /// <summary>The day's trial balance per account.</summary>
    public const string TrialBalance = "trial-balance.csv";

    /// <summary>The invariant proof of the trial balance.</summary>
    public const string TrialBalanceProof = "trial-balance-proof.csv";

    /// <summary>RTS 22 transaction report (auth.016) for EU and UK venues.</summary>
    public const string TransactionReport = "transaction-report.xml";

    /// <summary>Compliance and risk alerts.</summary>
    public const string ComplianceAlerts = "compliance-alerts.csv";

    /// <summary>Risk figures per position, account and book: VaR, expected shortfall and stress (docs/risk.md).</summary>
    public const string Risk = "risk.csv";

    /// <summary>OMS messages by outcome, the accounting identity and every rejection (firm-wide).</summary>
    public const string OmsOutcomes = "oms-outcomes.csv";

    /// <summary>Records and events the reports could not use, with why.</summary>
    public const string RecordsNotUnderstood = "records-not-understood.csv";

    /// <summary>The one-page operations dashboard.</summary>
    public const string Dashboard = "dashboard.html";

    /// <summary>Open exceptions (every type, reconciliation breaks included) with their age in business days and owner, then counts by type and age.</summary>
    public const string OpenExceptions = "open-exceptions.csv";

    /// <summary>Every report of a book, in the order they are written.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Inputs, Blotter, ConfirmationExceptions, SettlementStatus, PositionsAndCash, TrialBalance, TrialBalanceProof, TransactionReport,
        ComplianceAlerts, Risk, OmsOutcomes, RecordsNotUnderstood, OpenExceptions, Dashboard,
    ];

    /// <summary>A book's file name for a report.</summary>
    public static string For(string book, string report) => $"{book}.{report}";

    /// <summary>The book of a report file name, or null when the name is not one of ours.</summary>
    public static string? BookOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        foreach (var report in All)
        {
            if (fileName.Length > report.Length + 1 && fileName.EndsWith("." + report, StringComparison.Ordinal))
            {
                return fileName[..^(report.Length + 1)];
            }
        }

        return null;
    }

    /// <summary>Reads the parameters back from a book's inputs file (for a replay).</summary>
    /// <returns>The parameters and the listed record names in order, or null with a problem.</returns>
    public static (DayReportParameters? Parameters, IReadOnlyList<(string Name, string Sha256)> Records, string? Problem) ReadInputs(TextReader reader, string book)
    {
        DateOnly? date = null;
        DateTimeOffset? asOf = null;
        string? lei = null;
        var records = new List<(string, string)>();
        foreach (var row in Csv.Read(reader))
        {
            switch (row)
            {
                case ["parameter", "businessDate", var d]:
                    date = DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                    break;
                case ["parameter", "asOf", var a]:
                    asOf = DateTimeOffset.ParseExact(a, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    break;
                case ["parameter", "firmLei", var l]:
                    lei = l;
                    break;
                case ["record", var name, _, var sha]:
                    records.Add((name, sha));
                    break;
                default:
                    break;
            }
        }

        return date is null || asOf is null || lei is null
            ? (null, records, "the inputs file lacks businessDate, asOf or firmLei")
            : (new DayReportParameters(date.Value, asOf.Value, lei, [book]), records, null);
    }
}
