using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// The report builder reads the archive's amounts and dates digit by digit, and interns repeated strings by their UTF-8 bytes;
/// each must give exactly what the reference (decimal.TryParse, DateOnly.TryParseExact, Encoding.UTF8) gives — the same value,
/// the same decimal scale, the same acceptance — or the reports of the fast and the reference readers would differ.
/// </summary>
public sealed class ScalarFastPathTests
{
    private const NumberStyles AmountStyles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    [Fact]
    public void Property_AnyDecimalAsTheArchiveWritesIt_ReadsAsTryParseReadsIt()
    {
        var generator =
            from lo in Gen.Choose(int.MinValue, int.MaxValue)
            from mid in Gen.Choose(int.MinValue, int.MaxValue)
            from hi in Gen.Elements(0, 0, 0, 1, 7, int.MaxValue)
            from negative in Gen.Elements(false, true)
            from scale in Gen.Choose(0, 28)
            from small in Gen.Elements(true, false)
            select small ? new decimal(lo & 0xFFFFF, 0, 0, negative, (byte)(scale % 8)) : new decimal(lo, mid, hi, negative, (byte)scale);

        Prop.ForAll(generator.ToArbitrary(), value =>
        {
            var text = value.ToString(CultureInfo.InvariantCulture);
            AssertReadsAsTryParse(text);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Property_AnyShortTextOfDigitsSignsAndPoints_ReadsAsTryParseReadsIt()
    {
        var generator = Gen.ArrayOf(Gen.Elements('0', '1', '5', '9', '.', '-', '+', 'e', ' ', ','))
            .Select(chars => new string(chars));

        Prop.ForAll(generator.ToArbitrary(), AssertReadsAsTryParse).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.00")]
    [InlineData("0.00")]
    [InlineData("007.50")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("-.5")]
    [InlineData("+1.5")]
    [InlineData("1..5")]
    [InlineData("999999999999999999")]
    [InlineData("9999999999999999999")]
    [InlineData("0.000000000000000001")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("123.4500")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1e5")]
    [InlineData(" 1")]
    [InlineData("１")]
    public void Amount_Edges_ReadAsTryParseReadsThem(string text) => AssertReadsAsTryParse(text);

    [Fact]
    public void Property_AnyDate_ReadsAsTryParseExactReadsIt()
    {
        Prop.ForAll(Gen.Choose(0, DateOnly.MaxValue.DayNumber).ToArbitrary(), dayNumber =>
        {
            AssertDateReadsAsTryParseExact(DateOnly.FromDayNumber(dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("2026-11-24")]
    [InlineData("2024-02-29")]
    [InlineData("2026-02-29")]
    [InlineData("2026-13-01")]
    [InlineData("2026-00-10")]
    [InlineData("2026-11-00")]
    [InlineData("2026-11-31")]
    [InlineData("0000-01-01")]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    [InlineData("2026/11/24")]
    [InlineData("2026-1-024")]
    [InlineData("26-11-2024")]
    [InlineData("２０２６-11-24")]
    [InlineData("2026-11-24T")]
    [InlineData("")]
    public void Date_Edges_ReadAsTryParseExactReadsThem(string text) => AssertDateReadsAsTryParseExact(text);

    [Fact]
    public void Intern_ManyDistinctValuesSharingSlots_EachReadsBackAsItsOwnText()
    {
        // More distinct values than the cache has slots, each asked for twice in a row and again later: a value that lost
        // its slot to another is made again, never confused with the other.
        var values = Enumerable.Range(0, 20_000).Select(i => $"ACC-{i:D6}").Concat(["é-ISIN", "x", new string('z', 200)]).ToArray();
        for (var round = 0; round < 2; round++)
        {
            foreach (var value in values)
            {
                Assert.True(Utf8Strings.TryIntern(Encoding.UTF8.GetBytes(value), out var first));
                Assert.True(Utf8Strings.TryIntern(Encoding.UTF8.GetBytes(value), out var second));
                Assert.Equal(value, first);
                Assert.Equal(value, second);
                if (value.Length <= 128)
                {
                    // Asked twice in a row, a short value comes from the cache (a long one, an id, is made each time).
                    Assert.Same(first, second);
                }
            }
        }
    }

    [Fact]
    public void Intern_InvalidUtf8_IsRefused()
    {
        Assert.False(Utf8Strings.TryIntern([0x41, 0xC3], out _));
        Assert.False(Utf8Strings.TryIntern([0xFF, 0x41], out _));
    }

    private static void AssertReadsAsTryParse(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var parsed = decimal.TryParse(text, AmountStyles, CultureInfo.InvariantCulture, out var reference);
        var fast = FastRecordReaders.TryParseAmount(utf8, out var value);
        Assert.Equal(parsed, fast);
        if (parsed)
        {
            Assert.Equal(decimal.GetBits(reference), decimal.GetBits(value));
        }
    }

    private static void AssertDateReadsAsTryParseExact(string text)
    {
        var parsed = DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var reference);
        var fast = FastRecordReaders.TryParseDate(Encoding.UTF8.GetBytes(text), out var value);
        Assert.Equal(parsed, fast);
        Assert.Equal(reference, value);
    }
}
