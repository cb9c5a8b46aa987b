using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>The archived form of a journal entry: a known answer, exact round trips, and refusals named.</summary>
public sealed class JournalEntryJsonTests
{
    private static readonly JournalEntry Entry = SampleDay.TradeDate("T-1", 1, "NY-CASH", "US0378331005", 100m, "USD", -18725.00m);

    [Fact]
    public void Serialize_WritesTheKnownBytes()
    {
        Assert.Equal(
            """{"journalId":"T-1:v1:trade-date","book":"NY-CASH","kind":"TradeDate","valueDate":"2026-11-25","tradeId":"T-1","description":"T-1 v1","lines":[{"kind":"PositionPending","owner":"ACC-NY-CASH","asset":"US0378331005","amount":"100"},{"kind":"SettlementDue","owner":"529900T8BM49AURSDO55","asset":"US0378331005","amount":"-100"},{"kind":"CashPending","owner":"ACC-NY-CASH","asset":"USD","amount":"-18725.00"},{"kind":"SettlementDue","owner":"529900T8BM49AURSDO55","asset":"USD","amount":"18725.00"}]}""",
            Encoding.UTF8.GetString(JournalEntryJson.Serialize(Entry)));
    }

    [Fact]
    public void Serialize_IntoAReusedBufferWriter_WritesTheSameBytesForEachEntry()
    {
        var reversal = Entry.Reversal(new DateOnly(2026, 11, 26), "cancelled");
        var buffer = new ArrayBufferWriter<byte>(16);

        JournalEntryJson.Serialize(reversal, buffer);
        Assert.Equal(JournalEntryJson.Serialize(reversal), buffer.WrittenSpan.ToArray());

        buffer.ResetWrittenCount();
        JournalEntryJson.Serialize(Entry, buffer);
        Assert.Equal(JournalEntryJson.Serialize(Entry), buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void RoundTrip_OfAReversalAfterItsDay_KeepsEveryField()
    {
        var reversal = Entry.Reversal(new DateOnly(2026, 11, 26), "cancelled");

        Assert.True(JournalEntryJson.TryDeserialize(JournalEntryJson.Serialize(reversal), out var back, out var problem), problem);

        Assert.Equal(reversal.Lines, back!.Lines);
        Assert.Equal(reversal with { Lines = back.Lines }, back);
        Assert.Equal(new DateOnly(2026, 11, 25), back.OriginalValueDate);
        Assert.Equal("T-1:v1:trade-date", back.Reverses);
    }

    [Fact]
    public void RoundTrip_OfAnyAmounts_IsExactToTheScale()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<decimal>(), ArbMap.Default.ArbFor<int>(), (amount, scale) =>
        {
            var scaled = decimal.Round(amount, Math.Abs(scale % 6)) * 1.000m;
            var entry = Entry with { Lines = [new JournalLine(Entry.Lines[0].Account, scaled), new JournalLine(Entry.Lines[1].Account, -scaled)] };
            var bytes = JournalEntryJson.Serialize(entry);
            return JournalEntryJson.TryDeserialize(bytes, out var back, out _)
                && back!.Lines.Select(l => l.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .SequenceEqual(entry.Lines.Select(l => l.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                && bytes.AsSpan().SequenceEqual(JournalEntryJson.Serialize(back));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("{not json", "not JSON")]
    [InlineData("""{"journalId":"J","book":"B","kind":"Sideways","valueDate":"2026-11-25","tradeId":"T","description":"","lines":[]}""", "unknown entry kind 'Sideways'")]
    [InlineData("""{"journalId":"J","book":"B","kind":"TradeDate","valueDate":"25/11/2026","tradeId":"T","description":"","lines":[]}""", "valueDate '25/11/2026' is not yyyy-MM-dd")]
    [InlineData("""{"journalId":"J","book":"B","kind":"TradeDate","valueDate":"2026-11-25","tradeId":"T","description":"","lines":[{"kind":"Custody","owner":"O","asset":"USD","amount":1.5}]}""", "amount missing or not a non-empty string")]
    [InlineData("""{"book":"B"}""", "journalId missing or not a non-empty string")]
    public void TryDeserialize_WhenTheBytesAreNotAnEntry_SaysWhy(string json, string expected)
    {
        Assert.False(JournalEntryJson.TryDeserialize(Encoding.UTF8.GetBytes(json), out var entry, out var problem));
        Assert.Null(entry);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }
}
