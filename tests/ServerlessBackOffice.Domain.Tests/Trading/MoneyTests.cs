using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Trading;

public sealed class MoneyTests
{
    private static Arbitrary<decimal> Amounts { get; } =
        Gen.Choose(-1_000_000, 1_000_000).SelectMany(whole => Gen.Choose(0, 999_999).Select(fraction => whole + (fraction / 1_000_000m))).ToArbitrary();

    [Theory]
    [InlineData("2.345", "USD", "2.35")]
    [InlineData("-2.345", "USD", "-2.35")]
    [InlineData("2.344999", "USD", "2.34")]
    [InlineData("100.5", "JPY", "101")]
    [InlineData("1.2345", "BHD", "1.235")]
    [InlineData("0.005", "EUR", "0.01")]
    public void ToMinorUnits_RoundsHalfAwayFromZero(string amount, string currency, string expected)
    {
        Assert.True(Currencies.TryGet(currency, out var ccy));
        Assert.Equal(decimal.Parse(expected), MoneyRounding.ToMinorUnits(decimal.Parse(amount), ccy));
    }

    [Fact]
    public void ToMinorUnits_IsWithinHalfAMinorUnit_Idempotent_AndSymmetric()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Amounts, amount =>
        {
            var rounded = MoneyRounding.ToMinorUnits(amount, Currencies.Usd);
            return Math.Abs(rounded - amount) <= 0.005m
                && MoneyRounding.ToMinorUnits(rounded, Currencies.Usd) == rounded
                && MoneyRounding.ToMinorUnits(-amount, Currencies.Usd) == -rounded
                && decimal.Round(rounded, 2) == rounded;
        }));
    }

    [Fact]
    public void ToMinorUnits_IsMonotonic()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Amounts, Amounts, (a, b) =>
        {
            var (low, high) = a <= b ? (a, b) : (b, a);
            return MoneyRounding.ToMinorUnits(low, Currencies.Eur) <= MoneyRounding.ToMinorUnits(high, Currencies.Eur);
        }));
    }

    [Fact]
    public void Add_AcrossCurrencies_IsABug()
    {
        Assert.Throws<InvalidOperationException>(() => Money.Round(1m, Currencies.Usd) + Money.Round(1m, Currencies.Eur));
    }
}
