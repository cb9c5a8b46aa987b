using System.Security.Cryptography;
using System.Text;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>What surveillance needs of a captured trade version, mapped from the capture stage's trade.</summary>
/// <param name="TradeId">The trade.</param>
/// <param name="Version">The version evaluated (rules run on every captured or amended version).</param>
/// <param name="Book">The book.</param>
/// <param name="Account">The account.</param>
/// <param name="BeneficialOwner">Who ultimately owns the account's positions (wash trades are per owner, across accounts).</param>
/// <param name="Isin">The instrument.</param>
/// <param name="IsBuy">True for a buy.</param>
/// <param name="Quantity">Units or nominal.</param>
/// <param name="Price">The execution price (per unit, or percent of par).</param>
/// <param name="Currency">The price currency.</param>
/// <param name="NotionalInBase">Gross amount in the book's base currency, for thresholds.</param>
/// <param name="ExecutedAt">Execution time (UTC).</param>
/// <param name="CapturedAt">When capture accepted it (UTC).</param>
/// <param name="TradeDate">The trade date.</param>
public sealed record SurveillanceTrade(
    string TradeId,
    int Version,
    string Book,
    string Account,
    string BeneficialOwner,
    string Isin,
    bool IsBuy,
    decimal Quantity,
    decimal Price,
    string Currency,
    decimal NotionalInBase,
    DateTimeOffset ExecutedAt,
    DateTimeOffset CapturedAt,
    DateOnly TradeDate);

/// <summary>A breach: the rule, what it saw, and the trades involved. Its id makes one alert per distinct breach.</summary>
public sealed record ComplianceAlert(string AlertId, string Rule, string Severity, string Summary, IReadOnlyDictionary<string, string> Evidence, IReadOnlyList<string> TradeIds)
{
    /// <summary>
    /// Creates an alert whose id is derived from the rule, the breach key and the trades: evaluating the same trade again
    /// (a redelivery) produces the same id, so the store keeps one alert per distinct breach.
    /// </summary>
    public static ComplianceAlert Create(string rule, string breachKey, string severity, string summary, IReadOnlyDictionary<string, string> evidence, IEnumerable<string> tradeIds)
    {
        ArgumentNullException.ThrowIfNull(tradeIds);
        var trades = DistinctInOrdinalOrder(tradeIds);
        return new ComplianceAlert(IdOf(rule, breachKey, trades), rule, severity, summary, evidence, trades);
    }

    /// <summary>The id of a breach: "AL" and the first 12 bytes of the SHA-256 of rule, key and trade ids, one a line.</summary>
    private static string IdOf(string rule, string breachKey, List<string> trades)
    {
        // Encoded piece by piece into a stack buffer, without building the text (a wash-trade window raises alerts on many
        // trades; docs/performance.md). The same bytes as encoding the joined text: a line break separates every two pieces,
        // so no character is split between them.
        // A null piece counts as empty, as it did in the joined text.
        rule ??= string.Empty;
        breachKey ??= string.Empty;
        var chars = rule.Length + 1 + breachKey.Length + 1 + Math.Max(trades.Count - 1, 0);
        foreach (var trade in trades)
        {
            chars += trade?.Length ?? 0;
        }

        var length = Encoding.UTF8.GetMaxByteCount(chars);
        var bytes = length <= 512 ? stackalloc byte[512] : new byte[length];
        var written = Encoding.UTF8.GetBytes(rule, bytes);
        bytes[written++] = (byte)'\n';
        written += Encoding.UTF8.GetBytes(breachKey, bytes[written..]);
        bytes[written++] = (byte)'\n';
        for (var i = 0; i < trades.Count; i++)
        {
            if (i > 0)
            {
                bytes[written++] = (byte)'\n';
            }

            written += Encoding.UTF8.GetBytes(trades[i] ?? string.Empty, bytes[written..]);
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..written], hash);
        Span<char> id = stackalloc char[2 + 24];
        id[0] = 'A';
        id[1] = 'L';
        Convert.TryToHexString(hash[..12], id[2..], out _);
        return new string(id);
    }

    // The trade ids of an alert: distinct, in ordinal order (alerts name one or two trades, so no LINQ for those).
    private static List<string> DistinctInOrdinalOrder(IEnumerable<string> tradeIds)
    {
        if (tradeIds is IReadOnlyList<string> { Count: <= 2 } few)
        {
            return few.Count switch
            {
                0 => [],
                1 => [few[0]],
                _ => string.CompareOrdinal(few[0], few[1]) switch
                {
                    0 => [few[0]],
                    < 0 => [few[0], few[1]],
                    _ => [few[1], few[0]],
                },
            };
        }

        return tradeIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}

/// <summary>What a rule may look at besides the trade itself: recent trades and current positions, from the stores.</summary>
public interface ISurveillanceContext
{
    /// <summary>Trades of the same beneficial owner in the same instrument executed since <paramref name="since"/>.</summary>
    IReadOnlyList<SurveillanceTrade> RecentTradesOfOwner(string beneficialOwner, string isin, DateTimeOffset since);

    /// <summary>
    /// The same trades as <see cref="RecentTradesOfOwner"/>, in the same order, as a surveillance window remembers them. A
    /// window answers with a view of itself instead of a new trade per entry (the wash-trade rule asks on every trade;
    /// docs/performance.md); other contexts need not implement it.
    /// </summary>
    IReadOnlyList<WindowTrade> RecentWindowTradesOfOwner(string beneficialOwner, string isin, DateTimeOffset since) =>
        [.. RecentTradesOfOwner(beneficialOwner, isin, since).Select(WindowTrade.From)];

    /// <summary>Recent execution prices in the instrument (all owners), newest first, at most <paramref name="count"/>.</summary>
    IReadOnlyList<decimal> RecentPrices(string isin, int count);

    /// <summary>The account's position in the instrument before this trade.</summary>
    decimal PositionBefore(string account, string isin);

    /// <summary>The reference (closing) price of the instrument, when known.</summary>
    decimal? ReferencePrice(string isin);
}

/// <summary>
/// A surveillance rule. Adding a rule is adding one class that implements this and one configuration entry
/// (docs/compliance.md); rules are pure apart from what they read through the context.
/// </summary>
public interface ISurveillanceRule
{
    /// <summary>The rule's name, as alerts and configuration name it.</summary>
    string Name { get; }

    /// <summary>The alerts this trade raises (none when it complies).</summary>
    IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context);
}

/// <summary>Runs every rule in force on a trade; each rule's alerts are independent.</summary>
public static class Surveillance
{
    /// <summary>Evaluates the rules and returns their alerts, ordered by id so the output is deterministic.</summary>
    public static IReadOnlyList<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context, IEnumerable<ISurveillanceRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);

        // Most trades raise nothing: no list is allocated and nothing is sorted unless a rule raises an alert. When a trade
        // raises one alert, the rule's own list of it is returned.
        List<ComplianceAlert>? alerts = null;
        IReadOnlyList<ComplianceAlert>? single = null;
        if (rules is IReadOnlyList<ISurveillanceRule> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                Collect(list[i].Evaluate(trade, context), ref alerts, ref single);
            }
        }
        else
        {
            foreach (var rule in rules)
            {
                Collect(rule.Evaluate(trade, context), ref alerts, ref single);
            }
        }

        if (alerts is null)
        {
            return single ?? [];
        }

        if (alerts.Count > 16)
        {
            return alerts.OrderBy(a => a.AlertId, StringComparer.Ordinal).ToList();
        }

        // A stable insertion sort by id: the same order as OrderBy, for the usual handful of alerts.
        for (var i = 1; i < alerts.Count; i++)
        {
            var alert = alerts[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(alerts[j].AlertId, alert.AlertId) > 0)
            {
                alerts[j + 1] = alerts[j];
                j--;
            }

            alerts[j + 1] = alert;
        }

        return alerts;
    }

    private static void Collect(IEnumerable<ComplianceAlert> raised, ref List<ComplianceAlert>? alerts, ref IReadOnlyList<ComplianceAlert>? single)
    {
        if (raised is ICollection<ComplianceAlert> { Count: 0 })
        {
            return;
        }

        if (alerts is null && single is null && raised is IReadOnlyList<ComplianceAlert> { Count: 1 } one)
        {
            single = one;
            return;
        }

        if (single is not null)
        {
            alerts = [single[0]];
            single = null;
        }

        foreach (var alert in raised)
        {
            (alerts ??= []).Add(alert);
        }
    }
}
