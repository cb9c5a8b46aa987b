using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// The report builder reads the archive's execution timestamps digit by digit instead of with DateTimeOffset.TryParse; it
/// must give exactly what TryParse gives, and leave every other text to TryParse.
/// </summary>
public sealed class InstantFastPathTests
{
    private const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    [Fact]
    public void Property_AnyUtcInstantInTheArchivesFormat_ReadsAsTryParseReadsIt()
    {
        var generator =
            from ticks in Gen.Choose(0, int.MaxValue).Select(t => DateTime.UnixEpoch.Ticks + ((long)t * 1_000_003L % (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks)))
            from digits in Gen.Choose(0, 7)
            select (ticks, digits);

        Prop.ForAll(generator.ToArbitrary(), sample =>
        {
            var (ticks, digits) = sample;
            var format = digits == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : $"yyyy-MM-dd'T'HH:mm:ss.{new string('f', digits)}'Z'";
            var text = new DateTime(ticks, DateTimeKind.Utc).ToString(format, CultureInfo.InvariantCulture);

            Assert.True(FastRecordReaders.TryUtcRoundTrip(text, out var fast), text);
            Assert.True(DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out var reference));
            Assert.Equal(reference, fast);
            Assert.Equal(reference.Offset, fast.Offset);
            Assert.Equal(reference.Ticks, fast.Ticks);
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("2026-11-24T15:00:00.0000000Z")]
    [InlineData("2026-11-24T15:00:00Z")]
    [InlineData("2024-02-29T23:59:59.9999999Z")]
    [InlineData("2026-02-29T10:00:00Z")]
    [InlineData("2026-13-01T10:00:00Z")]
    [InlineData("2026-11-24T24:00:00Z")]
    [InlineData("2026-11-24T15:00:60Z")]
    [InlineData("2026-11-24T15:00:00.Z")]
    [InlineData("2026-11-24T15:00:00.00000000Z")]
    [InlineData("2026-11-24T15:00:00+01:00")]
    [InlineData("2026-11-24 15:00:00Z")]
    [InlineData("2026-11-24T15:00:00z")]
    [InlineData("２０２６-11-24T15:00:00Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    public void FastPath_WhenItReadsAText_ReadsWhatTryParseReads_AndOtherwiseLeavesItToTryParse(string text)
    {
        var parsed = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out var reference);

        if (FastRecordReaders.TryUtcRoundTrip(text, out var fast))
        {
            Assert.True(parsed, text);
            Assert.Equal((reference.Ticks, reference.Offset), (fast.Ticks, fast.Offset));
        }
    }
}
