using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>One message the simulated OMS (or an input file) publishes, and the hour of the day it is published in.</summary>
/// <param name="MessageId">The Service Bus message id.</param>
/// <param name="CorrelationId">The OMS correlation id.</param>
/// <param name="Body">The body bytes (normally contract v1 JSON).</param>
/// <param name="PublishAt">The business instant of the phase that publishes it.</param>
/// <param name="Kind">What the simulator meant it to be (new, amend, cancel, duplicate, stale, invalid, input).</param>
/// <param name="ApplicationProperties">Application properties to set.</param>
internal sealed record OmsPublication(
    string MessageId,
    string? CorrelationId,
    ReadOnlyMemory<byte> Body,
    DateTimeOffset PublishAt,
    string Kind,
    IReadOnlyDictionary<string, string>? ApplicationProperties = null);

/// <summary>The rates of the simulated day's irregular messages (fractions of the trades).</summary>
internal sealed record OmsSimulationRates(double Amend = 0.04, double Cancel = 0.015, double Duplicate = 0.01, double Stale = 0.005, double Invalid = 0.003, double Late = 0.005);

/// <summary>
/// A realistic, deterministic day of OMS messages: trades in US, UK and EU equities and US bonds, executed in each market's
/// session on the business date, published within 15 minutes of their execution (a few late); amendments, cancels and re-sent duplicates an
/// hour or more later; deliberately out-of-order versions (a stale one); and a few invalid messages. Everything is a
/// function of the seed, the date and reference data.
/// </summary>
internal static class OmsSimulator
{
    private sealed record MarketProfile(string Name, double Weight, string TimeZone, TimeOnly Open, TimeOnly Close, Func<Security, bool> Securities, Func<Account, bool> Accounts);

    private static readonly MarketProfile[] Markets =
    [
        new("US equities", 0.50, "America/New_York", new(9, 30), new(16, 0), s => s.AssetClass == AssetClass.Equity && s.Currency == "USD", a => a.BookId == "NY-CASH" && a.CommissionScheduleId != "BONDS-NET"),
        new("US bonds", 0.10, "America/New_York", new(8, 0), new(17, 0), s => s.AssetClass != AssetClass.Equity && s.Currency == "USD", a => a.CommissionScheduleId == "BONDS-NET"),
        new("UK equities", 0.20, "Europe/London", new(8, 0), new(16, 30), s => s.AssetClass == AssetClass.Equity && s.Currency == "GBP", a => a.BookId == "LDN-CASH"),
        new("EU equities", 0.20, "Europe/Paris", new(9, 0), new(17, 30), s => s.AssetClass == AssetClass.Equity && s.Currency == "EUR", a => a.BookId == "PAR-CASH"),
    ];

    /// <summary>Generates the day's messages in publication order (by phase, then a stable order within it).</summary>
    public static IReadOnlyList<OmsPublication> Generate(ReferenceDataSet data, DateOnly date, int trades, int seed, OmsSimulationRates rates)
    {
        ArgumentNullException.ThrowIfNull(data);
        var open = Markets
            .Select(m => (Market: m, Securities: data.Securities.Values.Where(m.Securities).Where(s => TradesOn(data, s, date)).OrderBy(s => s.Isin, StringComparer.Ordinal).ToArray(),
                Accounts: data.Accounts.Values.Where(m.Accounts).OrderBy(a => a.Id, StringComparer.Ordinal).ToArray()))
            .Where(m => m.Securities.Length > 0 && m.Accounts.Length > 0)
            .ToArray();
        if (open.Length == 0)
        {
            throw new InvalidOperationException($"No market in reference data trades on {date:yyyy-MM-dd}; choose another --date.");
        }

        var counterparties = data.Counterparties.Keys.Order(StringComparer.Ordinal).ToArray();
        // Prices move around the previous close of the same sample history risk and compliance use, so a simulated trade
        // is an outlier only when the simulation means it to be.
        var history = SamplePriceHistory.Create(data.Securities.Values, date.AddDays(-1));
        var previousClose = data.Securities.Values.ToDictionary(
            s => s.Isin,
            s => history.Closes(s.Isin, date.AddDays(-1), 1) is { Count: > 0 } closes ? closes[^1] : SamplePriceHistory.StartPrice(s),
            StringComparer.Ordinal);
        var totalWeight = open.Sum(m => m.Market.Weight);
        var random = StableRandom.Sequence(seed, $"oms:{date:yyyy-MM-dd}");
        var publications = new List<OmsPublication>(trades + (int)(trades * 0.1) + 16);

        for (var i = 0; i < trades; i++)
        {
            var pick = random.NextDouble() * totalWeight;
            var market = open[^1];
            foreach (var candidate in open)
            {
                if ((pick -= candidate.Market.Weight) < 0)
                {
                    market = candidate;
                    break;
                }
            }

            var security = market.Securities[random.Next(market.Securities.Length)];
            var account = market.Accounts[random.Next(market.Accounts.Length)];
            var zone = TimeZoneInfo.FindSystemTimeZoneById(market.Market.TimeZone);
            var sessionSeconds = (int)(market.Market.Close - market.Market.Open).TotalSeconds;
            var localExecution = date.ToDateTime(market.Market.Open).AddSeconds(random.Next(sessionSeconds)).AddMilliseconds(random.Next(1000));
            var executedAt = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(localExecution, zone), TimeSpan.Zero);
            var trade = new SimulatedTrade(
                string.Create(CultureInfo.InvariantCulture, $"T{date:yyyyMMdd}-{i + 1:D6}"),
                executedAt,
                date,
                account.Id,
                random.Next(2) == 0 ? "buy" : "sell",
                security,
                Quantity(security, random),
                Price(security, previousClose[security.Isin], random),
                counterparties[random.Next(counterparties.Length)]);

            // A few trades are booked late (an hour after execution): compliance's late-booking rule should catch them.
            var publishedAt = EndOfSlot(executedAt).AddHours(StableRandom.Unit(seed, "oms-late", trade.TradeId) < rates.Late ? 1 : 0);
            publications.Add(Publish(trade, 1, "new", publishedAt, "new"));

            // Irregular messages: decided per trade id, so they do not depend on how many trades came before.
            var u = StableRandom.Unit(seed, "oms-irregular", trade.TradeId);
            var later = publishedAt.AddHours(1 + StableRandom.Below(2, seed, "oms-later", trade.TradeId));
            if ((u -= rates.Amend) < 0)
            {
                publications.Add(Publish(trade.Amended(random), 2, "amend", later, "amend"));
            }
            else if ((u -= rates.Cancel) < 0)
            {
                publications.Add(Publish(trade, 2, "cancel", later, "cancel"));
            }
            else if ((u -= rates.Duplicate) < 0)
            {
                publications.Add(Publish(trade, 1, "new", later, "duplicate", $"{trade.TradeId}-v1-resent"));
            }
            else if ((u -= rates.Stale) < 0)
            {
                // Version 3 arrives an hour before version 2: version 2 is answered as stale, the trade ends at version 3.
                var v2 = trade.Amended(random);
                var v3 = v2.Amended(random);
                publications.Add(Publish(v3, 3, "amend", later, "amend"));
                publications.Add(Publish(v2, 2, "amend", later.AddHours(1), "stale"));
            }
        }

        var invalidCount = Math.Max(6, (int)Math.Round(trades * rates.Invalid));
        var lastPhase = publications.Max(p => p.PublishAt);
        var firstPhase = publications.Min(p => p.PublishAt);
        for (var k = 0; k < invalidCount; k++)
        {
            var at = firstPhase.AddHours(k % Math.Max(1, (int)(lastPhase - firstPhase).TotalHours + 1));
            publications.Add(Invalid(k, date, at, publications[k % publications.Count]));
        }

        return [.. publications.OrderBy(p => p.PublishAt).ThenBy(p => p.MessageId, StringComparer.Ordinal)];
    }

    private static bool TradesOn(ReferenceDataSet data, Security security, DateOnly date) =>
        data.SettlementConventions.TryGetValue(security.SettlementConventionId, out var convention)
        && data.Calendars.TryGetValue(convention.TradingCalendarId, out var calendar)
        && calendar.IsBusinessDay(date);

    /// <summary>The OMS publishes in 15-minute slots: a trade is captured within 15 minutes of its execution.</summary>
    private static DateTimeOffset EndOfSlot(DateTimeOffset instant) =>
        new DateTimeOffset(instant.Year, instant.Month, instant.Day, instant.Hour, instant.Minute / 15 * 15, 0, TimeSpan.Zero).AddMinutes(15);

    private static decimal Quantity(Security security, Random random) =>
        security.AssetClass == AssetClass.Equity
            ? 100m * (1 + random.Next(50))
            : 100_000m * (1 + random.Next(50));

    /// <summary>The instrument's previous close, moved by up to ±0.5% per trade.</summary>
    private static decimal Price(Security security, decimal reference, Random random)
    {
        var move = 1m + ((decimal)random.NextDouble() - 0.5m) / 100m;
        return Math.Round(reference * move, security.AssetClass == AssetClass.Equity ? 2 : 4, MidpointRounding.AwayFromZero);
    }

    private static OmsPublication Publish(SimulatedTrade trade, long version, string action, DateTimeOffset at, string kind, string? messageId = null) =>
        new(messageId ?? $"{trade.TradeId}-v{version}", $"C-{trade.TradeId}", trade.ToJson(version, action), at, kind);

    private static OmsPublication Invalid(int k, DateOnly date, DateTimeOffset at, OmsPublication template)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"BAD-{date:yyyyMMdd}-{k + 1:D4}");
        var text = System.Text.Encoding.UTF8.GetString(template.Body.Span);
        var body = (k % 6) switch
        {
            0 => "{\"schemaVersion\":\"1\",\"tradeId\":\"" + id + "\",", // truncated JSON
            1 => Replace(text, "\"quantity\":\"", "\"quantity\":\"-"), // negative quantity
            2 => Replace(text, "\"isin\":\"", "\"isin\":\"X"), // not an ISIN
            3 => Replace(text, "\"account\":\"", "\"account\":\"NOPE-"), // unknown account
            4 => Replace(text, "\"schemaVersion\":\"1\"", "\"schemaVersion\":\"9\""), // unknown schema version
            _ => System.Text.RegularExpressions.Regex.Replace(text, "\"price\":\"[0-9.]+\"", "\"price\":\"0\""), // zero price
        };

        // Each invalid message carries its own trade id so none collides with a real trade.
        body = System.Text.RegularExpressions.Regex.Replace(body, "\"tradeId\":\"[^\"]+\"", "\"tradeId\":\"" + id + "\"");
        return new OmsPublication(id, $"C-{id}", System.Text.Encoding.UTF8.GetBytes(body), at, "invalid");
    }

    private static string Replace(string text, string what, string with) => text.Replace(what, with, StringComparison.Ordinal);

    private sealed record SimulatedTrade(
        string TradeId, DateTimeOffset ExecutedAt, DateOnly TradeDate, string Account, string Side, Security Security, decimal Quantity, decimal Price, string CounterpartyLei)
    {
        public SimulatedTrade Amended(Random random) => random.Next(2) == 0
            ? this with { Quantity = Quantity + (Security.AssetClass == AssetClass.Equity ? 100m : 100_000m) }
            : this with { Price = Math.Round(Price * 1.001m, Security.AssetClass == AssetClass.Equity ? 2 : 4, MidpointRounding.AwayFromZero) };

        public byte[] ToJson(long version, string action)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("schemaVersion", "1");
                json.WriteString("tradeId", TradeId);
                json.WriteNumber("version", version);
                json.WriteString("action", action);
                json.WriteString("executionTimestamp", ExecutedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                json.WriteString("tradeDate", TradeDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteString("account", Account);
                json.WriteString("side", Side);
                json.WriteString("isin", Security.Isin);
                json.WriteString("mic", Security.Mic);
                json.WriteString("quantity", Quantity.ToString(CultureInfo.InvariantCulture));
                json.WriteString("price", Price.ToString(CultureInfo.InvariantCulture));
                json.WriteString("priceType", Security.AssetClass == AssetClass.Equity ? "perUnit" : "percentOfPar");
                json.WriteString("currency", Security.Currency);
                json.WriteString("counterpartyLei", CounterpartyLei);
                json.WriteString("correlationId", $"C-{TradeId}");
                json.WriteEndObject();
            }

            return buffer.ToArray();
        }
    }
}
