using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Domain.Risk;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// The risk report and dashboard section on <see cref="SampleDay"/>, worked out by hand. The Paris book holds 100 FR0000120271
/// at 100 (10,000 EUR) and -12 FR0000131104 at 50 (-600 EUR, whose price never moves). Scenario P&amp;Ls are 10,000 × the
/// day's return: -1,000, -500, -200 and -100 on the four dips, 0 on 242 days, gains on the four recoveries.
/// VaR 99% is the 3rd worst of 250: 200. ES 99% is the mean of the worst 3: 1,700 / 3 = 566.67. ES 97.5% is the mean of the
/// worst 7 (-1,000, -500, -200, -100, 0, 0, 0): 1,800 / 7 = 257.14. Equities -20%: (10,000 - 600) × -0.2 = -1,880.
/// </summary>
public sealed class RiskSectionTests
{
    private static readonly IReadOnlyDictionary<string, string> Paris = SampleDay.Run(SampleDay.Records(), "PAR-CASH");

    private static string[] Lines(IReadOnlyDictionary<string, string> files, string book) =>
        files[ReportFiles.For(book, ReportFiles.Risk)].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void RiskCsv_GivesTheBooksVarExpectedShortfallAndStressFromTheDaysJournalAndMarketData()
    {
        var lines = Lines(Paris, "PAR-CASH");

        Assert.Equal(
            "section,account,isin,quantity,baseCurrency,marketValue,valueAtRisk99,expectedShortfall99,expectedShortfall975,stressEquity,stressRates,stressFx,detail",
            lines[0]);
        Assert.Contains("parameter,,,,,,,,,,,,asOf 2026-11-25", lines);
        Assert.Contains("parameter,,,,,,,,,,,,market data market-data/risk-inputs.json", lines);
        Assert.Contains("account,ACC-PAR-CASH,,,EUR,9400.00,200.00,566.67,257.14,-1880.00,0.00,0.00,\"250 scenarios, tail 3\"", lines);
        Assert.Equal("book,PAR-CASH,,,EUR,9400.00,200.00,566.67,257.14,-1880.00,0.00,0.00,\"250 scenarios, tail 3\"", lines[^1]);
    }

    [Fact]
    public void RiskCsv_ListsAPositionTheMarketDataDoesNotCoverAsUnvalued()
    {
        var newYork = SampleDay.Run(SampleDay.Records(), "NY-CASH");

        Assert.Contains("unvalued,ACC-NY-CASH,US0378331005,5,,,,,,,,,unknown security US0378331005", Lines(newYork, "NY-CASH"));
        Assert.Contains("id=\"risk-unvalued\">1 positions could not be valued", newYork[ReportFiles.For("NY-CASH", ReportFiles.Dashboard)], StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboard_ShowsTheRiskSectionWithTheDistributionAndTheVarLine()
    {
        var html = Paris[ReportFiles.For("PAR-CASH", ReportFiles.Dashboard)];

        Assert.Contains("id=\"risk-var\">200.00 EUR<", html, StringComparison.Ordinal);
        Assert.Contains("<span id=\"risk-es\">257.14</span>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>Equities -20%</td><td>-1,880.00</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"pnl-distribution\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void RiskCsv_WithoutAMarketDataRecord_SaysRiskWasNotComputed()
    {
        var records = SampleDay.Records();
        records.Remove(RiskMarketData.RecordName);

        var files = SampleDay.Run(records, "PAR-CASH");

        Assert.Equal("missing,,,,,,,,,,,,no market-data record among the day's records: risk not computed", Lines(files, "PAR-CASH")[1]);
        Assert.Contains("id=\"risk-note\">no market-data record", files[ReportFiles.For("PAR-CASH", ReportFiles.Dashboard)], StringComparison.Ordinal);
    }

    [Fact]
    public void MarketDataRecord_Unreadable_IsListedAsNotUnderstood()
    {
        var records = SampleDay.Records();
        records[RiskMarketData.RecordName] = SampleDay.Utf8("""{"formatVersion":2}""");

        var files = SampleDay.Run(records, "PAR-CASH");

        Assert.Contains("market-data/risk-inputs.json,market data: not a market-data record of format version 1", files[ReportFiles.For("PAR-CASH", ReportFiles.RecordsNotUnderstood)], StringComparison.Ordinal);
    }

    [Fact]
    public void MarketData_RoundTripsThroughItsRecordByteForByte()
    {
        var bytes = SampleDay.MarketData().ToJson();

        Assert.True(RiskMarketData.TryParse(bytes, out var read, out var problem), problem);
        Assert.Equal(bytes, read!.ToJson());
    }
}
