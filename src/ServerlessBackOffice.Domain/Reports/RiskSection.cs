using System.Globalization;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>What the dashboard shows of a book's risk.</summary>
/// <param name="BaseCurrency">The book's base currency.</param>
/// <param name="MarketValue">The book's market value in base currency.</param>
/// <param name="ValueAtRisk">1-day historical VaR at 99%.</param>
/// <param name="ExpectedShortfall">1-day expected shortfall at 97.5%.</param>
/// <param name="Stress">The stress scenarios' P&amp;L.</param>
/// <param name="ScenarioPnl">The P&amp;L of every historical scenario, for the distribution chart.</param>
/// <param name="Unvalued">Positions risk could not value.</param>
/// <param name="Note">Why there are no figures, when there are none.</param>
public sealed record DashboardRisk(
    string BaseCurrency,
    decimal MarketValue,
    decimal ValueAtRisk,
    decimal ExpectedShortfall,
    IReadOnlyList<StressResult> Stress,
    IReadOnlyList<decimal> ScenarioPnl,
    int Unvalued,
    string? Note);

/// <summary>
/// The risk part of the day's reports, kept apart from the report builder: it reads the day's market-data record
/// (<see cref="RiskMarketData.RecordName"/>), takes each book's positions from the day's journal (the builder hands them
/// over), and writes <c>&lt;book&gt;.risk.csv</c> — per position, per account and for the book: market value, 1-day VaR 99%,
/// expected shortfall 99% and 97.5%, the stress scenarios — in the book's base currency. Amounts are rounded once, to the
/// currency's minor units, with <see cref="RiskFigures.Report"/>. No market-data record: the file says so and has no figures.
/// </summary>
public sealed class RiskSection
{
    /// <summary>The confidence of the reported expected shortfall (the Basel FRTB level).</summary>
    public const decimal ExpectedShortfallConfidence = 0.975m;

    private RiskMarketData? _marketData;
    private string? _marketDataName;

    /// <summary>Reads a market-data record; a second one in a day or an unreadable one is a problem for records-not-understood.</summary>
    /// <returns>Null when read, otherwise why not.</returns>
    public string? Read(string name, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!string.Equals(name, RiskMarketData.RecordName, StringComparison.Ordinal))
        {
            return $"market data: only {RiskMarketData.RecordName} is read";
        }

        if (!RiskMarketData.TryParse(content, out var data, out var problem))
        {
            return $"market data: {problem}";
        }

        _marketData = data;
        _marketDataName = name;
        return null;
    }

    /// <summary>Computes and writes a book's risk file from its positions (account × ISIN, units or nominal).</summary>
    public DashboardRisk Write(IReportFileSink sink, string book, IEnumerable<PositionHolding> positions)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(positions);
        using var writer = sink.Create(ReportFiles.For(book, ReportFiles.Risk));
        Csv.WriteRow(writer, "section", "account", "isin", "quantity", "baseCurrency", "marketValue", "valueAtRisk99", "expectedShortfall99",
            "expectedShortfall975", "stressEquity", "stressRates", "stressFx", "detail");
        if (_marketData is null)
        {
            const string Missing = "no market-data record among the day's records: risk not computed";
            Csv.WriteRow(writer, "missing", null, null, null, null, null, null, null, null, null, null, null, Missing);
            return new DashboardRisk("n/a", 0m, 0m, 0m, [], [], 0, Missing);
        }

        var held = positions.Where(p => p.Quantity != 0m).ToList();
        var day = RiskFigures.Compute(held, _marketData);
        var baseCurrency = _marketData.BaseCurrencyByBook.GetValueOrDefault(book, "n/a");
        Csv.WriteRow(writer, "parameter", null, null, null, null, null, null, null, null, null, null, null, $"asOf {Date(day.AsOf)}");
        Csv.WriteRow(writer, "parameter", null, null, null, null, null, null, null, null, null, null, null,
            string.Create(CultureInfo.InvariantCulture, $"historical simulation, 1 day, {day.Window} daily returns, VaR {day.Confidence}, ES {day.Confidence} and {ExpectedShortfallConfidence}"));
        Csv.WriteRow(writer, "parameter", null, null, null, null, null, null, null, null, null, null, null,
            "stress: equities -20%; rates +200 bp through modified duration; foreign currencies -10% against the base currency");
        Csv.WriteRow(writer, "parameter", null, null, null, null, null, null, null, null, null, null, null, $"market data {_marketDataName}");

        RiskGroupFigures? bookFigures = null;
        decimal bookEs975 = 0m;
        foreach (var figures in day.Figures.Where(f => f.Book == book))
        {
            var es975 = HistoricalVar.FromScenarioPnl(figures.Var.ScenarioPnl, ExpectedShortfallConfidence).ExpectedShortfall;
            if (figures.Account is null)
            {
                bookFigures = figures;
                bookEs975 = es975;
            }

            Csv.WriteRow(writer, figures.Account is null ? "book" : "account", figures.Account ?? book, null, null, figures.BaseCurrency,
                Amount(figures.MarketValue, figures.BaseCurrency), Amount(figures.Var.ValueAtRisk, figures.BaseCurrency),
                Amount(figures.Var.ExpectedShortfall, figures.BaseCurrency), Amount(es975, figures.BaseCurrency),
                Stress(figures, "EquityShock"), Stress(figures, "RatesUp"), Stress(figures, "FxShock"),
                string.Create(CultureInfo.InvariantCulture, $"{figures.Var.Scenarios} scenarios, tail {figures.Var.TailScenarios}"));
        }

        var unvalued = 0;
        foreach (var u in day.Unvalued.Where(u => u.Position.Book == book))
        {
            unvalued++;
            Csv.WriteRow(writer, "unvalued", u.Position.Account, u.Position.Isin, Number(u.Position.Quantity), null, null, null, null, null, null, null, null, u.Reason);
        }

        if (bookFigures is null)
        {
            const string None = "no valued position";
            return new DashboardRisk(baseCurrency, 0m, 0m, 0m, [], [], unvalued, None);
        }

        return new DashboardRisk(
            bookFigures.BaseCurrency,
            RiskFigures.Report(bookFigures.MarketValue, bookFigures.BaseCurrency),
            RiskFigures.Report(bookFigures.Var.ValueAtRisk, bookFigures.BaseCurrency),
            RiskFigures.Report(bookEs975, bookFigures.BaseCurrency),
            [.. bookFigures.Stress.Select(s => s with { Pnl = RiskFigures.Report(s.Pnl, bookFigures.BaseCurrency) })],
            bookFigures.Var.ScenarioPnl,
            unvalued,
            null);
    }

    private static string Stress(RiskGroupFigures figures, string scenario) =>
        Amount(figures.Stress.FirstOrDefault(s => s.Scenario == scenario)?.Pnl ?? 0m, figures.BaseCurrency);

    // Rounded once, then written with exactly the currency's minor units, so 200 and 200.00 never both appear.
    private static string Amount(decimal value, string currency)
    {
        var places = Currencies.TryGet(currency, out var c) ? c.MinorUnits : Currencies.Usd.MinorUnits;
        return RiskFigures.Report(value, currency).ToString("F" + places.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
