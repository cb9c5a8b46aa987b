using System.Globalization;
using System.Net;
using System.Text;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>
/// The human-readable confirmation archived beside the JSON: a self-contained HTML page, every value HTML-encoded, with no
/// clock or culture in it, so the same confirmation always renders to the same bytes (a re-archive is a no-op).
/// </summary>
public static class ConfirmationRendering
{
    /// <summary>Renders a confirmation or cancellation notice.</summary>
    public static string Html(ConfirmationMessageWire message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var cancellation = message.Kind == ConfirmationMessageWire.CancellationKind;
        var title = cancellation
            ? $"Cancellation of trade {message.TradeId}"
            : $"Trade confirmation {message.TradeId} version {message.Version.ToString(CultureInfo.InvariantCulture)}";
        var html = new StringBuilder(4096);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title)).Append("</title>\n")
            .Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}</style>\n")
            .Append("</head>\n<body>\n<h1>").Append(E(title)).Append("</h1>\n");
        if (cancellation)
        {
            html.Append("<p>This notice withdraws confirmation <strong>").Append(E(message.CancelsConfirmationId ?? string.Empty))
                .Append("</strong>. The trade is cancelled; do not affirm or settle it.</p>\n");
        }

        html.Append("<table>\n");
        Row(html, "Confirmation id", message.ConfirmationId);
        Row(html, "Counterparty", $"{message.CounterpartyName} ({message.CounterpartyLei})");
        Row(html, "Our account / book", $"{message.Account} / {message.BookId}");
        Row(html, "Our side", message.Side);
        Row(html, "Instrument (ISIN)", message.Isin);
        Row(html, "Venue (MIC)", message.Mic);
        Row(html, "Execution time (UTC)", message.ExecutionTimestamp);
        Row(html, "Trade date", message.TradeDate);
        Row(html, "Settlement date", message.SettlementDate);
        Row(html, "Quantity", message.Quantity, numeric: true);
        Row(html, $"Price ({message.PriceType})", message.Price, numeric: true);
        Row(html, "Currency", message.Currency);
        Row(html, "Gross amount", message.Gross, numeric: true);
        Row(html, "Commission", message.Commission, numeric: true);
        foreach (var fee in message.Fees)
        {
            Row(html, $"Fee {fee.Code} ({fee.Source})", fee.Amount, numeric: true);
        }

        Row(html, "Accrued interest", message.AccruedInterest, numeric: true);
        Row(html, "Net amount", message.NetAmount, numeric: true);
        Row(html, "Rounding rule", message.RoundingRule);
        Row(html, "Affirm by (UTC)", message.AffirmBy);
        Row(html, "Issued at (UTC)", message.IssuedAt);
        if (message.CorrelationId is not null)
        {
            Row(html, "Correlation id", message.CorrelationId);
        }

        html.Append("</table>\n");
        if (!cancellation)
        {
            html.Append("<p>Please affirm with an affirmation-v1 message quoting trade id, version and the terms above.</p>\n");
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Row(StringBuilder html, string label, string value, bool numeric = false) =>
        html.Append("<tr><th>").Append(E(label)).Append(numeric ? "</th><td class=\"n\">" : "</th><td>").Append(E(value)).Append("</td></tr>\n");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
