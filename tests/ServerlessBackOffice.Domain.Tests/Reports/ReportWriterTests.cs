using System.Xml.Linq;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>RFC 4180 CSV, the RTS 22 transaction report and the dashboard.</summary>
public sealed class ReportWriterTests
{
    [Fact]
    public void Csv_QuotesOnlyWhatNeedsQuotingAndEndsRecordsWithCrlf()
    {
        using var writer = new StringWriter();

        Csv.WriteRow(writer, "T-1", "Apple Inc.", "say \"hi\"", "a,b", "line\nbreak", null);

        Assert.Equal("T-1,Apple Inc.,\"say \"\"hi\"\"\",\"a,b\",\"line\nbreak\",\r\n", writer.ToString());
    }

    [Fact]
    public void Property_CsvRoundTripsAnyFields()
    {
        var field = Gen.Elements("a", ",", "\"", "\r", "\n", "x y", "é", "").ArrayOf().Select(parts => string.Concat(parts));
        var row = Gen.ArrayOf(field, 3);

        Prop.ForAll(Gen.ArrayOf(row).Where(rows => rows.Length > 0).ToArbitrary(), rows =>
        {
            using var writer = new StringWriter();
            foreach (var r in rows)
            {
                Csv.WriteRow(writer, r);
            }

            var read = Csv.Read(new StringReader(writer.ToString())).ToList();
            return read.Count == rows.Length && read.Zip(rows).All(p => p.First.SequenceEqual(p.Second));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TransactionReport_CarriesTheRequiredRts22Fields()
    {
        var record = new TransactionReportRecord("NEWT", "T-1-v1", "XPAR-000123", "5493001KJTIIGC8Y1R12", "W22LROWP2IHZNBB6K528", "R0MUWSFPU8MPRO8K5P83",
            new DateTimeOffset(2026, 11, 24, 9, 30, 15, 250, TimeSpan.Zero), TradingCapacity.Deal, 250m, false, 712.40m, false, "EUR", 178_100m, "XPAR", "FR0000121014");
        using var writer = new StringWriter();

        TransactionReport.Write(writer, [record, record with { ReportStatus = "CANC", TransactionReference = "T-2-v1" }]);

        XNamespace ns = TransactionReport.Namespace;
        var document = XDocument.Parse(writer.ToString());
        var transaction = document.Descendants(ns + "New").Single();
        Assert.Equal("T-1-v1", transaction.Element(ns + "TxId")!.Value);
        Assert.Equal("5493001KJTIIGC8Y1R12", transaction.Element(ns + "ExctgPty")!.Value);
        Assert.Equal("W22LROWP2IHZNBB6K528", transaction.Element(ns + "Buyr")!.Descendants(ns + "LEI").Single().Value);
        Assert.Equal("R0MUWSFPU8MPRO8K5P83", transaction.Element(ns + "Sellr")!.Descendants(ns + "LEI").Single().Value);
        var details = transaction.Element(ns + "Tx")!;
        Assert.Equal("2026-11-24T09:30:15.250Z", details.Element(ns + "TradDt")!.Value);
        Assert.Equal("DEAL", details.Element(ns + "TradgCpcty")!.Value);
        Assert.Equal("250", details.Element(ns + "Qty")!.Element(ns + "Unit")!.Value);
        var price = details.Descendants(ns + "Amt").Single();
        Assert.Equal(("EUR", "712.40"), (price.Attribute("Ccy")!.Value, price.Value));
        Assert.Equal("178100", details.Element(ns + "NetAmt")!.Value);
        Assert.Equal("XPAR", details.Element(ns + "TradVn")!.Value);
        Assert.Equal("XPAR-000123", details.Element(ns + "TradPlcMtchgId")!.Value);
        Assert.Equal("FR0000121014", transaction.Element(ns + "FinInstrm")!.Element(ns + "Id")!.Value);
        Assert.Equal("T-2-v1", document.Descendants(ns + "Cxl").Single().Element(ns + "TxId")!.Value);
    }

    internal static DashboardModel SampleDashboard() => new(
        "US-EQ operations dashboard", new DateOnly(2026, 11, 24),
        [new("Accepted", 9_870m), new("Duplicate", 60m), new("Rejected", 70m)],
        [new("XNYS", 5_000m), new("XNAS", 4_870m)],
        AffirmedBeforeCutoff: 9_500, AffirmedAfterCutoff: 200, Mismatched: 100, Unaffirmed: 70,
        [new("1 day", 40m), new("2-3 days", 12m)], PenaltiesNet: -123.45m, TrialBalanceBalances: true,
        [new("Rejected OMS message", "T-<9>", "UnknownIsin: <script>alert(1)</script>", 0), new("Settlement fail", "SI-1", "LACK", 3)],
        new DashboardRisk("USD", 1_500_000m, 12_300m, 12_400m, [new("EquityShock", "Equities -20%", -300_000m), new("RatesUp", "Rates +200 bp", 0m), new("FxShock", "FX", 0m)],
            Enumerable.Range(-125, 250).Select(i => i * 100m).ToList(), 0, null));

    [Fact]
    public void Dashboard_ShowsTheDaysFiguresAndEscapesText()
    {
        var html = Dashboard.Render(SampleDashboard());

        Assert.Contains("id=\"affirmation-rate\">96.3 %<", html.Replace("96.3%", "96.3 %", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Balanced", html, StringComparison.Ordinal);
        Assert.Contains(">XNYS<", html, StringComparison.Ordinal);
        Assert.Contains("-123.45", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.Equal(html, Dashboard.Render(SampleDashboard()));
    }
}
