using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Trading;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("US0378331005")] // Apple (the ISO 6166 worked example)
    [InlineData("AU0000XVGZA3")] // Treasury Corporation of Victoria: letters in the NSIN
    [InlineData("GB0002634946")] // BAE Systems
    [InlineData("US912810TV08")] // US Treasury bond 4.75% 2053
    [InlineData("DE000BASF111")]
    public void Isin_WhenCheckDigitIsRight_IsValid(string isin) => Assert.True(Isin.IsValid(isin));

    [Theory]
    [InlineData("US0378331006")] // check digit off by one
    [InlineData("US037833100")] // too short
    [InlineData("us0378331005")] // lower-case country
    [InlineData("US03783310O5")] // letter O in the check position
    [InlineData("")]
    [InlineData(null)]
    public void Isin_WhenMalformedOrCheckDigitWrong_IsInvalid(string? isin) => Assert.False(Isin.IsValid(isin));

    [Theory]
    [InlineData("W22LROWP2IHZNBB6K528")] // Goldman Sachs International
    [InlineData("549300OZ46BRLZ8Y6F65")] // Euroclear Bank
    [InlineData("7LTWFZYICNSX8D621K86")] // Deutsche Bank AG
    public void Lei_WhenMod97RemainderIsOne_IsValid(string lei) => Assert.True(Lei.IsValid(lei));

    [Theory]
    [InlineData("W22LROWP2IHZNBB6K529")]
    [InlineData("W22LROWP2IHZNBB6K52")]
    [InlineData("w22lrowp2ihznbb6k528")]
    [InlineData(null)]
    public void Lei_WhenCheckDigitsWrongOrMalformed_IsInvalid(string? lei) => Assert.False(Lei.IsValid(lei));

    [Fact]
    public void Isin_AnySingleDigitChangeInTheNsin_IsDetected()
    {
        // Luhn detects every single-digit substitution; the property walks positions and replacement digits.
        var valid = "US0378331005";
        var cases = Gen.Choose(2, 10).SelectMany(position => Gen.Choose(0, 9).Select(digit => (position, digit))).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(cases, c =>
        {
            var replacement = (char)('0' + c.digit);
            var changed = string.Concat(valid.AsSpan(0, c.position), replacement.ToString(), valid.AsSpan(c.position + 1));
            return changed == valid || !Isin.IsValid(changed);
        }));
    }

    [Fact]
    public void Lei_AnySingleCharacterSubstitution_IsDetected()
    {
        // ISO 7064 MOD 97-10 detects every substitution of a digit by a digit or a letter by a letter: the change is
        // (a - b) x 10^k or x 100^k with |a - b| < 97, never a multiple of the prime 97. (A digit replaced by a letter
        // shifts the expansion's positions, and that case is not guaranteed.)
        const string valid = "W22LROWP2IHZNBB6K528";
        var cases = Gen.Choose(0, 19).SelectMany(position => Gen.Choose(0, 25).Select(symbol => (position, symbol))).ToArbitrary();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(cases, c =>
        {
            var chars = valid.ToCharArray();
            chars[c.position] = char.IsAsciiDigit(chars[c.position]) ? (char)('0' + (c.symbol % 10)) : (char)('A' + c.symbol);
            var changed = new string(chars);
            return changed == valid || !Lei.IsValid(changed);
        }));
    }

    [Fact]
    public void Currencies_KnowMinorUnitsOfIso4217()
    {
        Assert.True(Currencies.TryGet("JPY", out var yen));
        Assert.Equal(0, yen.MinorUnits);
        Assert.True(Currencies.TryGet("BHD", out var dinar));
        Assert.Equal(3, dinar.MinorUnits);
        Assert.Equal(2, Currencies.Gbp.MinorUnits);
        Assert.False(Currencies.TryGet("XXX", out _));
        Assert.False(Currencies.TryGet("usd", out _));
    }

    [Fact]
    public void Mics_KnowTheVenuesAndOffExchange()
    {
        Assert.True(Mics.IsKnown("XNYS"));
        Assert.True(Mics.IsKnown("XOFF"));
        Assert.False(Mics.IsKnown("NYSE"));
    }
}
