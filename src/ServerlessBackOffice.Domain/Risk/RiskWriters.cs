using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>
/// Deterministic renderings of the day's risk figures: CSV and JSON for the reports, and an inline SVG chart of a P&amp;L
/// distribution with its VaR line for the dashboard. Equal figures give equal bytes (invariant culture, fixed order,
/// amounts rounded once with <see cref="RiskFigures.Report"/>), so a replay reproduces them byte for byte.
/// </summary>
public static class RiskWriters
{
    /// <summary>The CSV header.</summary>
    public const string CsvHeader = "asOf,book,account,baseCurrency,marketValue,valueAtRisk99,expectedShortfall99,scenarios,tailScenarios,stressEquity,stressRates,stressFx";

    /// <summary>One line per account and per book (account empty for the book's total); then the unvalued positions as comment lines.</summary>
    public static string Csv(RiskDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var f in day.Figures)
        {
            csv.Append(Date(day.AsOf)).Append(',').Append(Field(f.Book)).Append(',').Append(Field(f.Account ?? string.Empty)).Append(',').Append(f.BaseCurrency)
                .Append(',').Append(Amount(f.MarketValue, f.BaseCurrency))
                .Append(',').Append(Amount(f.Var.ValueAtRisk, f.BaseCurrency))
                .Append(',').Append(Amount(f.Var.ExpectedShortfall, f.BaseCurrency))
                .Append(',').Append(f.Var.Scenarios.ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(f.Var.TailScenarios.ToString(CultureInfo.InvariantCulture));
            foreach (var name in new[] { "EquityShock", "RatesUp", "FxShock" })
            {
                csv.Append(',').Append(Amount(f.Stress.FirstOrDefault(s => s.Scenario == name)?.Pnl ?? 0m, f.BaseCurrency));
            }

            csv.Append('\n');
        }

        foreach (var u in day.Unvalued)
        {
            csv.Append("# unvalued ").Append(Field(u.Position.Book)).Append(' ').Append(Field(u.Position.Account)).Append(' ').Append(Field(u.Position.Isin))
                .Append(' ').Append(u.Position.Quantity.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(u.Reason.Replace('\n', ' ')).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>The figures as JSON (amounts as strings), with every scenario P&amp;L of each book for charts.</summary>
    public static byte[] Json(RiskDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("asOf", Date(day.AsOf));
            json.WriteString("confidence", day.Confidence.ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("window", day.Window);
            json.WriteStartArray("figures");
            foreach (var f in day.Figures)
            {
                json.WriteStartObject();
                json.WriteString("book", f.Book);
                if (f.Account is not null)
                {
                    json.WriteString("account", f.Account);
                }

                json.WriteString("baseCurrency", f.BaseCurrency);
                json.WriteString("marketValue", Amount(f.MarketValue, f.BaseCurrency));
                json.WriteString("valueAtRisk", Amount(f.Var.ValueAtRisk, f.BaseCurrency));
                json.WriteString("expectedShortfall", Amount(f.Var.ExpectedShortfall, f.BaseCurrency));
                json.WriteNumber("scenarios", f.Var.Scenarios);
                json.WriteNumber("tailScenarios", f.Var.TailScenarios);
                json.WriteStartArray("stress");
                foreach (var s in f.Stress)
                {
                    json.WriteStartObject();
                    json.WriteString("scenario", s.Scenario);
                    json.WriteString("description", s.Description);
                    json.WriteString("pnl", Amount(s.Pnl, f.BaseCurrency));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                if (f.Account is null)
                {
                    json.WriteStartArray("scenarioPnl");
                    foreach (var pnl in f.Var.ScenarioPnl)
                    {
                        json.WriteStringValue(Amount(pnl, f.BaseCurrency));
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("unvalued");
            foreach (var u in day.Unvalued)
            {
                json.WriteStartObject();
                json.WriteString("book", u.Position.Book);
                json.WriteString("account", u.Position.Account);
                json.WriteString("isin", u.Position.Isin);
                json.WriteString("quantity", u.Position.Quantity.ToString(CultureInfo.InvariantCulture));
                json.WriteString("reason", u.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// An inline SVG histogram of one group's scenario P&amp;Ls (20 equal-width bins) with a red vertical line at −VaR and
    /// the figures in the title. No script, no external reference, fixed decimals: the dashboard embeds it as is.
    /// </summary>
    public static string DistributionSvg(RiskGroupFigures figures, int width = 480, int height = 220)
    {
        ArgumentNullException.ThrowIfNull(figures);
        const int Bins = 20;
        const int Left = 10, Right = 10, Top = 28, Bottom = 30;
        var pnl = figures.Var.ScenarioPnl;
        var varLine = -figures.Var.ValueAtRisk;
        var min = pnl.Count == 0 ? -1m : Math.Min(pnl.Min(), varLine);
        var max = pnl.Count == 0 ? 1m : Math.Max(pnl.Max(), varLine);
        if (max == min)
        {
            max = min + 1m;
        }

        var counts = new int[Bins];
        foreach (var value in pnl)
        {
            counts[Math.Min(Bins - 1, (int)((value - min) / (max - min) * Bins))]++;
        }

        var plotWidth = (decimal)(width - Left - Right);
        var plotHeight = (decimal)(height - Top - Bottom);
        var tallest = Math.Max(1, counts.Max());
        var name = figures.Account is null ? $"Book {figures.Book}" : $"Account {figures.Account} ({figures.Book})";
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Xml(name)} one-day P&amp;L distribution\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Xml(name)}: {pnl.Count} historical scenarios; VaR 99% {Amount(figures.Var.ValueAtRisk, figures.BaseCurrency)} {figures.BaseCurrency}; ES {Amount(figures.Var.ExpectedShortfall, figures.BaseCurrency)} {figures.BaseCurrency}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" font-family=\"sans-serif\" font-size=\"12\">{Xml(name)} — VaR 99% {Amount(figures.Var.ValueAtRisk, figures.BaseCurrency)} {figures.BaseCurrency}</text>");
        var barWidth = plotWidth / Bins;
        for (var i = 0; i < Bins; i++)
        {
            var barHeight = plotHeight * counts[i] / tallest;
            var x = Left + (barWidth * i);
            var fill = min + ((max - min) * (i + 1) / Bins) <= varLine ? "#d9534f" : "#5b8def";
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(Top + plotHeight - barHeight)}\" width=\"{N(barWidth - 1m)}\" height=\"{N(barHeight)}\" fill=\"{fill}\"><title>{counts[i]} scenarios</title></rect>");
        }

        var lineX = Left + (plotWidth * (varLine - min) / (max - min));
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(lineX)}\" y1=\"{Top - 4}\" x2=\"{N(lineX)}\" y2=\"{N(Top + plotHeight)}\" stroke=\"#c00\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{N(Top + plotHeight)}\" x2=\"{width - Right}\" y2=\"{N(Top + plotHeight)}\" stroke=\"#333\" stroke-width=\"1\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{height - 10}\" font-family=\"sans-serif\" font-size=\"10\">{Amount(min, figures.BaseCurrency)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - Right}\" y=\"{height - 10}\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"end\">{Amount(max, figures.BaseCurrency)}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Amount(decimal value, string currency) => RiskFigures.Report(value, currency).ToString("0.00", CultureInfo.InvariantCulture);

    private static string N(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Field(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    private static string Xml(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
