using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Tests.Capture;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Trading;

public sealed class EconomicsTests
{
    private static readonly FeeSchedule Fees = new(CaptureTestData.Fees);
    private static readonly CommissionSchedule FiveBasisPoints = new("INST-5BP", CommissionBasis.BasisPointsOfGross, 5m, 0m);

    private static EconomicsInput UsEquity(Side side, decimal quantity, decimal price, DateOnly? tradeDate = null) =>
        new(tradeDate ?? new DateOnly(2026, 11, 24), side, quantity, price, PriceType.PerUnit, 1m, Currencies.Usd, AssetClass.Equity, "XNAS", "US", null, FiveBasisPoints, 0m);

    [Fact]
    public void Buy_PaysGrossPlusCommission()
    {
        var economics = TradeEconomicsCalculator.Compute(UsEquity(Side.Buy, 1000m, 187.25m), Fees);

        Assert.Equal(187_250.00m, economics.Gross.Amount);
        Assert.Equal(93.63m, economics.Commission.Amount); // 5 bp of 187,250 = 93.625, half away from zero
        Assert.Empty(economics.Fees);
        Assert.Equal(187_343.63m, economics.Net.Amount);
    }

    [Fact]
    public void Sell_OnAUsExchangeIn2024_PaysSecSection31AndFinraTaf()
    {
        var economics = TradeEconomicsCalculator.Compute(UsEquity(Side.Sell, 1000m, 187.25m, new DateOnly(2024, 6, 3)), Fees);

        // SEC: 187,250 x 27.80 / 1,000,000 = 5.20555 -> 5.21. TAF: 1,000 x 0.000166 = 0.166 -> 0.17.
        Assert.Equal([("FINRA_TAF", 0.17m), ("SEC31", 5.21m)], economics.Fees.Select(f => (f.Code, f.Amount.Amount)).OrderBy(f => f.Code));
        Assert.Equal(187_250.00m - 93.63m - 5.21m - 0.17m, economics.Net.Amount);
    }

    [Fact]
    public void Sell_After14May2025_PaysNoSecFeeBecauseTheRateIsZero()
    {
        var economics = TradeEconomicsCalculator.Compute(UsEquity(Side.Sell, 1000m, 187.25m), Fees);
        Assert.Equal(["FINRA_TAF"], economics.Fees.Select(f => f.Code));
    }

    [Fact]
    public void FinraTaf_IsCappedPerTrade()
    {
        var economics = TradeEconomicsCalculator.Compute(UsEquity(Side.Sell, 100_000m, 10m), Fees);
        Assert.Equal(8.30m, economics.Fees.Single(f => f.Code == "FINRA_TAF").Amount.Amount);
    }

    [Fact]
    public void Buy_OfUkShares_PaysHalfAPercentSdrt()
    {
        var input = new EconomicsInput(new DateOnly(2026, 11, 24), Side.Buy, 1000m, 6.543m, PriceType.PerUnit, 1m, Currencies.Gbp, AssetClass.Equity, "XLON", "GB", 0m, FiveBasisPoints, 0m);
        var economics = TradeEconomicsCalculator.Compute(input, Fees);

        // 0.5% of 6,543.00 = 32.715 -> 32.72; the commission override of zero replaces the schedule.
        Assert.Equal(32.72m, economics.Fees.Single(f => f.Code == "UK_SDRT").Amount.Amount);
        Assert.Equal(0m, economics.Commission.Amount);
        Assert.Equal(6543.00m + 32.72m, economics.Net.Amount);
    }

    [Theory]
    [InlineData("2025-03-31", "300.00")] // 0.3%
    [InlineData("2025-04-01", "400.00")] // 0.4% from 1 April 2025
    public void Buy_OfFrenchShares_PaysTheFttRateInForceOnTheTradeDate(string tradeDate, string expected)
    {
        var input = new EconomicsInput(DateOnly.Parse(tradeDate), Side.Buy, 2000m, 50m, PriceType.PerUnit, 1m, Currencies.Eur, AssetClass.Equity, "XPAR", "FR", null, FiveBasisPoints, 0m);
        Assert.Equal(decimal.Parse(expected), TradeEconomicsCalculator.Compute(input, Fees).Fees.Single(f => f.Code == "FR_FTT").Amount.Amount);
    }

    [Fact]
    public void Sell_OfFrenchShares_PaysNoFtt()
    {
        var input = new EconomicsInput(new DateOnly(2026, 11, 24), Side.Sell, 2000m, 50m, PriceType.PerUnit, 1m, Currencies.Eur, AssetClass.Equity, "XPAR", "FR", null, FiveBasisPoints, 0m);
        Assert.Empty(TradeEconomicsCalculator.Compute(input, Fees).Fees);
    }

    [Fact]
    public void Bond_GrossIsPercentOfParAndAccruedIsAddedForBothSides()
    {
        var buy = new EconomicsInput(new DateOnly(2026, 11, 24), Side.Buy, 1_000_000m, 99.515625m, PriceType.PercentOfPar, 1m, Currencies.Usd, AssetClass.GovernmentBond, Mics.OffExchange, "US", 0m, FiveBasisPoints, 1_167.58m);
        var economics = TradeEconomicsCalculator.Compute(buy, Fees);
        Assert.Equal(995_156.25m, economics.Gross.Amount);
        Assert.Equal(996_323.83m, economics.Net.Amount);

        var sell = TradeEconomicsCalculator.Compute(buy with { Side = Side.Sell }, Fees);
        Assert.Equal(996_323.83m, sell.Net.Amount); // the seller receives the accrued coupon too
    }

    [Fact]
    public void Commission_NeverFallsBelowTheMinimum()
    {
        var schedule = new CommissionSchedule("PB-10BP", CommissionBasis.BasisPointsOfGross, 10m, 25m);
        var economics = TradeEconomicsCalculator.Compute(UsEquity(Side.Buy, 1m, 100m) with { Commission = schedule }, Fees);
        Assert.Equal(25m, economics.Commission.Amount);
    }

    private static Arbitrary<(Side Side, decimal Quantity, decimal Price)> Trades { get; } =
        Gen.Elements(Side.Buy, Side.Sell)
            .SelectMany(side => Gen.Choose(1, 2_000_000).SelectMany(quantity => Gen.Choose(1, 5_000_000).Select(cents => (side, (decimal)quantity, cents / 100m))))
            .ToArbitrary();

    [Fact]
    public void Net_IsAlwaysTheSignedSumOfTheRoundedLines()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Trades, t =>
        {
            var e = TradeEconomicsCalculator.Compute(UsEquity(t.Side, t.Quantity, t.Price, new DateOnly(2024, 6, 3)), Fees);
            var charges = e.Commission.Amount + e.TotalFees.Amount;
            var expected = t.Side == Side.Buy ? e.Gross.Amount + charges : e.Gross.Amount - charges;
            return e.Net.Amount == expected + e.AccruedInterest.Amount && e.Fees.All(f => f.Amount.Amount > 0m);
        }));
    }

    [Fact]
    public void Gross_CommissionAndFees_AreMonotonicInQuantity()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Trades, Gen.Choose(1, 1000).ToArbitrary(), (t, extra) =>
        {
            var smaller = TradeEconomicsCalculator.Compute(UsEquity(t.Side, t.Quantity, t.Price, new DateOnly(2024, 6, 3)), Fees);
            var larger = TradeEconomicsCalculator.Compute(UsEquity(t.Side, t.Quantity + extra, t.Price, new DateOnly(2024, 6, 3)), Fees);
            return larger.Gross.Amount >= smaller.Gross.Amount
                && larger.Commission.Amount >= smaller.Commission.Amount
                && larger.TotalFees.Amount >= smaller.TotalFees.Amount;
        }));
    }
}
