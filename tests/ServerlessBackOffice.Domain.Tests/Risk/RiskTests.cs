using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Risk;

namespace ServerlessBackOffice.Domain.Tests.Risk;

/// <summary>Historical VaR and ES, stress scenarios and price histories: known answers and an independent check.</summary>
public sealed class RiskTests
{
    private static RiskPosition Equity(string isin, decimal value, string account = "ACC-1", string book = "US-EQ", string currency = "USD", decimal fx = 1m) =>
        new(account, book, isin, RiskAssetClass.Equity, 100m, value, currency, fx, 0m);

    [Fact]
    public void Var_WithAKnownLinearScenarioSet_IsTheThirdWorstLossAndEsTheMeanOfTheWorstThree()
    {
        // 250 scenarios with P&L = 100 × (s − 125): the three worst are −12,500, −12,400 and −12,300.
        var returns = new Dictionary<string, decimal[]> { ["US0378331005"] = Enumerable.Range(0, 250).Select(s => (s - 125) / 10_000m).ToArray() };

        var result = HistoricalVar.Compute([Equity("US0378331005", 1_000_000m)], returns, 0.99m);

        Assert.Equal(3, result.TailScenarios);
        Assert.Equal(12_300m, result.ValueAtRisk);
        Assert.Equal(12_400m, result.ExpectedShortfall);
        Assert.Equal(250, result.ScenarioPnl.Count);
    }

    [Fact]
    public void Var_At95Percent_UsesThirteenTailScenariosOf250()
    {
        var result = HistoricalVar.FromScenarioPnl(Enumerable.Range(1, 250).Select(i => (decimal)-i).ToArray(), 0.95m);

        Assert.Equal(13, result.TailScenarios);
        Assert.Equal(238m, result.ValueAtRisk);
    }

    [Fact]
    public void Var_WhenEveryScenarioGains_IsZero()
    {
        var result = HistoricalVar.FromScenarioPnl([5m, 10m, 20m], 0.99m);

        Assert.Equal(0m, result.ValueAtRisk);
        Assert.Equal(0m, result.ExpectedShortfall);
    }

    [Fact]
    public void Var_WhenAPositionHasNoHistory_Refuses()
    {
        var returns = new Dictionary<string, decimal[]> { ["US0378331005"] = [0.01m] };

        Assert.Throws<ArgumentException>(() => HistoricalVar.Compute([Equity("US5949181045", 1m)], returns, 0.99m));
    }

    [Fact]
    public void Var_EqualsAnIndependentFullRevaluation()
    {
        // Full revaluation: each position is repriced with scenario s's price relative P_s / P_(s−1) and the P&L is
        // the change in value; the VaR is then read off a plain LINQ sort.
        var isins = new[] { "US0378331005", "US5949181045", "GB0002634946", "FR0000120271" };
        var history = PriceHistory.Synthetic(isins.Select((isin, i) => (isin, 100m + (i * 37m), 0.01m + (i * 0.004m))), new DateOnly(2026, 11, 24), 251, seed: 42);
        var positions = new[]
        {
            new RiskPosition("A", "B", isins[0], RiskAssetClass.Equity, 1_000m, 1_000m * 150m, "USD", 1m, 0m),
            new RiskPosition("A", "B", isins[1], RiskAssetClass.Equity, -400m, -400m * 310m, "USD", 1m, 0m),
            new RiskPosition("A", "B", isins[2], RiskAssetClass.Equity, 5_000m, 5_000m * 4.2m, "GBP", 1.27m, 0m),
            new RiskPosition("A", "B", isins[3], RiskAssetClass.Equity, 250m, 250m * 290m, "EUR", 1.08m, 0m),
        };
        var asOf = new DateOnly(2026, 11, 24);

        var result = HistoricalVar.Compute(positions, history.Returns(isins, asOf, 250), 0.99m);

        var pnl = Enumerable.Range(1, 250).Select(s => positions.Sum(p =>
        {
            var closes = history.Closes(p.Instrument, asOf, 251);
            var revalued = p.MarketValue * closes[s] / closes[s - 1];
            return (revalued - p.MarketValue) * p.FxToBase;
        })).OrderBy(x => x).ToList();
        Assert.Equal(Math.Round(-pnl[2], 10), Math.Round(result.ValueAtRisk, 10));
        Assert.Equal(Math.Round(-(pnl[0] + pnl[1] + pnl[2]) / 3m, 10), Math.Round(result.ExpectedShortfall, 10));
    }

    [Fact]
    public void Property_ExpectedShortfallIsNeverBelowVar()
    {
        var scenarios = Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 100m), 250);

        Prop.ForAll(scenarios.ToArbitrary(), pnl =>
        {
            var result = HistoricalVar.FromScenarioPnl(pnl, 0.99m);
            return result.ExpectedShortfall >= result.ValueAtRisk && result.ValueAtRisk >= 0m;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Stress_AppliesEquityRatesAndFxShocksInBaseCurrency()
    {
        var positions = new[]
        {
            Equity("US0378331005", 1_000_000m),
            new RiskPosition("ACC-1", "US-EQ", "US91282CJL54", RiskAssetClass.Bond, 1_000_000m, 1_000_000m, "USD", 1m, 5m),
            Equity("FR0000120271", 500_000m, currency: "EUR", fx: 1m),
        };

        var results = StressTest.Run(positions, "USD", new StressParameters());

        Assert.Equal(-300_000m, results.Single(r => r.Scenario == "EquityShock").Pnl);
        Assert.Equal(-100_000m, results.Single(r => r.Scenario == "RatesUp").Pnl);
        Assert.Equal(-50_000m, results.Single(r => r.Scenario == "FxShock").Pnl);
    }

    [Theory]
    [InlineData(0.05, 1, 10, 0.05, 7.7217)] // 10-year 5% annual bond at par: Macaulay 8.1078, modified 7.7217
    [InlineData(0.06, 2, 2, 0.06, 1.8585)]  // 2-year 6% semi-annual at par
    [InlineData(0.045, 2, 7.25, 0.04, 6.0960)] // between coupon dates
    public void ModifiedDuration_MatchesTheCashFlowDefinition(double coupon, int frequency, double years, double yield, double expected)
    {
        var duration = StressTest.ModifiedDuration((decimal)coupon, frequency, (decimal)years, (decimal)yield);

        Assert.Equal((decimal)expected, Math.Round(duration, 4));
    }

    [Fact]
    public void ParseCsv_ReadsClosesAndNamesTheLineOfABadRow()
    {
        var history = PriceHistory.ParseCsv(new StringReader("date,isin,close\n2026-11-23,US0378331005,230.10\n\n2026-11-24,US0378331005,231.00\n"));
        Assert.Equal([230.10m, 231.00m], history.Closes("US0378331005", new DateOnly(2026, 11, 24), 10));

        var ex = Assert.Throws<FormatException>(() => PriceHistory.ParseCsv(new StringReader("date,isin,close\n2026-11-23,US0378331005,230.10\n2026-11-24,US0378331005,-1\n")));
        Assert.Contains("Line 3", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => PriceHistory.ParseCsv(new StringReader("isin,close\n")));
    }

    [Fact]
    public void Synthetic_IsDeterministicPerSeedAndCoversTheWindow()
    {
        var instruments = new[] { ("US0378331005", 230m, 0.02m), ("GB0002634946", 4.2m, 0.015m) };
        var end = new DateOnly(2026, 11, 24);

        var first = PriceHistory.Synthetic(instruments, end, 251, seed: 7);
        var again = PriceHistory.Synthetic(instruments, end, 251, seed: 7);
        var other = PriceHistory.Synthetic(instruments, end, 251, seed: 8);

        Assert.Equal(first.Closes("US0378331005", end, 251), again.Closes("US0378331005", end, 251));
        Assert.NotEqual(first.Closes("US0378331005", end, 251), other.Closes("US0378331005", end, 251));
        Assert.Equal(250, first.Returns(["US0378331005", "GB0002634946"], end, 250)["GB0002634946"].Length);
        Assert.All(first.Closes("GB0002634946", end, 251), close => Assert.True(close > 0m));
    }

    [Fact]
    public void RiskReport_GivesFiguresPerAccountAndPerBook()
    {
        var returns = new Dictionary<string, decimal[]>
        {
            ["US0378331005"] = [-0.01m, 0.02m, -0.03m],
            ["US5949181045"] = [0.01m, -0.02m, 0.01m],
        };
        var positions = new[] { Equity("US0378331005", 100_000m, account: "A1"), Equity("US5949181045", 50_000m, account: "A2") };

        var figures = RiskReport.Compute(positions, returns, new Dictionary<string, string> { ["US-EQ"] = "USD" }, 0.99m, new StressParameters());

        Assert.Equal(3, figures.Count);
        var book = figures.Single(f => f.Account is null);
        Assert.Equal(150_000m, book.MarketValue);
        // Scenario P&Ls: −500, 1000, −2500: the book's worst loss is 2,500.
        Assert.Equal(2_500m, book.Var.ValueAtRisk);
        Assert.Equal(3_000m, figures.Single(f => f.Account == "A1").Var.ValueAtRisk);
    }
}
