using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Compliance;

namespace ServerlessBackOffice.Domain.Tests.Compliance;

/// <summary>
/// The hot path of surveillance was rewritten without LINQ sorts and copies (docs/performance.md). These properties hold
/// the rewrite to the straightforward implementations it replaced — kept here as the reference — value for value and digit
/// for digit (equal decimals written with different scales, like 100.5 and 100.50, must come out as they did). The windows
/// Apply returns share an append-only buffer between versions: the properties below also apply trades to older versions
/// again and from several threads at once, and check that every version still holds exactly its own contents.
/// </summary>
public sealed class SurveillanceEquivalenceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Property_MedianAndMadEqualTheSortBasedReference() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => MedianAndMadMatch(seed)).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(1)]
    [InlineData(11)]
    [InlineData(-2026)]
    public void KnownSeeds_MedianAndMadEqualTheReference(int seed) => Assert.True(MedianAndMadMatch(seed));

    [Fact]
    public void Median_OfEqualValuesWithDifferentScales_KeepsTheDigitsAStableSortGives()
    {
        // Ranked 99, 100.50, 100.5, 101, 102: equal values stay in the order listed, and the middle one is the second.
        Assert.Equal("100.5", PriceReasonabilityRule.Median([100.50m, 99m, 100.5m, 101m, 102m]).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("100.50", PriceReasonabilityRule.Median([100.5m, 99m, 100.50m, 101m, 102m]).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Property_ApplyEqualsTheSortAndCopyReference() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => ApplyMatches(seed)).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(3)]
    [InlineData(70)]
    [InlineData(-9)]
    public void KnownSeeds_ApplyEqualsTheReference(int seed) => Assert.True(ApplyMatches(seed));

    [Fact]
    public void Apply_DoesNotChangeTheWindowItWasCalledOn()
    {
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005")
            .Apply(new WindowTrade("T-1", 1, "ACC-1", true, 10m, 100m, Start), ["A1"], WindowLimits.Default);
        var trades = window.Trades.ToList();
        var folded = window.FoldedPositions.ToList();
        var alerts = window.RaisedAlertIds.ToList();

        var next = window.Apply(new WindowTrade("T-2", 1, "ACC-1", false, 4m, 100m, Start.AddDays(8)), ["A2"], WindowLimits.Default);

        Assert.Equal(trades, window.Trades);
        Assert.Equal(folded, window.FoldedPositions);
        Assert.Equal(alerts, window.RaisedAlertIds);
        Assert.Equal(10m, next.FoldedPositions["ACC-1"]);
        Assert.Equal(["A1", "A2"], next.RaisedAlertIds);
    }

    [Fact]
    public void Property_ApplyingToOlderVersionsAgain_KeepsEveryVersionsOwnContents() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => BranchesMatch(seed)).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(5)]
    [InlineData(77)]
    [InlineData(-31)]
    public void KnownSeeds_ApplyingToOlderVersionsAgain_KeepsEveryVersionsOwnContents(int seed) => Assert.True(BranchesMatch(seed));

    [Fact]
    public void Apply_ManyTradesPastTheLimits_EqualsTheReferenceAtEveryStep()
    {
        // Long enough to fill and let go of many chunks of references, fold continuously and grow the data buffer many times.
        var random = new Random(2026);
        var limits = new WindowLimits(TimeSpan.FromMinutes(90), 37, 11);
        var fast = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        var reference = fast;
        var older = new List<(SurveillanceWindow Fast, SurveillanceWindow Reference)>();
        for (var step = 0; step < 400; step++)
        {
            var trade = new WindowTrade($"T-{step - random.Next(0, 3)}", step, $"ACC-{random.Next(0, 4)}", random.Next(2) == 0, random.Next(1, 100), 100m, Start.AddMinutes(step));
            var alertIds = Enumerable.Range(0, random.Next(0, 2)).Select(_ => $"A{random.Next(0, 40)}").ToList();
            fast = fast.Apply(trade, alertIds, limits);
            reference = ReferenceApply(reference, trade, alertIds, limits);
            Assert.True(SameWindow(fast, reference) && SameContext(fast, reference, random), $"step {step}");
            if (step % 50 == 0)
            {
                older.Add((fast, reference));
            }
        }

        Assert.All(older, v => Assert.True(SameWindow(v.Fast, v.Reference)));
    }

    [Fact]
    public void Apply_ToTheSameVersionFromManyThreadsAtOnce_GivesEachThreadItsOwnWindow()
    {
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        for (var i = 0; i < 10; i++)
        {
            window = window.Apply(new WindowTrade($"T-{i}", 1, $"ACC-{i % 3}", i % 2 == 0, 10m + i, 100m, Start.AddMinutes(i)), [$"A{i}"], WindowLimits.Default);
        }

        var before = window.Trades.ToList();
        for (var round = 0; round < 20; round++)
        {
            var results = new SurveillanceWindow[8];
            Parallel.For(0, results.Length, t => results[t] = window.Apply(
                new WindowTrade($"R{round}-{t}", 1, "ACC-1", t % 2 == 0, 1m + t, 100m, Start.AddMinutes(20 + t)), [$"B{round}-{t}"], WindowLimits.Default));

            Assert.Equal(before, window.Trades);
            for (var t = 0; t < results.Length; t++)
            {
                Assert.Equal([.. before, new WindowTrade($"R{round}-{t}", 1, "ACC-1", t % 2 == 0, 1m + t, 100m, Start.AddMinutes(20 + t))], results[t].Trades);
                Assert.Equal([.. window.RaisedAlertIds, $"B{round}-{t}"], results[t].RaisedAlertIds);
                Assert.Equal(window.Position("ACC-1", null) + (t % 2 == 0 ? 1m + t : -(1m + t)), results[t].Position("ACC-1", null));
            }
        }
    }

    [Fact]
    public void Property_WashTradeRuleOnAWindowContextEqualsTheReferenceRule() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => WashTradesMatch(seed)).QuickCheckThrowOnFailure();

    [Fact]
    public void Property_PriceRuleRememberingSetsOfClosesEqualsTheReferenceRule() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => RememberedMediansMatch(seed)).QuickCheckThrowOnFailure();

    [Fact]
    public void PriceRule_OnClosesEqualInValueButNotInDigits_ReportsEachSetsOwnMedian()
    {
        // 100.5 and 100.50 rank alike; the remembered median of one set must not be handed out for the other.
        var rule = new PriceReasonabilityRule(5, 1m, 0.1m);
        decimal[] narrow = [100.5m, 100.5m, 100.5m, 100.4m, 100.6m];
        decimal[] wide = [100.50m, 100.50m, 100.50m, 100.40m, 100.60m];
        var trade = new SurveillanceTrade("T-1", 1, "B", "ACC-1", "OWNER-1", "US0378331005", true, 1m, 120m, "USD", 120m, Start, Start, new DateOnly(2026, 11, 24));
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("100.5", Assert.Single(rule.Evaluate(trade, window.ContextFor(trade, narrow, null))).Evidence["benchmark"]);
            Assert.Equal("100.50", Assert.Single(rule.Evaluate(trade, window.ContextFor(trade, wide, null))).Evidence["benchmark"]);
        }
    }

    [Fact]
    public void Property_EvaluateOrdersAlertsAsTheReference() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => EvaluateMatches(seed)).QuickCheckThrowOnFailure();

    [Fact]
    public void Property_AlertIdsAndTradeIdsEqualTheReference() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            var ids = Enumerable.Range(0, random.Next(0, 5)).Select(_ => $"T-{random.Next(0, 4)}{random.Next(4) switch { 0 => "é", 1 => "\U0001F600", _ => string.Empty }}").ToList();
            var breachKey = random.Next(4) == 0 ? new string('k', random.Next(100, 400)) : "OWNER-1";
            var expectedTrades = ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var expectedId = "AL" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"WashTrade\n{breachKey}\n{string.Join('\n', expectedTrades)}"))[..12]);
            var fromList = ComplianceAlert.Create("WashTrade", breachKey, "High", "s", new Dictionary<string, string>(), ids);
            var fromEnumerable = ComplianceAlert.Create("WashTrade", breachKey, "High", "s", new Dictionary<string, string>(), ids.Select(i => i));
            return fromList.AlertId == expectedId && fromEnumerable.AlertId == expectedId
                && fromList.TradeIds.SequenceEqual(expectedTrades) && fromEnumerable.TradeIds.SequenceEqual(expectedTrades);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void AlertId_OfAKnownBreach_IsUnchanged() =>
        Assert.Equal(
            "AL" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("WashTrade\nOWNER-1\nT-1\nT-2"u8)[..12]),
            ComplianceAlert.Create("WashTrade", "OWNER-1", "High", "s", new Dictionary<string, string>(), ["T-2", "T-1"]).AlertId);

    [Fact]
    public void Property_InForceEqualsTheLinqReference() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => InForceMatches(seed)).QuickCheckThrowOnFailure();

    [Fact]
    public void Property_PriceRuleOnAWindowContextEqualsTheReferenceRule() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => PriceRuleMatches(seed)).QuickCheckThrowOnFailure();

    private static bool MedianAndMadMatch(int seed)
    {
        var random = new Random(seed);
        var prices = Prices(random, random.Next(1, 200));
        for (var i = 0; i < prices.Count; i++)
        {
            // Negative values test the integer keys' sign; a value beyond 64 bits sends the ranking to decimal comparisons.
            prices[i] = random.Next(6) == 0 ? -prices[i] : prices[i];
        }

        if (random.Next(4) == 0)
        {
            prices[random.Next(prices.Count)] = 12_345_678_901_234_567_890.12m;
        }

        var median = ReferenceMedian(prices);
        var mad = ReferenceMedian(prices.Select(p => Math.Abs(p - median)).ToList());
        var (fastMedian, fastMad) = PriceReasonabilityRule.MedianAndMedianAbsoluteDeviation(prices);
        return Same(median, PriceReasonabilityRule.Median(prices)) && Same(median, fastMedian) && Same(mad, fastMad);
    }

    private static bool PriceRuleMatches(int seed)
    {
        var random = new Random(seed);
        var lookback = random.Next(1, 40);
        var closes = Prices(random, random.Next(0, 60)).ToArray();
        var maximumScore = (decimal)random.Next(1, 10);
        var fallbackBand = random.Next(1, 20) / 100m;
        var rule = new PriceReasonabilityRule(lookback, maximumScore, fallbackBand);
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        for (var i = 0; i < 20; i++)
        {
            var price = closes.Length > 0 && random.Next(2) == 0 ? closes[random.Next(closes.Length)] : Prices(random, 1)[0] * (random.Next(2) == 0 ? 1m : 1.3m);
            var trade = new SurveillanceTrade($"T-{i}", 1, "B", "ACC-1", "OWNER-1", "US0378331005", true, 1m, price, "USD", price, Start, Start, new DateOnly(2026, 11, 24));
            var context = window.ContextFor(trade, closes, closes.Length > 0 ? closes[0] : null);
            var expected = ReferencePriceRule(maximumScore, fallbackBand, trade, closes.Take(lookback).ToList(), closes.Length > 0 ? closes[0] : null);
            var actual = rule.Evaluate(trade, context).ToList();
            if (!expected.Select(Describe).SequenceEqual(actual.Select(Describe)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ApplyMatches(int seed)
    {
        var random = new Random(seed);
        var limits = new WindowLimits(TimeSpan.FromMinutes(random.Next(1, 120)), random.Next(0, 12), random.Next(0, 8));
        var accounts = new[] { "ACC-1", "ACC-2", "acc-1" };
        IReadOnlyDictionary<string, decimal> initialPositions = random.Next(3) switch
        {
            0 => new Dictionary<string, decimal>(StringComparer.Ordinal),
            1 => new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase) { ["ACC-1"] = 5m },
            _ => new Dictionary<string, decimal>(StringComparer.Ordinal) { ["ACC-2"] = -3.50m },
        };
        var initialTrades = Enumerable.Range(0, random.Next(0, 4))
            .Select(i => new WindowTrade($"S-{i}", 1, accounts[random.Next(accounts.Length)], random.Next(2) == 0, random.Next(1, 100), 100m, Start.AddMinutes(random.Next(0, 30))))
            .ToList(); // deliberately in any order: Apply must sort a window it did not build
        var fast = random.Next(4) == 0
            ? SurveillanceWindow.Empty("OWNER-1", "US0378331005")
            : new SurveillanceWindow("OWNER-1", "US0378331005", initialTrades, initialPositions, [.. Enumerable.Range(0, random.Next(0, 10)).Select(i => $"A{i}")]);
        var reference = fast;
        for (var step = 0; step < random.Next(1, 60); step++)
        {
            var trade = new WindowTrade($"T-{random.Next(0, 15)}", random.Next(1, 4), accounts[random.Next(accounts.Length)], random.Next(2) == 0,
                random.Next(1, 1_000) / (random.Next(2) == 0 ? 1m : 100m), 100m, Start.AddMinutes(random.Next(0, 240)).AddTicks(random.Next(0, 2)));
            var alertIds = Enumerable.Range(0, random.Next(0, 4)).Select(_ => $"A{random.Next(0, 14)}").ToList();
            fast = fast.Apply(trade, alertIds, limits);
            reference = ReferenceApply(reference, trade, alertIds, limits);
            if (!SameWindow(fast, reference) || !SameContext(fast, reference, random))
            {
                return false;
            }
        }

        return true;
    }

    // Applies each trade to a version chosen at random among all made so far (often the newest, often an older one, which
    // must then copy rather than append in place) and checks after every step that every version still equals its reference.
    private static bool BranchesMatch(int seed)
    {
        var random = new Random(seed);
        var limits = new WindowLimits(TimeSpan.FromMinutes(random.Next(30, 300)), random.Next(3, 20), random.Next(2, 10));
        var accounts = new[] { "ACC-1", "ACC-2", "acc-1" };
        var versions = new List<(SurveillanceWindow Fast, SurveillanceWindow Reference)> { (SurveillanceWindow.Empty("OWNER-1", "US0378331005"), SurveillanceWindow.Empty("OWNER-1", "US0378331005")) };
        var minute = 0;
        for (var step = 0; step < random.Next(1, 80); step++)
        {
            var (fast, reference) = random.Next(3) == 0 ? versions[random.Next(versions.Count)] : versions[^1];
            minute += random.Next(0, 4) == 0 ? -random.Next(0, 10) : random.Next(0, 10); // mostly later, sometimes earlier
            var trade = new WindowTrade($"T-{random.Next(0, 25)}", random.Next(1, 4), new string(accounts[random.Next(accounts.Length)]), random.Next(2) == 0,
                random.Next(1, 1_000) / (random.Next(2) == 0 ? 1m : 100m), 100m, Start.AddMinutes(Math.Max(minute, 0)));
            var alertIds = Enumerable.Range(0, random.Next(0, 3)).Select(_ => $"A{random.Next(0, 12)}").ToList();
            versions.Add((fast.Apply(trade, alertIds, limits), ReferenceApply(reference, trade, alertIds, limits)));
            foreach (var (f, r) in versions)
            {
                if (!SameWindow(f, r) || !SameContext(f, r, random))
                {
                    return false;
                }
            }
        }

        return true;
    }

    // What the rules see through a window's context, against the same window held in plain lists.
    private static bool SameContext(SurveillanceWindow fast, SurveillanceWindow reference, Random random)
    {
        var listed = new SurveillanceWindow(reference.BeneficialOwner, reference.Isin, [.. reference.Trades], reference.FoldedPositions, [.. reference.RaisedAlertIds]);
        var tradeId = $"T-{random.Next(0, 25)}";
        var trade = new SurveillanceTrade(tradeId, 1, "B", "ACC-1", "OWNER-1", "US0378331005", true, 1m, 100m, "USD", 100m, Start, Start, new DateOnly(2026, 11, 24));
        var since = Start.AddMinutes(random.Next(-10, 240));
        var fastContext = fast.ContextFor(trade, [], null);
        var listedContext = listed.ContextFor(trade, [], null);
        var expectedTrades = listed.Trades.Where(t => t.ExecutedAt >= since && t.TradeId != tradeId).ToList();
        return fastContext.RecentWindowTradesOfOwner("OWNER-1", "US0378331005", since).SequenceEqual(expectedTrades)
            && fastContext.RecentTradesOfOwner("OWNER-1", "US0378331005", since).Select(WindowTrade.From).SequenceEqual(expectedTrades)
            && listedContext.RecentWindowTradesOfOwner("OWNER-1", "US0378331005", since).SequenceEqual(expectedTrades)
            && fastContext.RecentWindowTradesOfOwner("OWNER-2", "US0378331005", since).Count == 0
            && new[] { "ACC-1", "ACC-2", "acc-1", "ACC-9" }.All(a => fastContext.PositionBefore(a, "US0378331005") == listedContext.PositionBefore(a, "US0378331005"))
            && Enumerable.Range(0, 25).All(i => fast.AppliedVersion($"T-{i}") == listed.AppliedVersion($"T-{i}"))
            && Enumerable.Range(0, 14).All(i => fast.HasRaised($"A{i}") == listed.RaisedAlertIds.Contains($"A{i}"));
    }

    private static bool WashTradesMatch(int seed)
    {
        var random = new Random(seed);
        var washWindow = TimeSpan.FromMinutes(random.Next(1, 60));
        var priceBand = random.Next(0, 30) / 1000m;
        var rule = new WashTradeRule(washWindow, priceBand);
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        for (var i = 0; i < 40; i++)
        {
            // Trade ids repeat, so some evaluations are of amendments whose earlier version is in the window.
            var executed = Start.AddMinutes(i * random.Next(0, 5) + random.Next(0, 3));
            var trade = new SurveillanceTrade($"T-{random.Next(0, 30)}", 1 + i, "B", $"ACC-{random.Next(0, 3)}", "OWNER-1", "US0378331005", random.Next(2) == 0,
                random.Next(1, 100), 100m + (random.Next(-50, 50) / 100m) * (random.Next(2) == 0 ? 1m : 1.0m), "USD", 100m, executed, executed, new DateOnly(2026, 11, 24));
            var listed = new SurveillanceWindow(window.BeneficialOwner, window.Isin, [.. window.Trades], window.FoldedPositions, [.. window.RaisedAlertIds]);
            var expected = ReferenceWashTrades(washWindow, priceBand, trade, listed.ContextFor(trade, [], null));
            var actual = rule.Evaluate(trade, window.ContextFor(trade, [], null)).ToList();
            if (!expected.Select(Describe).SequenceEqual(actual.Select(Describe)))
            {
                return false;
            }

            window = window.Apply(WindowTrade.From(trade), actual.Select(a => a.AlertId), WindowLimits.Default);
        }

        return true;
    }

    private static bool RememberedMediansMatch(int seed)
    {
        var random = new Random(seed);
        var lookback = random.Next(5, 30);
        var maximumScore = (decimal)random.Next(1, 6);
        var rule = new PriceReasonabilityRule(lookback, maximumScore, 0.1m);
        var sets = Enumerable.Range(0, random.Next(1, 6)).Select(_ => Prices(random, random.Next(5, 40)).ToArray()).ToList();
        // The same values written with more digits: equal in value, different in the digits of their median.
        sets.Add([.. sets[0].Select(p => p * 1.000m)]);
        var window = SurveillanceWindow.Empty("OWNER-1", "US0378331005");
        for (var i = 0; i < 30; i++)
        {
            var closes = sets[random.Next(sets.Count)];
            var price = closes[random.Next(closes.Length)] * (random.Next(3) == 0 ? 1.05m : 1m);
            var trade = new SurveillanceTrade($"T-{i}", 1, "B", "ACC-1", "OWNER-1", "US0378331005", true, 1m, price, "USD", price, Start, Start, new DateOnly(2026, 11, 24));
            var expected = ReferencePriceRule(maximumScore, 0.1m, trade, closes.Take(lookback).ToList(), closes[0]);
            var actual = rule.Evaluate(trade, window.ContextFor(trade, random.Next(2) == 0 ? closes : closes.ToList(), closes[0])).ToList();
            if (!expected.Select(Describe).SequenceEqual(actual.Select(Describe)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool EvaluateMatches(int seed)
    {
        var random = new Random(seed);
        var rules = Enumerable.Range(0, random.Next(0, 8))
            .Select(r => new FixedRule($"R{r}", [.. Enumerable.Range(0, random.Next(0, random.Next(2) == 0 ? 3 : 25)).Select(i => Alert(random.Next(0, 30), r * 100 + i))], random.Next(2) == 0))
            .ToList();
        var trade = new SurveillanceTrade("T-1", 1, "B", "ACC-1", "OWNER-1", "US0378331005", true, 1m, 100m, "USD", 100m, Start, Start, new DateOnly(2026, 11, 24));
        var expected = rules.SelectMany(r => r.Evaluate(trade, null!)).OrderBy(a => a.AlertId, StringComparer.Ordinal).ToList();
        var fromList = Surveillance.Evaluate(trade, null!, rules);
        var fromEnumerable = Surveillance.Evaluate(trade, null!, rules.Select(r => r));
        return expected.SequenceEqual(fromList, ReferenceEqualityComparer.Instance) && expected.SequenceEqual(fromEnumerable, ReferenceEqualityComparer.Instance);
    }

    private static bool InForceMatches(int seed)
    {
        var random = new Random(seed);
        var entries = Enumerable.Range(0, random.Next(0, 8)).Select(i => new EffectiveDated<int>(new DateOnly(2026, 1, 1).AddDays(random.Next(0, 6)), i)).ToList();
        var date = new DateOnly(2026, 1, 1).AddDays(random.Next(-1, 7));
        var expected = entries.Where(e => e.EffectiveFrom <= date).OrderByDescending(e => e.EffectiveFrom).Select(e => e.Value).FirstOrDefault();
        return expected == EffectiveDated.InForce(entries, date) && expected == EffectiveDated.InForce(entries.Select(e => e), date);
    }

    // Prices drawn from few values, each written with one of several scales, so ties and equal values with different digits
    // are common.
    private static List<decimal> Prices(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            var cents = random.Next(9_900, 10_100 + 1) / (random.Next(4) == 0 ? 1 : 10) * (random.Next(4) == 0 ? 1 : 10);
            var extraZeros = random.Next(0, 3);
            return new decimal(cents * (int)Math.Pow(10, extraZeros), 0, 0, false, (byte)(2 + extraZeros));
        })];

    private static bool Same(decimal expected, decimal actual) =>
        expected == actual && expected.ToString(CultureInfo.InvariantCulture) == actual.ToString(CultureInfo.InvariantCulture);

    private static bool SameWindow(SurveillanceWindow fast, SurveillanceWindow reference) =>
        fast.Trades.SequenceEqual(reference.Trades)
        && fast.RaisedAlertIds.SequenceEqual(reference.RaisedAlertIds)
        && Positions(fast).SequenceEqual(Positions(reference))
        && fast.Trades.Select(t => t.Account).Distinct().Concat(["ACC-1", "ACC-2", "acc-1"])
            .All(a => fast.Position(a, null) == reference.Position(a, null) && fast.Position(a, "T-1") == reference.Position(a, "T-1"));

    private static IEnumerable<string> Positions(SurveillanceWindow window) =>
        window.FoldedPositions.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.ToString(CultureInfo.InvariantCulture)}");

    private static string Describe(ComplianceAlert alert) =>
        $"{alert.AlertId}|{alert.Rule}|{alert.Severity}|{alert.Summary}|{string.Join(',', alert.TradeIds)}|{string.Join(',', alert.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"))}";

    private static ComplianceAlert Alert(int key, int serial) =>
        new($"AL{key:D2}", "R", "Low", $"serial {serial}", new Dictionary<string, string>(), ["T-1"]);

    // A rule raising fixed alerts, as a list (which Evaluate may hand back as it is when it is the only alert) or one by one.
    private sealed class FixedRule(string name, IReadOnlyList<ComplianceAlert> alerts, bool asList) : ISurveillanceRule
    {
        public string Name => name;

        public IEnumerable<ComplianceAlert> Evaluate(SurveillanceTrade trade, ISurveillanceContext context) => asList ? alerts.ToList() : OneByOne();

        private IEnumerable<ComplianceAlert> OneByOne()
        {
            foreach (var alert in alerts)
            {
                yield return alert;
            }
        }
    }

    // The implementations the optimised code replaced, as they were.
    private static decimal ReferenceMedian(IReadOnlyList<decimal> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2m;
    }

    private static List<ComplianceAlert> ReferencePriceRule(decimal maximumScore, decimal fallbackBand, SurveillanceTrade trade, List<decimal> prices, decimal? reference)
    {
        var alerts = new List<ComplianceAlert>();
        void Raise(string why, decimal benchmark) => alerts.Add(ComplianceAlert.Create("PriceReasonability", trade.TradeId, "Medium",
            $"Price {trade.Price.ToString(CultureInfo.InvariantCulture)} of {trade.Isin} is an outlier: {why}.",
            new Dictionary<string, string> { ["price"] = trade.Price.ToString(CultureInfo.InvariantCulture), ["benchmark"] = benchmark.ToString(CultureInfo.InvariantCulture) }, [trade.TradeId]));
        if (prices.Count >= 5)
        {
            var median = ReferenceMedian(prices);
            var mad = ReferenceMedian(prices.Select(p => Math.Abs(p - median)).ToList());
            var scale = 1.4826m * mad;
            var score = scale == 0m ? (trade.Price == median ? 0m : decimal.MaxValue) : Math.Abs(trade.Price - median) / scale;
            if (score > maximumScore)
            {
                Raise($"score {(score == decimal.MaxValue ? "∞" : score.ToString("0.0", CultureInfo.InvariantCulture))} against the median {median.ToString(CultureInfo.InvariantCulture)} of {prices.Count} recent prices", median);
            }
        }
        else if (reference is { } r && Math.Abs(trade.Price - r) / r > fallbackBand)
        {
            Raise($"{Math.Abs(trade.Price - r) / r:P1} from the reference price {r.ToString(CultureInfo.InvariantCulture)}", r);
        }

        return alerts;
    }

    private static List<ComplianceAlert> ReferenceWashTrades(TimeSpan window, decimal priceBand, SurveillanceTrade trade, ISurveillanceContext context)
    {
        var alerts = new List<ComplianceAlert>();
        var opposite = context.RecentTradesOfOwner(trade.BeneficialOwner, trade.Isin, trade.ExecutedAt - window)
            .Where(o => o.TradeId != trade.TradeId && o.IsBuy != trade.IsBuy && (o.ExecutedAt - trade.ExecutedAt).Duration() <= window)
            .OrderBy(o => o.TradeId, StringComparer.Ordinal);
        foreach (var other in opposite)
        {
            var relative = Math.Abs(other.Price - trade.Price) / trade.Price;
            if (relative <= priceBand)
            {
                alerts.Add(ComplianceAlert.Create("WashTrade", trade.BeneficialOwner, "High",
                    $"{trade.BeneficialOwner} bought and sold {trade.Isin} within {window.TotalMinutes:0} minutes at prices {relative:P2} apart.",
                    new Dictionary<string, string> { ["owner"] = trade.BeneficialOwner, ["isin"] = trade.Isin, ["prices"] = $"{other.Price.ToString(CultureInfo.InvariantCulture)} / {trade.Price.ToString(CultureInfo.InvariantCulture)}" },
                    [trade.TradeId, other.TradeId]));
            }
        }

        return alerts;
    }

    private static SurveillanceWindow ReferenceApply(SurveillanceWindow window, WindowTrade trade, IEnumerable<string> alertIds, WindowLimits limits)
    {
        var trades = window.Trades.Where(t => !string.Equals(t.TradeId, trade.TradeId, StringComparison.Ordinal)).Append(trade)
            .OrderBy(t => t.ExecutedAt).ThenBy(t => t.TradeId, StringComparer.Ordinal).ToList();
        var folded = new Dictionary<string, decimal>(window.FoldedPositions, StringComparer.Ordinal);
        var newest = trades[^1].ExecutedAt;
        while (trades.Count > 0 && (trades.Count > limits.MaximumTrades || trades[0].ExecutedAt < newest - limits.Retention))
        {
            var oldest = trades[0];
            folded[oldest.Account] = (folded.TryGetValue(oldest.Account, out var sum) ? sum : 0m) + oldest.SignedQuantity;
            trades.RemoveAt(0);
        }

        var raised = window.RaisedAlertIds.Concat(alertIds.Where(id => !window.RaisedAlertIds.Contains(id, StringComparer.Ordinal))).ToList();
        if (raised.Count > limits.MaximumAlertIds)
        {
            raised.RemoveRange(0, raised.Count - limits.MaximumAlertIds);
        }

        return window with { Trades = trades, FoldedPositions = folded, RaisedAlertIds = raised };
    }
}
