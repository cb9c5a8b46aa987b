using System.Globalization;
using System.Text;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>A labelled count or amount for a chart.</summary>
public sealed record ChartPoint(string Label, decimal Value);

/// <summary>An exception operations must act on.</summary>
public sealed record ExceptionItem(string Type, string Reference, string Reason, int AgeInDays);

/// <summary>Everything the one-page operations dashboard shows for a book's business day.</summary>
public sealed record DashboardModel(
    string Title,
    DateOnly BusinessDate,
    IReadOnlyList<ChartPoint> Outcomes,
    IReadOnlyList<ChartPoint> VolumesByMarket,
    int AffirmedBeforeCutoff,
    int AffirmedAfterCutoff,
    int Mismatched,
    int Unaffirmed,
    IReadOnlyList<ChartPoint> FailsByAge,
    decimal PenaltiesNet,
    bool TrialBalanceBalances,
    IReadOnlyList<ExceptionItem> Exceptions,
    DashboardRisk Risk)
{
    /// <summary>The share of trades affirmed before the cut-off, of all trades due for affirmation.</summary>
    public decimal AffirmationRate
    {
        get
        {
            var due = AffirmedBeforeCutoff + AffirmedAfterCutoff + Mismatched + Unaffirmed;
            return due == 0 ? 1m : (decimal)AffirmedBeforeCutoff / due;
        }
    }

    /// <summary>Open exceptions counted by type and age bucket (business days), as in the open-exceptions report.</summary>
    public IReadOnlyList<(string Type, string Age, int Count)> OpenExceptionsByAge { get; init; } = [];
}

/// <summary>
/// Renders the dashboard as one self-contained HTML page: inline CSS and SVG charts, no script and no external resource,
/// so it opens from a file or an archive without network and without console errors. Output depends only on the model.
/// </summary>
public static class Dashboard
{
    /// <summary>The page.</summary>
    public static string Render(DashboardModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var html = new StringBuilder();
        var date = model.BusinessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(Escape(model.Title)).Append(" — ").Append(date).Append("</title>\n");
        html.Append("<style>body{font-family:system-ui,sans-serif;margin:24px;color:#1b1f24}h1{font-size:22px;margin:0 0 4px}")
            .Append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}")
            .Append(".card{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px}.card h2{font-size:15px;margin:0 0 8px}")
            .Append(".kpi{font-size:28px;font-weight:600}.ok{color:#1a7f37}.bad{color:#cf222e}")
            .Append("table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left}")
            .Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(model.Title)).Append("</h1>\n<p id=\"business-date\">Business date ").Append(date).Append("</p>\n<div class=\"grid\">\n");

        Card(html, "affirmation", "Affirmation against the cut-off",
            $"<div class=\"kpi {(model.AffirmationRate >= 0.95m ? "ok" : "bad")}\" id=\"affirmation-rate\">{model.AffirmationRate.ToString("P1", CultureInfo.InvariantCulture)}</div>" +
            $"<p>{model.AffirmedBeforeCutoff} before, {model.AffirmedAfterCutoff} after, {model.Mismatched} mismatched, {model.Unaffirmed} unaffirmed</p>");
        Card(html, "trial-balance", "Ledger",
            $"<div class=\"kpi {(model.TrialBalanceBalances ? "ok" : "bad")}\" id=\"trial-balance-status\">{(model.TrialBalanceBalances ? "Balanced" : "NOT BALANCED")}</div><p>every asset nets to zero</p>");
        Card(html, "outcomes", "OMS messages by outcome", BarChart(model.Outcomes));
        Card(html, "volumes", "Trades by market", BarChart(model.VolumesByMarket));
        Card(html, "fails", "Settlement fails by age",
            BarChart(model.FailsByAge) + $"<p>CSDR penalties (net): <span id=\"penalties\">{Amount(model.PenaltiesNet)}</span></p>");
        OpenExceptionsCard(html, model);
        RiskCard(html, model.Risk);

        html.Append("</div>\n<div class=\"card\" id=\"exceptions\" style=\"margin-top:16px\"><h2>Exceptions to act on (")
            .Append(model.Exceptions.Count.ToString(CultureInfo.InvariantCulture)).Append(")</h2>\n<table><thead><tr><th>type</th><th>reference</th><th>reason</th><th>age (days)</th></tr></thead><tbody>\n");
        foreach (var item in model.Exceptions.OrderByDescending(e => e.AgeInDays).ThenBy(e => e.Type, StringComparer.Ordinal).ThenBy(e => e.Reference, StringComparer.Ordinal).Take(500))
        {
            html.Append("<tr><td>").Append(Escape(item.Type)).Append("</td><td>").Append(Escape(item.Reference)).Append("</td><td>")
                .Append(Escape(item.Reason)).Append("</td><td>").Append(item.AgeInDays.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table></div>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void OpenExceptionsCard(StringBuilder html, DashboardModel model)
    {
        var body = new StringBuilder();
        if (model.OpenExceptionsByAge.Count == 0)
        {
            body.Append("<p>none</p>");
        }
        else
        {
            body.Append("<table><thead><tr><th>type</th><th>age (business days)</th><th>open</th></tr></thead><tbody>");
            foreach (var (type, age, count) in model.OpenExceptionsByAge)
            {
                body.Append("<tr><td>").Append(Escape(type)).Append("</td><td>").Append(Escape(age)).Append("</td><td>")
                    .Append(count.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
            }

            body.Append("</tbody></table>");
        }

        var total = model.OpenExceptionsByAge.Sum(e => e.Count).ToString(CultureInfo.InvariantCulture);
        Card(html, "open-exceptions", $"Open exceptions by type and age ({total})", body.ToString());
    }

    // The risk section: the book's VaR and expected shortfall, the stress scenarios and the P&L distribution with the VaR line.
    private static void RiskCard(StringBuilder html, DashboardRisk risk)
    {
        var currency = Escape(risk.BaseCurrency);
        var body = new StringBuilder();
        if (risk.Note is not null)
        {
            body.Append("<p id=\"risk-note\">").Append(Escape(risk.Note)).Append("</p>");
        }
        else
        {
            body.Append("<div class=\"kpi\" id=\"risk-var\">").Append(Amount(risk.ValueAtRisk)).Append(' ').Append(currency).Append("</div>")
                .Append("<p>1-day VaR 99%; expected shortfall 97.5%: <span id=\"risk-es\">").Append(Amount(risk.ExpectedShortfall)).Append("</span> ")
                .Append(currency).Append("; market value ").Append(Amount(risk.MarketValue)).Append(' ').Append(currency).Append("</p>")
                .Append("<table id=\"risk-stress\"><thead><tr><th>stress scenario</th><th>P&amp;L (").Append(currency).Append(")</th></tr></thead><tbody>");
            foreach (var stress in risk.Stress)
            {
                body.Append("<tr><td>").Append(Escape(StressLabel(stress.Scenario))).Append("</td><td>").Append(Amount(stress.Pnl)).Append("</td></tr>");
            }

            body.Append("</tbody></table>").Append(Histogram(risk.ScenarioPnl, -risk.ValueAtRisk));
        }

        if (risk.Unvalued > 0)
        {
            body.Append("<p class=\"bad\" id=\"risk-unvalued\">").Append(risk.Unvalued.ToString(CultureInfo.InvariantCulture))
                .Append(" positions could not be valued: see risk.csv</p>");
        }

        Card(html, "risk", "Risk", body.ToString());
    }

    private static string StressLabel(string scenario) => scenario switch
    {
        "EquityShock" => "Equities -20%",
        "RatesUp" => "Rates +200 bp",
        "FxShock" => "Foreign currencies -10%",
        _ => scenario,
    };

    private static void Card(StringBuilder html, string id, string title, string body) =>
        html.Append("<div class=\"card\" id=\"").Append(id).Append("\"><h2>").Append(Escape(title)).Append("</h2>").Append(body).Append("</div>\n");

    private static string BarChart(IReadOnlyList<ChartPoint> points)
    {
        if (points.Count == 0)
        {
            return "<p>none</p>";
        }

        const int barHeight = 22, width = 200, labelWidth = 90;
        var max = Math.Max(1m, points.Max(p => p.Value));
        var svg = new StringBuilder();
        // A viewBox with width 100% scales the chart to its card instead of overflowing it.
        var total = width + labelWidth + 70;
        svg.Append("<svg role=\"img\" width=\"100%\" viewBox=\"0 0 ").Append(total).Append(' ').Append(points.Count * barHeight)
            .Append("\" style=\"max-width:").Append(total * 1.3).Append("px\">");
        for (var i = 0; i < points.Count; i++)
        {
            var length = (int)Math.Round(points[i].Value / max * width);
            var y = i * barHeight;
            svg.Append("<text x=\"0\" y=\"").Append(y + 15).Append("\" font-size=\"12\">").Append(Escape(points[i].Label)).Append("</text>")
                .Append("<rect x=\"").Append(labelWidth).Append("\" y=\"").Append(y + 3).Append("\" width=\"").Append(length).Append("\" height=\"").Append(barHeight - 6).Append("\" fill=\"#0969da\"/>")
                .Append("<text x=\"").Append(labelWidth + length + 4).Append("\" y=\"").Append(y + 15).Append("\" font-size=\"12\" class=\"value\">")
                .Append(points[i].Value.ToString(CultureInfo.InvariantCulture)).Append("</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Histogram(IReadOnlyList<decimal> pnl, decimal varLine)
    {
        if (pnl.Count == 0)
        {
            return "<p>no positions</p>";
        }

        const int bins = 25, width = 360, height = 120;
        var min = Math.Min(pnl.Min(), varLine);
        var max = Math.Max(pnl.Max(), varLine);
        var span = max == min ? 1m : max - min;
        var counts = new int[bins];
        foreach (var value in pnl)
        {
            counts[Math.Min(bins - 1, (int)((value - min) / span * bins))]++;
        }

        var top = Math.Max(1, counts.Max());
        var svg = new StringBuilder().Append("<svg role=\"img\" id=\"pnl-distribution\" width=\"100%\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height + 16).Append("\">");
        for (var b = 0; b < bins; b++)
        {
            var h = counts[b] * height / top;
            svg.Append("<rect x=\"").Append(b * (width / bins)).Append("\" y=\"").Append(height - h).Append("\" width=\"").Append((width / bins) - 1)
                .Append("\" height=\"").Append(h).Append("\" fill=\"#8c959f\"/>");
        }

        var x = (int)((varLine - min) / span * width);
        svg.Append("<line x1=\"").Append(x).Append("\" x2=\"").Append(x).Append("\" y1=\"0\" y2=\"").Append(height).Append("\" stroke=\"#cf222e\" stroke-width=\"2\"/>")
            .Append("<text x=\"").Append(x + 3).Append("\" y=\"").Append(height + 12).Append("\" font-size=\"11\" fill=\"#cf222e\">VaR</text>");
        return svg.Append("</svg><p>P&amp;L of ").Append(pnl.Count).Append(" historical scenarios</p>").ToString();
    }

    private static string Amount(decimal value) => value.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for HTML content and attribute values.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
    }
}
