using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>The open-exceptions report and the dashboard's section: every type of the day's records, breaks included.</summary>
public sealed class OpenExceptionsReportTests
{
    private static SortedDictionary<string, byte[]> RecordsWithReconciliation()
    {
        var records = SampleDay.Records();
        static string Line(string breakId, string account, string kind, string asset, string type, string firstSeen, string statementDate) =>
            $$"""{"break":{"breakId":"{{breakId}}","account":"{{account}}","kind":"{{kind}}","asset":"{{asset}}","type":"{{type}}","statementDate":"{{statementDate}}","ours":"100","theirs":"90","pending":"0","firstSeen":"{{firstSeen}}","explained":false},"ageBusinessDays":0}""";

        // Two statements of the Paris account: only the later one (the 25th) says what is open.
        records["state/reconciliation/ACC-PAR-CASH/Securities/ST-A.json"] = SampleDay.Utf8(
            $$"""{"statementId":"ST-A","messageId":"m1","account":"ACC-PAR-CASH","kind":"Securities","senderLei":"X","statementDate":"2026-11-24","lines":2,"opened":[{{Line("BRK:ACC-PAR-CASH:Securities:FR0000131104", "ACC-PAR-CASH", "Securities", "FR0000131104", "QuantityBreak", "2026-11-24", "2026-11-24")}}],"continuing":[],"cleared":[]}""");
        records["state/reconciliation/ACC-PAR-CASH/Securities/ST-B.json"] = SampleDay.Utf8(
            $$"""{"statementId":"ST-B","messageId":"m2","account":"ACC-PAR-CASH","kind":"Securities","senderLei":"X","statementDate":"2026-11-25","lines":2,"opened":[],"continuing":[{{Line("BRK:ACC-PAR-CASH:Securities:FR0000120271", "ACC-PAR-CASH", "Securities", "FR0000120271", "QuantityBreak", "2026-11-23", "2026-11-25")}}],"cleared":[]}""");
        // An account no trade of the day names: listed under every book.
        records["state/reconciliation/ACC-ZZ/Cash/ST-C.json"] = SampleDay.Utf8(
            $$"""{"statementId":"ST-C","messageId":"m3","account":"ACC-ZZ","kind":"Cash","senderLei":"X","statementDate":"2026-11-25","lines":1,"opened":[{{Line("BRK:ACC-ZZ:Cash:EUR", "ACC-ZZ", "Cash", "EUR", "CashBreak", "2026-11-25", "2026-11-25")}}],"continuing":[],"cleared":[]}""");
        records["state/reconciliation/dead-lettered/M-9.json"] = SampleDay.Utf8("""{"messageId":"M-9","reason":"UnknownAccount","description":"Account 'ACC-Q' is not in reference data."}""");
        return records;
    }

    private static readonly IReadOnlyDictionary<string, string> Files = SampleDay.Run(RecordsWithReconciliation(), "PAR-CASH", "NY-CASH");

    private static string[] Lines(string book) => Files[ReportFiles.For(book, ReportFiles.OpenExceptions)].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void OpenExceptions_ListEveryTypeWithAgeInBusinessDaysAndOwner()
    {
        var rows = Lines("PAR-CASH").Where(l => l.StartsWith("exception,", StringComparison.Ordinal)).ToList();

        Assert.Contains("exception,RejectedOmsMessage,today,,M-7,rejected UnknownIsin: m,0,operations-middle-office", rows);
        Assert.Contains(rows, r => r.StartsWith("exception,ConfirmationMismatch,today,,P-2,", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("exception,SettlementFail,2-3 days,,P-1,LACK,3,operations-settlements", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("exception,ComplianceAlert,today,,P-2,WashTrade: ", StringComparison.Ordinal));
        Assert.Contains("exception,DeadLetteredMessage,today,,M-9,UnknownAccount: Account 'ACC-Q' is not in reference data.,0,operations-middle-office", rows);
        // First seen Monday 23rd, open at Wednesday 25th's close: two business days.
        Assert.Contains("exception,ReconciliationBreak,2-3 days,,BRK:ACC-PAR-CASH:Securities:FR0000120271,\"QuantityBreak: FR0000120271 ours 100, custodian 90, pending 0\",2,operations-reconciliation", rows);
        Assert.Contains(rows, r => r.Contains("BRK:ACC-ZZ:Cash:EUR", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains("FR0000131104", StringComparison.Ordinal) && r.Contains("ReconciliationBreak", StringComparison.Ordinal));
    }

    [Fact]
    public void OpenExceptions_SummariseByTypeAndAge()
    {
        var summary = Lines("PAR-CASH").Where(l => l.StartsWith("summary,", StringComparison.Ordinal)).ToList();

        Assert.Equal("section,type,ageBucket,count,reference,reason,ageBusinessDays,owner", Lines("PAR-CASH")[0]);
        Assert.Contains("summary,ReconciliationBreak,today,1,,,,", summary);
        Assert.Contains("summary,ReconciliationBreak,2-3 days,1,,,,", summary);
        Assert.Contains("summary,SettlementFail,2-3 days,1,,,,", summary);
        Assert.Contains("summary,RejectedOmsMessage,today,1,,,,", summary);
    }

    [Fact]
    public void OpenExceptions_ListABreakUnderItsAccountsBookOnly()
    {
        var newYork = Lines("NY-CASH");

        Assert.DoesNotContain(newYork, l => l.Contains("BRK:ACC-PAR-CASH", StringComparison.Ordinal));
        Assert.Contains(newYork, l => l.Contains("BRK:ACC-ZZ:Cash:EUR", StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboard_ShowsOpenExceptionsByTypeAndAgeAndListsBreaks()
    {
        var page = Files[ReportFiles.For("PAR-CASH", ReportFiles.Dashboard)];

        Assert.Contains("id=\"open-exceptions\"", page, StringComparison.Ordinal);
        Assert.Contains("<tr><td>ReconciliationBreak</td><td>2-3 days</td><td>1</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<td>BRK:ACC-PAR-CASH:Securities:FR0000120271</td>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenExceptions_AreTheSameWhateverTheRunAndStayOutOfRecordsNotUnderstood()
    {
        var again = SampleDay.Run(RecordsWithReconciliation(), "PAR-CASH", "NY-CASH");

        Assert.Equal(Files[ReportFiles.For("PAR-CASH", ReportFiles.OpenExceptions)], again[ReportFiles.For("PAR-CASH", ReportFiles.OpenExceptions)]);
        Assert.DoesNotContain("reconciliation", Files[ReportFiles.For("PAR-CASH", ReportFiles.RecordsNotUnderstood)], StringComparison.Ordinal);
    }
}
