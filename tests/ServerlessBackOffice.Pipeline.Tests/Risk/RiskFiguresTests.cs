using System.Text.Json;
using ServerlessBackOffice.Domain.Risk;

namespace ServerlessBackOffice.Pipeline.Tests.Risk;

/// <summary>
/// The end-of-day risk entry point over the sample reference data: known answers for VaR and ES, base-currency conversion
/// with the reference FX rates, the bond rates stress, unvalued positions listed, and deterministic CSV, JSON and SVG.
/// </summary>
public sealed class RiskFiguresTests
{
    private static readonly DateOnly AsOf = new(2026, 11, 24);
    private const string Apple = "US0378331005";
    private const string Bp = "GB0007980591";
    private const string Treasury = "US91282CJZ59";

    /// <summary>
    /// 251 closes per instrument: +0.1% a day except four losing days, −5%, −4%, −3% and −2% (for Apple); other instruments
    /// are flat. So for a long Apple position the tail (3 of 250) is −5, −4, −3%: VaR = 3% and ES = 4% of the value.
    /// </summary>
    private static PriceHistory History()
    {
        var history = new PriceHistory();
        var dates = Enumerable.Range(0, 400).Select(i => AsOf.AddDays(-i)).Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Take(251).Reverse().ToList();
        var price = 100m;
        for (var i = 0; i < dates.Count; i++)
        {
            if (i > 0)
            {
                price *= 1m + (i switch { 10 => -0.05m, 20 => -0.04m, 30 => -0.03m, 40 => -0.02m, _ => 0.001m });
            }

            history.Add(Apple, dates[i], price);
            history.Add(Bp, dates[i], 5m);
            history.Add(Treasury, dates[i], 98.5m);
        }

        return history;
    }

    private static RiskDay Compute(params PositionHolding[] positions) => RiskFigures.Compute(positions, History(), SampleData.ReferenceData, AsOf);

    [Fact]
    public void Var_AndEs_OfALongEquity_AreTheKnownTailLosses()
    {
        var day = Compute(new PositionHolding("NY-CASH", "ACC-US-001", Apple, 1_000m));

        var book = day.Figures.Single(f => f.Account is null);
        var value = 1_000m * History().Closes(Apple, AsOf, 1)[0];
        Assert.Equal(value, book.MarketValue);
        Assert.Equal(Math.Round(value * 0.03m, 8), Math.Round(book.Var.ValueAtRisk, 8));
        Assert.Equal(Math.Round(value * 0.04m, 8), Math.Round(book.Var.ExpectedShortfall, 8));
        Assert.Equal((250, 3), (book.Var.Scenarios, book.Var.TailScenarios));
        Assert.Equal(Math.Round(value * -0.20m, 8), Math.Round(book.Stress.Single(s => s.Scenario == "EquityShock").Pnl, 8));
    }

    [Fact]
    public void Var_MatchesAnIndependentComputationPerAccountAndBook()
    {
        // Two accounts, long and short, over the deterministic sample history of the sample securities.
        var sample = SamplePriceHistory.Create(SampleData.ReferenceData.Securities.Values, AsOf);
        var positions = new[]
        {
            new PositionHolding("NY-CASH", "ACC-US-001", Apple, 1_500m),
            new PositionHolding("NY-CASH", "ACC-US-001", "US5949181045", -400m),
            new PositionHolding("NY-CASH", "ACC-US-002", Apple, 250m),
        };

        var day = RiskFigures.Compute(positions, sample, SampleData.ReferenceData, AsOf);

        var groups = new List<(string? Account, PositionHolding[] Rows)> { ("ACC-US-001", positions[..2]), ("ACC-US-002", positions[2..]), (null, positions) };
        foreach (var group in groups)
        {
            // Full revaluation, scenario by scenario: today's quantity at today's close moved by that day's price ratio.
            var pnl = new List<decimal>();
            for (var s = 1; s <= 250; s++)
            {
                var total = 0m;
                foreach (var p in group.Rows)
                {
                    var closes = sample.Closes(p.Isin, AsOf, 251);
                    total += p.Quantity * closes[^1] * ((closes[s] / closes[s - 1]) - 1m);
                }

                pnl.Add(total);
            }

            var worst = pnl.Order().Take(3).ToList();
            var figures = day.Figures.Single(f => f.Account == group.Account);
            Assert.Equal(Math.Round(Math.Max(0m, -worst[2]), 6), Math.Round(figures.Var.ValueAtRisk, 6));
            Assert.Equal(Math.Round(Math.Max(0m, -worst.Average()), 6), Math.Round(figures.Var.ExpectedShortfall, 6));
        }
    }

    [Fact]
    public void AForeignPosition_IsValuedInTheBooksBaseCurrencyWithTheReferenceRateAndShockedByFx()
    {
        var day = Compute(new PositionHolding("NY-CASH", "ACC-US-001", Bp, 10_000m));

        var rate = SampleData.ReferenceData.FxRates.Where(r => r.Base == "GBP" && r.Quote == "USD" && r.Date <= AsOf).MaxBy(r => r.Date)!.Rate;
        var book = day.Figures.Single(f => f.Account is null);
        Assert.Equal("USD", book.BaseCurrency);
        Assert.Equal(10_000m * 5m * rate, book.MarketValue);
        Assert.Equal(10_000m * 5m * rate * -0.10m, book.Stress.Single(s => s.Scenario == "FxShock").Pnl);
    }

    [Fact]
    public void ABond_LosesThroughModifiedDurationWhenRatesRise()
    {
        var day = Compute(new PositionHolding("NY-CASH", "ACC-US-003", Treasury, 1_000_000m));

        var book = day.Figures.Single(f => f.Account is null);
        Assert.Equal(985_000m, book.MarketValue); // nominal × 98.5% of par
        var duration = StressTest.ModifiedDuration(0.04m, 2, (new DateOnly(2034, 2, 15).DayNumber - AsOf.DayNumber) / 365.25m, 0.04m);
        Assert.InRange(duration, 6m, 7m);
        Assert.Equal(-duration * 0.02m * 985_000m, book.Stress.Single(s => s.Scenario == "RatesUp").Pnl);
    }

    [Fact]
    public void PositionsThatCannotBeValued_AreListedNotDropped()
    {
        var day = Compute(
            new PositionHolding("NY-CASH", "ACC-US-001", Apple, 10m),
            new PositionHolding("NY-CASH", "ACC-US-001", "US5949181045", 10m), // no history in this test's prices
            new PositionHolding("NOWHERE", "ACC-X", Apple, 10m));

        Assert.Equal(2, day.Unvalued.Count);
        Assert.Contains(day.Unvalued, u => u.Position.Isin == "US5949181045" && u.Reason.Contains("closes", StringComparison.Ordinal));
        Assert.Contains(day.Unvalued, u => u.Position.Book == "NOWHERE");
        Assert.Contains("# unvalued NOWHERE", RiskWriters.Csv(day), StringComparison.Ordinal);
    }

    [Fact]
    public void Writers_AreDeterministicAndCarryTheFigures()
    {
        var positions = new[] { new PositionHolding("NY-CASH", "ACC-US-001", Apple, 1_000m), new PositionHolding("LDN-CASH", "ACC-UK-001", Bp, 2_000m) };
        var first = Compute(positions);
        var again = Compute([.. positions.Reverse()]);

        Assert.Equal(RiskWriters.Csv(first), RiskWriters.Csv(again));
        Assert.Equal(RiskWriters.Json(first), RiskWriters.Json(again));
        var csv = RiskWriters.Csv(first).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(RiskWriters.CsvHeader, csv[0]);
        Assert.Equal(5, csv.Length); // per book: one account row and the book row
        var usBook = first.Figures.Single(f => f is { Book: "NY-CASH", Account: null });
        Assert.Contains(csv, l => l.StartsWith("2026-11-24,NY-CASH,,USD,", StringComparison.Ordinal) && l.Contains("," + RiskFigures.Report(usBook.Var.ValueAtRisk, "USD").ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(RiskWriters.Json(first));
        Assert.Equal(250, json.RootElement.GetProperty("figures").EnumerateArray().First(f => !f.TryGetProperty("account", out _)).GetProperty("scenarioPnl").GetArrayLength());
        Assert.Equal("GBP", first.Figures.Single(f => f is { Book: "LDN-CASH", Account: null }).BaseCurrency);
    }

    [Fact]
    public void DistributionSvg_IsStaticMarkupWithTheVarLine()
    {
        var book = Compute(new PositionHolding("NY-CASH", "ACC-US-001", Apple, 1_000m)).Figures.Single(f => f.Account is null);

        var svg = RiskWriters.DistributionSvg(book);

        Assert.Equal(svg, RiskWriters.DistributionSvg(book));
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(20, System.Text.RegularExpressions.Regex.Count(svg, "<rect "));
        Assert.Contains("stroke=\"#c00\"", svg, StringComparison.Ordinal);
        Assert.Contains("VaR 99% " + RiskFigures.Report(book.Var.ValueAtRisk, "USD").ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), svg, StringComparison.Ordinal);
        System.Xml.Linq.XDocument.Parse(svg); // well-formed
    }

    [Fact]
    public void Compute_FromTheArchivedMarketDataRecord_GivesTheSameFiguresAsFromTheSources()
    {
        var sample = SamplePriceHistory.Create(SampleData.ReferenceData.Securities.Values, AsOf);
        var positions = SampleData.ReferenceData.Securities.Values.OrderBy(s => s.Isin, StringComparer.Ordinal).Take(40)
            .Select((s, i) => new PositionHolding(i % 2 == 0 ? "NY-CASH" : "PAR-CASH", $"ACC-{i % 3}", s.Isin, (i - 15) * 1_000m)).ToList();
        Assert.True(RiskMarketData.TryParse(RiskMarketData.From(SampleData.ReferenceData, sample, AsOf).ToJson(), out var archived, out var problem), problem);

        var fromSources = RiskFigures.Compute(positions, sample, SampleData.ReferenceData, AsOf);
        var fromRecord = RiskFigures.Compute(positions, archived!);

        Assert.Equal(RiskWriters.Csv(fromSources), RiskWriters.Csv(fromRecord));
        Assert.Contains(fromRecord.Figures, f => f.Var.ValueAtRisk > 0m);
    }
}
