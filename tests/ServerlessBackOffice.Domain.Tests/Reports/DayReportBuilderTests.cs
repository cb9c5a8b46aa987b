using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>Known answers per report on <see cref="SampleDay"/>, worked out by hand, and the builder's determinism.</summary>
public sealed class DayReportBuilderTests
{
    private static readonly IReadOnlyDictionary<string, string> Paris = SampleDay.Run(SampleDay.Records(), "PAR-CASH");

    private static string[] Lines(string report) => Paris[ReportFiles.For("PAR-CASH", report)].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Builder_WritesEveryReportOfTheBook()
    {
        Assert.Equal(ReportFiles.All.Select(r => ReportFiles.For("PAR-CASH", r)).Order(StringComparer.Ordinal), Paris.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Blotter_ListsEveryTradeEventOfTheBookInRecordOrder()
    {
        var lines = Lines(ReportFiles.Blotter);

        Assert.Equal(6, lines.Length);
        Assert.StartsWith("tradeId,version,eventType,status,", lines[0], StringComparison.Ordinal);
        Assert.Equal(
            "P-1,1,TradeCaptured,Live,ACC-PAR-CASH,buy,FR0000120271,Equity,XPAR,100,50.00,perUnit,EUR,529900T8BM49AURSDO55,2026-11-25T10:15:00.0000000Z,2026-11-25,2026-11-27,5000.00,0.00,1.50,0.00,5000.00",
            lines[1]);
        Assert.Equal(["P-1:1", "P-2:1", "P-2:2", "P-3:1", "P-3:2"], lines[1..].Select(l => string.Join(':', l.Split(',')[..2])));
        Assert.DoesNotContain(lines, l => l.StartsWith("N-1", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfirmationExceptions_ListTheMismatchAndTheUnaffirmedAtCutoff()
    {
        var lines = Lines(ReportFiles.ConfirmationExceptions);

        Assert.Equal(
            [
                "tradeId,exception,version,detail",
                "P-2,Mismatched,2,\"[{\"\"field\"\":\"\"quantity\"\",\"\"ours\"\":\"\"12\"\",\"\"theirs\"\":\"\"10\"\"}]\"",
                "P-2,UnaffirmedAtCutoff,2,cut-off 2026-11-25T15:00:00Z",
            ],
            lines);
    }

    [Fact]
    public void SettlementStatus_AgesTheFailInSettlementDaysAndAccruesTheCsdrPenalty()
    {
        var lines = Lines(ReportFiles.SettlementStatus);

        // Due Monday 23rd, failing at Wednesday's close: three days. 100 x 50.00 x 1 bp = 0.50 a day, receivable.
        Assert.Equal(2, lines.Length);
        Assert.Equal("P-1,Failed,LACK,2026-11-23,0,0,3,2-3 days,100,1.50,EUR,reference price: the trade price", lines[1]);
    }

    [Fact]
    public void PositionsAndCash_AreTheDaysMovementsPerAccount()
    {
        var lines = Lines(ReportFiles.PositionsAndCash);

        Assert.Equal(
            [
                "type,owner,asset,pending,settled,total",
                "cash,ACC-PAR-CASH,EUR,-4760,0,-4760",
                "position,ACC-PAR-CASH,FR0000120271,100,0,100",
                "position,ACC-PAR-CASH,FR0000131104,-12,0,-12",
            ],
            lines);
    }

    [Fact]
    public void TrialBalanceProof_HoldsAndProvesPositionsEqualFills()
    {
        var lines = Lines(ReportFiles.TrialBalanceProof);

        Assert.Contains("journal entries read,PAR-CASH,6,true", lines);
        Assert.Contains("entries balanced per asset,PAR-CASH,6,true", lines);
        Assert.Contains("debits equal credits,EUR,6340 = 6340,true", lines);
        Assert.Contains("positions equal the sum of fills,PAR-CASH,3 trades captured today,true", lines);
        Assert.Equal("trial balance holds,PAR-CASH,,true", lines[^1]);
    }

    [Fact]
    public void TrialBalanceProof_WhenAJournalEntryIsMissing_NamesTheTradeAndFails()
    {
        var records = SampleDay.Records();
        records.Remove("ledger/PAR-CASH/P-1:v1:trade-date.json");

        var proof = SampleDay.Run(records, "PAR-CASH")[ReportFiles.For("PAR-CASH", ReportFiles.TrialBalanceProof)];

        Assert.Contains("position differs from fills,P-1,\"ledger 0, fills 100\",false", proof, StringComparison.Ordinal);
        Assert.EndsWith("trial balance holds,PAR-CASH,,false\r\n", proof, StringComparison.Ordinal);
    }

    [Fact]
    public void TrialBalanceProof_WhenTradesAreFirstSeenOutOfIdOrder_ListsThemInIdOrder()
    {
        // P-2 is first seen in the ledger (its version 1 entry), P-1 only later, in the trade events: the proof still lists
        // trades by id.
        var records = SampleDay.Records();
        records.Remove("ledger/PAR-CASH/P-1:v1:trade-date.json");
        records.Remove("ledger/PAR-CASH/P-2:v2:trade-date.json");

        var proof = SampleDay.Run(records, "PAR-CASH")[ReportFiles.For("PAR-CASH", ReportFiles.TrialBalanceProof)];

        var p1 = proof.IndexOf("position differs from fills,P-1,", StringComparison.Ordinal);
        var p2 = proof.IndexOf("position differs from fills,P-2,", StringComparison.Ordinal);
        Assert.True(p1 >= 0 && p2 > p1, proof);
    }

    [Fact]
    public void TransactionReport_ReportsNewAmendmentsAsCancelAndNewAndCancels()
    {
        var xml = Paris[ReportFiles.For("PAR-CASH", ReportFiles.TransactionReport)];
        var statuses = System.Text.RegularExpressions.Regex.Matches(xml, "<(New|Cxl)>\\s*<TxId>([^<]+)</TxId>").Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}");

        Assert.Equal(["New:P-1", "New:P-2", "Cxl:P-2", "New:P-2", "New:P-3", "Cxl:P-3"], statuses);
        Assert.Contains("<LEI>549300BACKOFFICE0001</LEI>", xml, StringComparison.Ordinal);
        Assert.Contains("<TradVn>XPAR</TradVn>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void TransactionReport_LeavesOutUsTrades()
    {
        var ny = SampleDay.Run(SampleDay.Records(), "NY-CASH")[ReportFiles.For("NY-CASH", ReportFiles.TransactionReport)];

        Assert.DoesNotContain("<Tx>", ny, StringComparison.Ordinal);
    }

    [Fact]
    public void ComplianceAlerts_ListTheBooksAlerts()
    {
        Assert.Equal(["alertId,rule,severity,tradeId,description", "ALERT-1,WashTrade,high,P-2,buy and sell of FR0000131104 within 60 s"], Lines(ReportFiles.ComplianceAlerts));
    }

    [Fact]
    public void OmsOutcomes_ProveTheAccountingIdentityAndListTheRejection()
    {
        var lines = Lines(ReportFiles.OmsOutcomes);

        Assert.Contains("identity,inbound OMS messages,,8,,", lines);
        Assert.Contains("outcome,accepted,,6,,", lines);
        Assert.Contains("identity,published = accepted + duplicate + stale + rejected + dead-lettered,,8 = 8,true,", lines);
        Assert.Contains("exception,M-7,,rejected,UnknownIsin,m", lines);
    }

    [Fact]
    public void RecordsNotUnderstood_NameTheUnknownEventTypeAndTheUnreadableRecord()
    {
        var lines = Lines(ReportFiles.RecordsNotUnderstood);

        Assert.Equal(3, lines.Length);
        Assert.StartsWith("outbound/trade-events/X-8.json,\"not JSON:", lines[1], StringComparison.Ordinal);
        Assert.Equal("outbound/trade-events/X-9:1:TradeTeleported.json,unknown event type TradeTeleported", lines[2]);
    }

    [Fact]
    public void Inputs_ListTheParametersAndEveryInputRecordButTheReports()
    {
        var lines = Lines(ReportFiles.Inputs);

        Assert.Equal("parameter,asOf,2026-11-25T16:30:00Z", lines[2]);
        Assert.Equal(SampleDay.Records().Keys.Count(DayReportBuilder.IsInput), lines.Count(l => l.StartsWith("record,", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("reports/", StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboard_ShowsTheDaysFigures()
    {
        var html = Paris[ReportFiles.For("PAR-CASH", ReportFiles.Dashboard)];

        Assert.Contains("id=\"business-date\">Business date 2026-11-25<", html, StringComparison.Ordinal);
        Assert.Contains(">XPAR<", html, StringComparison.Ordinal);
        Assert.Contains("id=\"trial-balance-status\">Balanced<", html, StringComparison.Ordinal);
        Assert.Contains("<span id=\"penalties\">1.50</span>", html, StringComparison.Ordinal);
        Assert.Contains("1 before, 0 after, 1 mismatched, 0 unaffirmed", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_RunTwice_GivesByteIdenticalFiles()
    {
        var again = SampleDay.Run(SampleDay.Records(), "PAR-CASH");

        Assert.Equal(Paris, again);
    }

    [Fact]
    public void Builder_WhenEventsOfATradeArriveUnderOtherNames_GivesTheSameAggregates()
    {
        // Rename the settlement and confirmation events so they sort before the capture: the facts must not depend on it.
        var renamed = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, content) in SampleDay.Records())
        {
            renamed[name.Replace("P-1:1:SettlementFailed", "A-first", StringComparison.Ordinal).Replace("P-2:2:TradeMismatched", "A-second", StringComparison.Ordinal)] = content;
        }

        var files = SampleDay.Run(renamed, "PAR-CASH");

        foreach (var report in new[] { ReportFiles.SettlementStatus, ReportFiles.ConfirmationExceptions, ReportFiles.TrialBalanceProof, ReportFiles.Dashboard })
        {
            Assert.Equal(Paris[ReportFiles.For("PAR-CASH", report)], files[ReportFiles.For("PAR-CASH", report)]);
        }
    }

    [Fact]
    public void Builder_WhenRecordsArriveOutOfNameOrder_Refuses()
    {
        using var builder = new DayReportBuilder(SampleDay.Parameters("PAR-CASH"), SampleDay.Folders, new InMemoryReportFiles());
        builder.Add("outbound/b.json", "{}"u8);

        Assert.Throws<InvalidOperationException>(() => builder.Add("outbound/a.json", "{}"u8));
    }
}
