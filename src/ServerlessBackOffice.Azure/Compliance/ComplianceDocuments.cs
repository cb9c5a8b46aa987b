using System.Globalization;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Pipeline.Compliance;

namespace ServerlessBackOffice.Azure.Compliance;

/// <summary>
/// The compliance stage's Cosmos documents in the alerts container (decision 0070). Two kinds share it through distinct
/// partition-key schemes: a window per instrument × beneficial owner (<c>window:&lt;isin&gt;:&lt;owner&gt;</c>, id
/// <c>window</c>) and an alert per alert id (<c>alert:&lt;alertId&gt;</c>, id = alert id). Quantities and prices are strings.
/// </summary>
internal static class ComplianceDocuments
{
    public const string WindowId = "window";
    public const string WindowType = "SurveillanceWindow";
    public const string AlertType = "ComplianceAlert";

    /// <summary>The window's partition: the ISIN first, because it has a fixed length and no separator in it.</summary>
    public static string WindowPartition(string beneficialOwner, string isin) => $"window:{isin}:{beneficialOwner}";

    public static string AlertPartition(string alertId) => $"alert:{alertId}";

    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static decimal Number(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseInstant(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

internal sealed record WindowTradeDocument(string TradeId, int Version, string Account, string Side, string Quantity, string Price, string ExecutedAt)
{
    public static WindowTradeDocument From(WindowTrade t) =>
        new(t.TradeId, t.Version, t.Account, t.IsBuy ? "buy" : "sell", ComplianceDocuments.Text(t.Quantity), ComplianceDocuments.Text(t.Price), ComplianceDocuments.Instant(t.ExecutedAt));

    public WindowTrade ToTrade() =>
        new(TradeId, Version, Account, Side == "buy", ComplianceDocuments.Number(Quantity), ComplianceDocuments.Number(Price), ComplianceDocuments.ParseInstant(ExecutedAt));
}

internal sealed record FoldedPositionDocument(string Account, string Quantity);

internal sealed record AppliedInboundDocument(string MessageId, IReadOnlyList<string> AlertIds);

internal sealed record WindowDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("beneficialOwner")] string BeneficialOwner,
    [property: JsonPropertyName("isin")] string Isin,
    [property: JsonPropertyName("recentTrades")] IReadOnlyList<WindowTradeDocument> Trades,
    [property: JsonPropertyName("foldedPositions")] IReadOnlyList<FoldedPositionDocument> FoldedPositions,
    [property: JsonPropertyName("raisedAlertIds")] IReadOnlyList<string> RaisedAlertIds,
    [property: JsonPropertyName("outbox")] IReadOnlyList<ComplianceAlertRaised> Outbox,
    [property: JsonPropertyName("recentInbound")] IReadOnlyList<AppliedInboundDocument> RecentInbound)
{
    public static WindowDocument From(ComplianceWindowDocument document)
    {
        var w = document.Window;
        return new WindowDocument(
            ComplianceDocuments.WindowId, ComplianceDocuments.WindowPartition(w.BeneficialOwner, w.Isin), ComplianceDocuments.WindowType, w.BeneficialOwner, w.Isin,
            [.. w.Trades.Select(WindowTradeDocument.From)],
            [.. w.FoldedPositions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new FoldedPositionDocument(p.Key, ComplianceDocuments.Text(p.Value)))],
            w.RaisedAlertIds,
            document.Outbox,
            [.. document.RecentInbound.Select(m => new AppliedInboundDocument(m.MessageId, m.AlertIds))]);
    }

    public ComplianceWindowDocument ToDocument() => new(
        new SurveillanceWindow(
            BeneficialOwner, Isin,
            [.. Trades.Select(t => t.ToTrade())],
            FoldedPositions.ToDictionary(p => p.Account, p => ComplianceDocuments.Number(p.Quantity), StringComparer.Ordinal),
            RaisedAlertIds),
        Outbox,
        [.. RecentInbound.Select(m => new AppliedInbound(m.MessageId, m.AlertIds))]);
}

internal sealed record AlertDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("alert")] ComplianceAlertRaised Alert)
{
    public static AlertDocument From(ComplianceAlertRaised alert) => new(alert.AlertId, ComplianceDocuments.AlertPartition(alert.AlertId), ComplianceDocuments.AlertType, alert);
}
