using ServerlessBackOffice.Domain.Compliance;

namespace ServerlessBackOffice.Domain.Tests.Compliance;

/// <summary>Each rule: a breach, a near miss, and a redelivery that raises the same alert (one per distinct breach).</summary>
public sealed class SurveillanceRuleTests
{
    private static readonly DateTimeOffset Executed = new(2026, 11, 24, 15, 30, 0, TimeSpan.Zero);

    private static SurveillanceTrade Trade(string id = "T-1", bool buy = true, decimal quantity = 100m, decimal price = 230.10m, decimal notional = 23_010m, string owner = "OWNER-1", int minutes = 0, TimeSpan? captureDelay = null) =>
        new(id, 1, "US-EQ", "ACC-001", owner, "US0378331005", buy, quantity, price, "USD", notional, Executed.AddMinutes(minutes), Executed.AddMinutes(minutes) + (captureDelay ?? TimeSpan.FromSeconds(2)), new DateOnly(2026, 11, 24));

    private sealed class Context : ISurveillanceContext
    {
        public List<SurveillanceTrade> Trades { get; } = [];
        public List<decimal> Prices { get; } = [];
        public decimal Position { get; set; }
        public decimal? Reference { get; set; }

        public IReadOnlyList<SurveillanceTrade> RecentTradesOfOwner(string beneficialOwner, string isin, DateTimeOffset since) =>
            Trades.Where(t => t.BeneficialOwner == beneficialOwner && t.Isin == isin && t.ExecutedAt >= since).ToList();

        public IReadOnlyList<decimal> RecentPrices(string isin, int count) => Prices.Take(count).ToList();

        public decimal PositionBefore(string account, string isin) => Position;

        public decimal? ReferencePrice(string isin) => Reference;
    }

    private static IReadOnlyList<ComplianceAlert> Run(ISurveillanceRule rule, SurveillanceTrade trade, Context? context = null) =>
        Surveillance.Evaluate(trade, context ?? new Context(), [rule]);

    [Fact]
    public void RestrictedList_BreachNearMissAndRedelivery()
    {
        var rule = new RestrictedListRule([new(new DateOnly(2026, 11, 24), new HashSet<string> { "US0378331005" })]);
        var notYet = new RestrictedListRule([new(new DateOnly(2026, 11, 25), new HashSet<string> { "US0378331005" })]);

        var first = Assert.Single(Run(rule, Trade()));
        Assert.Empty(Run(notYet, Trade())); // near miss: restricted only from the next day
        Assert.Equal(first.AlertId, Assert.Single(Run(rule, Trade())).AlertId);
        Assert.Equal("High", first.Severity);
    }

    [Fact]
    public void LargeTrade_BreachNearMissAndRedelivery()
    {
        var rule = new LargeTradeRule([new(new DateOnly(2025, 1, 1), 1_000_000m)]);

        var alert = Assert.Single(Run(rule, Trade(notional: 1_000_000.01m)));
        Assert.Empty(Run(rule, Trade(notional: 1_000_000m)));
        Assert.Equal(alert, Assert.Single(Run(rule, Trade(notional: 1_000_000.01m))), new AlertIdComparer());
        Assert.Equal("1000000.01", alert.Evidence["notional"]);
    }

    [Fact]
    public void LateBooking_BreachNearMissAndRedelivery()
    {
        var rule = new LateBookingRule(TimeSpan.FromMinutes(15));

        var alert = Assert.Single(Run(rule, Trade(captureDelay: TimeSpan.FromMinutes(16))));
        Assert.Empty(Run(rule, Trade(captureDelay: TimeSpan.FromMinutes(15))));
        Assert.Equal(alert.AlertId, Assert.Single(Run(rule, Trade(captureDelay: TimeSpan.FromMinutes(16)))).AlertId);
    }

    [Fact]
    public void WashTrade_BreachNearMissAndTheSameAlertFromEitherSide()
    {
        var rule = new WashTradeRule(TimeSpan.FromMinutes(30), 0.005m);
        var buy = Trade("T-1", buy: true, price: 100.00m);
        var sell = Trade("T-2", buy: false, price: 100.40m, minutes: 10);
        var context = new Context();
        context.Trades.AddRange([buy, sell]);

        var fromSell = Assert.Single(Run(rule, sell, context));
        var fromBuy = Assert.Single(Run(rule, buy, context));
        Assert.Equal(fromSell.AlertId, fromBuy.AlertId);
        Assert.Equal(["T-1", "T-2"], fromSell.TradeIds);

        var farPrice = Trade("T-3", buy: false, price: 100.60m, minutes: 10);
        var otherOwner = Trade("T-4", buy: false, price: 100.00m, minutes: 10, owner: "OWNER-2");
        var tooLate = Trade("T-5", buy: false, price: 100.00m, minutes: 31);
        var nearMisses = new Context();
        nearMisses.Trades.AddRange([buy, farPrice, otherOwner, tooLate]);
        Assert.Empty(Run(rule, buy, nearMisses));
    }

    [Fact]
    public void WashTrade_WithAQuantityBand_OnlyOffsettingQuantitiesPair()
    {
        var rule = new WashTradeRule(TimeSpan.FromMinutes(30), 0.005m, 0.05m);
        var buy = Trade("T-1", buy: true, quantity: 10_000m, price: 100.00m);
        var context = new Context();
        context.Trades.AddRange([
            buy,
            Trade("T-2", buy: false, quantity: 9_500m, price: 100.10m, minutes: 5), // 5.0 % smaller: offsetting, at the band's edge
            Trade("T-3", buy: false, quantity: 9_499m, price: 100.10m, minutes: 6), // just outside the band
            Trade("T-4", buy: false, quantity: 2_000m, price: 100.00m, minutes: 7), // a partial exit, not a wash
            Trade("T-5", buy: false, quantity: 10_400m, price: 100.20m, minutes: 8), // 3.8 % larger: offsetting
        ]);

        var alerts = Run(rule, buy, context).ToList();

        Assert.Equal([["T-1", "T-2"], ["T-1", "T-5"]], alerts.Select(a => a.TradeIds.ToArray()).OrderBy(ids => ids[1], StringComparer.Ordinal));
        var edge = alerts.Single(a => a.TradeIds.Contains("T-2"));
        Assert.Equal("9500 / 10000", edge.Evidence["quantities"]);
        Assert.Contains("offsetting quantities (9500 / 10000)", edge.Summary, StringComparison.Ordinal);

        // The same pair from the other side is the same alert, and without the band every round trip pairs.
        var fromSell = Assert.Single(Run(rule, context.Trades[1], context));
        Assert.Equal(edge.AlertId, fromSell.AlertId);
        Assert.Equal(4, Run(new WashTradeRule(TimeSpan.FromMinutes(30), 0.005m), buy, context).Count);
    }

    [Fact]
    public void PositionLimit_BreachNearMissAndReducingTradesAllowed()
    {
        var rule = new PositionLimitRule(new Dictionary<string, decimal> { ["ACC-001"] = 10_000m }, 1_000_000m);

        Assert.Single(Run(rule, Trade(quantity: 101m), new Context { Position = 9_900m }));
        Assert.Empty(Run(rule, Trade(quantity: 100m), new Context { Position = 9_900m }));
        Assert.Empty(Run(rule, Trade(buy: false, quantity: 100m), new Context { Position = 12_000m })); // reduces an excess
    }

    [Fact]
    public void PriceReasonability_FlagsARobustOutlierButNotANormalMove()
    {
        var rule = new PriceReasonabilityRule(lookback: 50, maximumScore: 5m, fallbackBand: 0.10m);
        var context = new Context();
        context.Prices.AddRange([230.0m, 230.5m, 229.8m, 231.0m, 230.2m, 229.5m, 230.8m, 500m]); // one earlier outlier

        var alert = Assert.Single(Run(rule, Trade(price: 240.00m), context));
        Assert.Empty(Run(rule, Trade(price: 231.50m), context));
        Assert.Equal(alert.AlertId, Assert.Single(Run(rule, Trade(price: 240.00m), context)).AlertId);
        Assert.Equal(230.35m, PriceReasonabilityRule.Median([230.0m, 230.5m, 229.8m, 231.0m, 230.2m, 229.5m, 230.8m, 500m]));
    }

    [Fact]
    public void PriceReasonability_FallsBackToTheReferencePriceWithLittleHistory()
    {
        var rule = new PriceReasonabilityRule(lookback: 50, maximumScore: 5m, fallbackBand: 0.10m);

        Assert.Single(Run(rule, Trade(price: 254.00m), new Context { Reference = 230.00m }));
        Assert.Empty(Run(rule, Trade(price: 252.00m), new Context { Reference = 230.00m }));
    }

    private sealed class AlertIdComparer : IEqualityComparer<ComplianceAlert>
    {
        public bool Equals(ComplianceAlert? x, ComplianceAlert? y) => x?.AlertId == y?.AlertId;

        public int GetHashCode(ComplianceAlert obj) => obj.AlertId.GetHashCode(StringComparison.Ordinal);
    }
}
