namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>
/// The sample configuration, byte for byte the content of data/compliance/rules.json (a test keeps the two equal), so the
/// stage runs out of the box where the file is not deployed next to the app. Production points
/// <c>ComplianceRulesPath</c> at its own file.
/// </summary>
public static class SampleComplianceConfiguration
{
    /// <summary>The sample file's text.</summary>
    public const string Json = """
        {
          "beneficialOwners": {
            "ACC-US-001": "OWNER-HARBOUR-CAPITAL",
            "ACC-US-002": "OWNER-HARBOUR-CAPITAL",
            "ACC-UK-001": "OWNER-THAMES-PARTNERS",
            "ACC-UK-002": "OWNER-THAMES-PARTNERS",
            "ACC-EU-001": "OWNER-SEINE-GESTION",
            "ACC-EU-002": "OWNER-SEINE-GESTION"
          },
          "window": { "retentionDays": 7, "maximumTrades": 1000, "maximumAlertIds": 2000 },
          "rules": [
            { "rule": "RestrictedList", "effectiveFrom": "2026-01-01", "isins": ["US4781601046"] },
            { "rule": "RestrictedList", "effectiveFrom": "2026-11-20", "isins": ["US4781601046", "US17275R1023"] },
            { "rule": "WashTrade", "effectiveFrom": "2026-01-01", "windowMinutes": 30, "priceBand": "0.005", "quantityBand": "0.05" },
            { "rule": "PositionLimit", "effectiveFrom": "2026-01-01", "defaultMaximum": "250000", "byAccount": { "ACC-US-020": "50000" } },
            { "rule": "LargeTrade", "effectiveFrom": "2026-01-01", "thresholdInBase": "5000000" },
            { "rule": "PriceReasonability", "effectiveFrom": "2026-01-01", "lookback": 20, "maximumScore": "8", "fallbackBand": "0.10" },
            { "rule": "LateBooking", "effectiveFrom": "2026-01-01", "maximumDelayMinutes": 15 }
          ]
        }
        """;

    /// <summary>The sample configuration, parsed.</summary>
    public static ComplianceConfiguration Load()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json));
        return ComplianceConfiguration.Parse(stream);
    }
}
