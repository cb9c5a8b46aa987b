using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Trading;
using static ServerlessBackOffice.Domain.Tests.Capture.CaptureTestData;

namespace ServerlessBackOffice.Domain.Tests.Capture;

public sealed class TradeValidatorTests
{
    private static ValidationResult Validate(Func<OmsTradeMessage, OmsTradeMessage>? change = null, DateTimeOffset? now = null, CapturePolicy? policy = null) =>
        TradeValidator.Validate(new MessageBuilder().With(change ?? (m => m)).Build(), Data, policy ?? CapturePolicy.Default, now ?? MessageBuilder.Now);

    private static void AssertRejected(ReasonCode expected, ValidationResult result)
    {
        Assert.Null(result.Trade);
        Assert.Equal(expected, result.Rejection?.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection!.Message));
    }

    [Fact]
    public void Validate_WhenMessageIsValid_EnrichesWithBookSettlementDateAndEconomics()
    {
        var trade = Validate().Trade!;

        Assert.Equal("NY-CASH", trade.BookId);
        Assert.Equal(new DateOnly(2026, 11, 25), trade.SettlementDate);
        Assert.Equal(18_725.00m, trade.Economics.Gross.Amount);
        Assert.Equal(9.36m, trade.Economics.Commission.Amount); // 5 bp of 18,725 = 9.3625
        Assert.Equal(18_734.36m, trade.Economics.Net.Amount);
        Assert.Equal(LifecycleAction.New, trade.Terms.Action);
    }

    [Fact]
    public void Validate_WhenBondTrade_AddsAccruedInterestToSettlementDate()
    {
        var trade = Validate(m => m with { Isin = TreasuryNote2034, Mic = "XOFF", Quantity = "1000000", Price = "99.515625", PriceType = "percentOfPar" }).Trade!;

        // Settles Wednesday 25 November 2026: 10 days of the 181-day period 15 Nov 2026 - 15 May 2027.
        Assert.Equal(new DateOnly(2026, 11, 25), trade.SettlementDate);
        Assert.Equal(decimal.Round(1_000_000m * 0.0425m / 2m * 10m / 181m, 2), trade.Economics.AccruedInterest.Amount);
        Assert.Equal(995_156.25m, trade.Economics.Gross.Amount);
    }

    [Theory]
    [InlineData(null, ReasonCode.UnsupportedSchemaVersion)]
    [InlineData("2", ReasonCode.UnsupportedSchemaVersion)]
    public void Validate_WhenSchemaVersionIsNotOne_RejectsWithUnsupportedSchemaVersion(string? version, ReasonCode code) =>
        AssertRejected(code, Validate(m => m with { SchemaVersion = version }));

    [Fact]
    public void Validate_WhenIsinCheckDigitIsWrong_RejectsWithInvalidIsin() =>
        AssertRejected(ReasonCode.InvalidIsin, Validate(m => m with { Isin = "US0378331006" }));

    [Fact]
    public void Validate_WhenIsinIsValidButUnknown_RejectsWithUnknownInstrument() =>
        AssertRejected(ReasonCode.UnknownInstrument, Validate(m => m with { Isin = "US5949181045" }));

    [Fact]
    public void Validate_WhenLeiCheckDigitsAreWrong_RejectsWithInvalidLei() =>
        AssertRejected(ReasonCode.InvalidLei, Validate(m => m with { CounterpartyLei = "W22LROWP2IHZNBB6K529" }));

    [Fact]
    public void Validate_WhenLeiIsValidButNotACounterparty_RejectsWithUnknownCounterparty() =>
        AssertRejected(ReasonCode.UnknownCounterparty, Validate(m => m with { CounterpartyLei = "549300OZ46BRLZ8Y6F65" }));

    [Fact]
    public void Validate_WhenAccountIsUnknown_RejectsWithUnknownAccount() =>
        AssertRejected(ReasonCode.UnknownAccount, Validate(m => m with { Account = "ACC-XX-999" }));

    [Theory]
    [InlineData("XXXX")]
    [InlineData("XLON")] // a real market, but not where this instrument trades
    public void Validate_WhenMicIsUnknownForTheInstrument_RejectsWithUnknownMarket(string mic) =>
        AssertRejected(ReasonCode.UnknownMarket, Validate(m => m with { Mic = mic }));

    [Theory]
    [InlineData("ABC")]
    [InlineData("EUR")]
    public void Validate_WhenCurrencyIsNotTheInstruments_RejectsWithUnknownCurrency(string currency) =>
        AssertRejected(ReasonCode.UnknownCurrency, Validate(m => m with { Currency = currency }));

    [Theory]
    [InlineData("0")]
    [InlineData("-100")]
    public void Validate_WhenQuantityIsNotPositive_RejectsWithNonPositiveQuantity(string quantity) =>
        AssertRejected(ReasonCode.NonPositiveQuantity, Validate(m => m with { Quantity = quantity }));

    [Fact]
    public void Validate_WhenPriceIsZero_RejectsWithNonPositivePrice() =>
        AssertRejected(ReasonCode.NonPositivePrice, Validate(m => m with { Price = "0.00" }));

    [Theory]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData(" 100")]
    [InlineData("100.")]
    [InlineData("1234567890123456789")]
    public void Validate_WhenQuantityIsNotAPlainDecimalString_RejectsWithInvalidField(string quantity) =>
        AssertRejected(ReasonCode.InvalidField, Validate(m => m with { Quantity = quantity }));

    [Fact]
    public void Validate_WhenPriceTypeDoesNotFitTheInstrument_RejectsWithPriceTypeMismatch() =>
        AssertRejected(ReasonCode.PriceTypeMismatch, Validate(m => m with { PriceType = "percentOfPar" }));

    [Fact]
    public void Validate_WhenRequiredFieldIsMissing_NamesTheField()
    {
        var result = Validate(m => m with { CounterpartyLei = null });
        AssertRejected(ReasonCode.MissingField, result);
        Assert.Contains("counterpartyLei", result.Rejection!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenTradeDateIsTomorrowInNewYork_RejectsWithTradeDateInFuture() =>
        AssertRejected(ReasonCode.TradeDateInFuture, Validate(m => m with { TradeDate = "2026-11-25" }));

    [Fact]
    public void Validate_TradeDateIsTodayInTheBooksZoneNotInUtc()
    {
        // 02:00 UTC on 25 November is still 24 November in New York: a 24 November trade is today, a 25th is future.
        var earlyUtc = new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);
        Assert.NotNull(Validate(now: earlyUtc).Trade);
        AssertRejected(ReasonCode.TradeDateInFuture, Validate(m => m with { TradeDate = "2026-11-25", ExecutionTimestamp = "2026-11-25T01:59:00Z" }, earlyUtc));
    }

    [Fact]
    public void Validate_WhenTradeDateIsMoreThanThirtyDaysOld_RejectsWithTradeDateTooOld()
    {
        AssertRejected(ReasonCode.TradeDateTooOld, Validate(m => m with { TradeDate = "2026-10-23" }));
        Assert.NotNull(Validate(m => m with { TradeDate = "2026-10-26" }).Trade);
    }

    [Fact]
    public void Validate_TheTradeDateWindowIsConfigurable() =>
        AssertRejected(ReasonCode.TradeDateTooOld, Validate(m => m with { TradeDate = "2026-11-20" }, policy: new CapturePolicy(MaximumTradeDateAgeDays: 3)));

    [Fact]
    public void Validate_WhenTradeDateIsAMarketHoliday_RejectsWithTradeDateNotTradingDay() =>
        AssertRejected(ReasonCode.TradeDateNotTradingDay, Validate(m => m with { TradeDate = "2026-11-26" }, new DateTimeOffset(2026, 11, 27, 21, 0, 0, TimeSpan.Zero)));

    [Fact]
    public void Validate_XetraIsClosedOnChristmasEveButT2sSettles()
    {
        var christmasEve = new DateTimeOffset(2026, 12, 24, 17, 0, 0, TimeSpan.Zero);
        AssertRejected(ReasonCode.TradeDateNotTradingDay, Validate(SapBuy("2026-12-24"), christmasEve));

        var trade = Validate(SapBuy("2026-12-23"), christmasEve).Trade!;
        Assert.Equal(new DateOnly(2026, 12, 28), trade.SettlementDate); // 24 Dec counts as a settlement day; 25 Dec does not
    }

    [Fact]
    public void Validate_WhenSettlementOverrideIsASettlementHoliday_RejectsWithInvalidSettlementDate() =>
        AssertRejected(ReasonCode.InvalidSettlementDate, Validate(m => m with { SettlementDate = "2026-11-26" }));

    [Fact]
    public void Validate_SettlementOverrideOnASettlementDay_IsKept() =>
        Assert.Equal(new DateOnly(2026, 11, 30), Validate(m => m with { SettlementDate = "2026-11-30" }).Trade!.SettlementDate);

    [Fact]
    public void Validate_WhenNewCarriesAVersionOtherThanOne_RejectsWithInvalidField() =>
        AssertRejected(ReasonCode.InvalidField, Validate(m => m with { Version = 2 }));

    [Fact]
    public void Validate_CommissionOverrideReplacesTheSchedule() =>
        Assert.Equal(1.50m, Validate(m => m with { Commission = "1.50" }).Trade!.Economics.Commission.Amount);

    [Fact]
    public void Validate_FrenchPurchase_CarriesFtt()
    {
        var trade = Validate(m => m with { Isin = TotalEnergies, Mic = "XPAR", Currency = "EUR", Account = "ACC-EU-001", Quantity = "1000", Price = "55.20" }).Trade!;
        Assert.Equal(220.80m, trade.Economics.Fees.Single(f => f.Code == "FR_FTT").Amount.Amount);
        Assert.Equal(new DateOnly(2026, 11, 26), trade.SettlementDate); // T+2 on T2S
    }

    private static Func<OmsTradeMessage, OmsTradeMessage> SapBuy(string tradeDate) =>
        m => m with { Isin = Sap, Mic = "XETR", Currency = "EUR", Account = "ACC-EU-001", TradeDate = tradeDate, Price = "180.10" };
}
