using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.Compliance;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>
/// The compliance stage's configuration (data/compliance/rules.json): who the beneficial owner of each account is, the
/// window's limits, and the rules as effective-dated entries. Decimals are strings, as everywhere in our data, so a
/// threshold never passes through a double.
/// </summary>
/// <param name="Rules">The rule book.</param>
/// <param name="BeneficialOwners">Account → beneficial owner; an account not listed is its own owner.</param>
/// <param name="Limits">What a surveillance window keeps.</param>
public sealed record ComplianceConfiguration(SurveillanceRuleBook Rules, IReadOnlyDictionary<string, string> BeneficialOwners, WindowLimits Limits)
{
    /// <summary>
    /// How each rule name in the configuration becomes a rule. Adding a rule is one class implementing
    /// <see cref="ISurveillanceRule"/>, one line here reading its parameters, and its entry in the configuration.
    /// </summary>
    public static IReadOnlyDictionary<string, Func<JsonElement, ISurveillanceRule>> Catalog { get; } = new Dictionary<string, Func<JsonElement, ISurveillanceRule>>(StringComparer.Ordinal)
    {
        ["RestrictedList"] = e => new RestrictedListRule([new(DateOnly.MinValue, Strings(e, "isins").ToHashSet(StringComparer.Ordinal))]),
        ["WashTrade"] = e => new WashTradeRule(TimeSpan.FromMinutes(Int(e, "windowMinutes")), Decimal(e, "priceBand"), e.TryGetProperty("quantityBand", out _) ? Decimal(e, "quantityBand") : null),
        ["PositionLimit"] = e => new PositionLimitRule(DecimalMap(e, "byAccount"), Decimal(e, "defaultMaximum")),
        ["LargeTrade"] = e => new LargeTradeRule([new(DateOnly.MinValue, Decimal(e, "thresholdInBase"))]),
        ["PriceReasonability"] = e => new PriceReasonabilityRule(Int(e, "lookback"), Decimal(e, "maximumScore"), Decimal(e, "fallbackBand")),
        ["LateBooking"] = e => new LateBookingRule(TimeSpan.FromMinutes(Int(e, "maximumDelayMinutes"))),
    };

    /// <summary>The beneficial owner of an account.</summary>
    public string OwnerOf(string account) => BeneficialOwners.TryGetValue(account, out var owner) ? owner : account;

    /// <summary>Reads a configuration file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or names an unknown rule; the message says where.</exception>
    public static ComplianceConfiguration Parse(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var owners = root.TryGetProperty("beneficialOwners", out var o)
                ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? throw new InvalidDataException($"Owner of {p.Name} is null."), StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            var limits = WindowLimits.Default;
            if (root.TryGetProperty("window", out var w))
            {
                limits = new WindowLimits(TimeSpan.FromDays(Int(w, "retentionDays")), Int(w, "maximumTrades"), Int(w, "maximumAlertIds"));
            }

            var entries = new List<EffectiveDated<ISurveillanceRule>>();
            var index = 0;
            foreach (var entry in root.GetProperty("rules").EnumerateArray())
            {
                var name = entry.GetProperty("rule").GetString() ?? string.Empty;
                if (!Catalog.TryGetValue(name, out var create))
                {
                    throw new InvalidDataException($"Rule entry {index}: unknown rule '{name}' (known: {string.Join(", ", Catalog.Keys.Order(StringComparer.Ordinal))}).");
                }

                var from = DateOnly.ParseExact(entry.GetProperty("effectiveFrom").GetString() ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                entries.Add(new EffectiveDated<ISurveillanceRule>(from, create(entry)));
                index++;
            }

            return new ComplianceConfiguration(new SurveillanceRuleBook(entries), owners, limits);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"The compliance configuration is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a configuration file from a path.</summary>
    public static ComplianceConfiguration Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Parse(stream);
    }

    private static int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();

    private static decimal Decimal(JsonElement e, string name) =>
        decimal.Parse(e.GetProperty(name).GetString() ?? throw new FormatException($"{name} is null"), NumberStyles.Number, CultureInfo.InvariantCulture);

    private static IEnumerable<string> Strings(JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(v => v.GetString() ?? throw new FormatException($"{name} holds a null"));

    private static Dictionary<string, decimal> DecimalMap(JsonElement e, string name) =>
        e.TryGetProperty(name, out var map)
            ? map.EnumerateObject().ToDictionary(p => p.Name, p => decimal.Parse(p.Value.GetString() ?? "0", NumberStyles.Number, CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : new Dictionary<string, decimal>(StringComparer.Ordinal);
}
