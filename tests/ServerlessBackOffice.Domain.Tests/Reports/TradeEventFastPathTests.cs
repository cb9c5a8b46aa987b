using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// The report builder decodes trade events into its batch (terms, and the trade id and execution timestamp as characters)
/// instead of into a <see cref="TradeEventFact"/>. Whatever it accepts, the reference decoder (the envelope's event type and
/// <see cref="TradeEventDecoder"/> over a <see cref="JsonDocument"/>) must accept with the same values; what it refuses is left
/// to the reference decoder; and every event as the archive writes it is accepted, or the fast path would never be taken.
/// </summary>
public sealed class TradeEventFastPathTests
{
    private static readonly Dictionary<string, EventDecoder> Decoders = EventDecoders.All.ToDictionary(d => d.EventType, StringComparer.Ordinal);
    private static readonly string[] EventTypes = ["TradeCaptured", "TradeAmended", "TradeCancelled"];

    [Fact]
    public void Property_AnyEventAsTheArchiveWritesIt_DecodesToTheReferenceFact()
    {
        Prop.ForAll(Events(damaged: false).ToArbitrary(), sample =>
        {
            var reference = Reference(sample.Json);
            Assert.NotNull(reference);
            Assert.True(TryFast(sample.Json, out var fast, out var tradeId, out var timestamp), sample.Json);
            AssertSame(reference, fast, tradeId, timestamp);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Property_AnyEventWithOddOrMissingFields_DecodesToTheReferenceFact_OrIsLeftToTheReferenceDecoder()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), Prop.ForAll(Events(damaged: true).ToArbitrary(), sample =>
        {
            var reference = Reference(sample.Json);
            if (TryFast(sample.Json, out var fast, out var tradeId, out var timestamp))
            {
                Assert.True(reference is not null, sample.Json);
                AssertSame(reference, fast, tradeId, timestamp);
            }
        }));
    }

    [Fact]
    public void FastPath_WhenItRefusesARecord_LeavesTheBatchTextAsItWas()
    {
        var text = new CharBuffer();
        text.Append("kept".AsSpan());
        const string Json = """{"applicationProperties":{"eventType":"TradeCaptured"},"body":{"eventId":"E","tradeId":"T-1","executionTimestamp":"2026-11-25T10:15:00Z","version":"x"}}""";

        Assert.False(FastRecordReaders.TryReadTradeEvent(Encoding.UTF8.GetBytes(Json), Decoders, text, out _));
        Assert.Equal("kept", new string(text.Chars, 0, text.Length));
    }

    private static void AssertSame(TradeEventFact expected, TradeTerms fast, string tradeId, string timestamp)
    {
        Assert.Equal(TradeTerms.Of(expected), fast);
        Assert.Equal(expected.TradeId, tradeId);
        Assert.Equal(expected.ExecutionTimestamp, timestamp);

        // Equal decimals may differ in scale (1.5 and 1.50), which the reports would print differently.
        decimal[] expectedAmounts = [expected.Quantity, expected.Price, expected.Gross, expected.Commission, expected.Fees, expected.AccruedInterest, expected.Net];
        decimal[] fastAmounts = [fast.Quantity, fast.Price, fast.Gross, fast.Commission, fast.Fees, fast.AccruedInterest, fast.Net];
        Assert.Equal(expectedAmounts.Select(Invariant), fastAmounts.Select(Invariant));
        Assert.Equal(expected.ExecutedAt.Offset, fast.ExecutedAt.Offset);
    }

    private static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool TryFast(string json, out TradeTerms terms, out string tradeId, out string timestamp)
    {
        var text = new CharBuffer();
        text.Append("before".AsSpan());
        var accepted = FastRecordReaders.TryReadTradeEvent(Encoding.UTF8.GetBytes(json), Decoders, text, out var decoded);
        terms = decoded.Terms;
        tradeId = accepted ? new string(text.Chars, decoded.TradeIdStart, decoded.TradeIdLength) : string.Empty;
        timestamp = accepted ? new string(text.Chars, decoded.ExecutionTimestampStart, decoded.ExecutionTimestampLength) : string.Empty;
        return accepted;
    }

    // What DayReportBuilder's reference reader decodes: the event type from applicationProperties, else the subject, then the
    // decoder of that type over the body; null for anything it would list as not understood.
    private static TradeEventFact? Reference(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var envelope = document.RootElement;
            var eventType = envelope.TryGetProperty("applicationProperties", out var properties) ? new EventFields(properties).OptionalText("eventType") : null;
            eventType ??= new EventFields(envelope).OptionalText("subject");
            if (eventType is null || !envelope.TryGetProperty("body", out var body) || !Decoders.TryGetValue(eventType, out var decoder))
            {
                return null;
            }

            return decoder.TryDecode(body, out var fact, out _) ? fact as TradeEventFact : null;
        }
    }

    private sealed record Sample(string Json)
    {
        public override string ToString() => Json;
    }

    // One field of a body: its name and how it is written (a JSON string, a JSON number, or left out).
    private sealed record Field(string Name, object? Value, bool AsNumber = false);

    // An event as the archive writes it; damaged, with up to three fields dropped, emptied, nulled, duplicated or rewritten.
    private static Gen<Sample> Events(bool damaged) =>
        from eventType in Gen.Elements(EventTypes)
        from fields in Fields()
        from damages in damaged ? Gen.Choose(1, 3) : Gen.Constant(0)
        from picks in Gen.ArrayOf(Gen.Choose(0, fields.Length - 1).SelectMany(index => Gen.Choose(0, 12).Select(kind => (index, kind))), damages)
        from bodyFirst in damaged ? Gen.Elements(false, false, true) : Gen.Constant(false)
        from relaxed in Gen.Elements(false, true)
        select new Sample(Envelope(eventType, Damage(fields, picks), bodyFirst, relaxed));

    private static Field[] Damage(Field[] fields, (int Index, int Kind)[] picks)
    {
        var damaged = fields.ToList();
        foreach (var (index, kind) in picks.OrderByDescending(p => p.Index))
        {
            var field = damaged[Math.Min(index, damaged.Count - 1)];
            var text = field.Value as string ?? Convert.ToString(field.Value, CultureInfo.InvariantCulture) ?? string.Empty;
            Field? replacement = kind switch
            {
                0 => null,
                1 => field with { Value = string.Empty, AsNumber = false },
                2 => field with { Value = null, AsNumber = false },
                3 => field with { Value = 5m, AsNumber = true },
                4 => field with { Value = text + " ", AsNumber = false },
                5 => field with { Value = "+" + text, AsNumber = false },
                6 => field with { Value = text + "e1", AsNumber = false },
                7 => field with { Value = "2026-02-30", AsNumber = false },
                8 => field with { Value = "yesterday", AsNumber = false },
                9 => field with { Value = 1.5m, AsNumber = true },
                10 => field with { Value = "Ｘ" + text, AsNumber = false },
                11 => field with { Value = new Field[] { new("amount", null) }, AsNumber = false },
                _ => field,
            };
            var at = damaged.IndexOf(field);
            damaged.RemoveAt(at);
            if (replacement is not null)
            {
                damaged.Insert(at, replacement);
            }

            if (kind == 12)
            {
                damaged.Insert(at, field with { Value = text + "-2", AsNumber = false });
            }
        }

        return [.. damaged];
    }

    private static Gen<Field[]> Fields() =>
        from ids in Gen.ArrayOf(Text(), 2)
        from version in Gen.Choose(-5, int.MaxValue)
        from status in Gen.Elements("Live", "Cancelled", "Amended")
        from book in Gen.Elements("PAR-CASH", "NY-CASH", "LDN, \"B\"")
        from account in Text()
        from side in Gen.Elements("buy", "sell")
        from isin in Gen.Elements("FR0000120271", "US0378331005", "ＦＲ")
        from assetClass in Gen.Elements("Equity", "GovernmentBond", "CorporateBond")
        from mic in Gen.Elements("XPAR", "XNYS", "XOFF")
        from amounts in Gen.ArrayOf(Amount(), 7)
        from priceType in Gen.Elements("perUnit", "percentOfPar")
        from currency in Gen.Elements("EUR", "USD", "GBP")
        from lei in Text()
        from timestamp in Timestamp()
        from dates in Gen.ArrayOf(Date(), 2)
        from feeCount in Gen.Choose(0, 3)
        from fees in Gen.ArrayOf(Amount(), feeCount)
        from feesAbsent in Gen.Elements(false, false, true)
        select Body(ids, version, status, book, account, side, isin, assetClass, mic, amounts, priceType, currency, lei, timestamp, dates, feesAbsent ? null : fees);

    private static Field[] Body(
        string[] ids, int version, string status, string book, string account, string side, string isin, string assetClass, string mic,
        decimal[] amounts, string priceType, string currency, string lei, string timestamp, string[] dates, decimal[]? fees) =>
    [
        new("eventId", ids[0]),
        new("tradeId", ids[1]),
        new("version", version, AsNumber: true),
        new("status", status),
        new("bookId", book),
        new("account", account),
        new("side", side),
        new("isin", isin),
        new("assetClass", assetClass),
        new("mic", mic),
        new("quantity", Invariant(amounts[0])),
        new("price", Invariant(amounts[1])),
        new("priceType", priceType),
        new("currency", currency),
        new("counterpartyLei", lei),
        new("executionTimestamp", timestamp),
        new("tradeDate", dates[0]),
        new("settlementDate", dates[1]),
        new("gross", Invariant(amounts[2])),
        new("commission", Invariant(amounts[3])),
        new("fees", fees?.Select(f => new Field("amount", Invariant(f))).ToArray()),
        new("accruedInterest", Invariant(amounts[4])),
        new("net", Invariant(amounts[5])),
        new("x-extra", Invariant(amounts[6])),
    ];

    // Ids, accounts and LEIs: mostly plain, sometimes with CSV-special, non-ASCII (escaped by the default encoder) characters.
    private static Gen<string> Text() =>
        Gen.Elements("T-1", "P-000123", "529900T8BM49AURSDO55", "a,b", "say \"hi\"", "é-ü", "line\nbreak", "tab\t", "😀", "Q:1:TradeCaptured");

    private static Gen<decimal> Amount() =>
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        from mid in Gen.Elements(0, 0, 0, 3, int.MaxValue)
        from negative in Gen.Elements(false, true)
        from scale in Gen.Choose(0, 12)
        select new decimal(lo & int.MaxValue, mid, 0, negative, (byte)scale);

    private static Gen<string> Date() =>
        Gen.Choose(DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber)
            .Select(day => DateOnly.FromDayNumber(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    // Mostly the archive's form (read digit by digit); sometimes an offset or a space (left to DateTimeOffset.TryParse).
    private static Gen<string> Timestamp() =>
        from ticks in Gen.Choose(0, int.MaxValue).Select(t => DateTime.UnixEpoch.Ticks + ((long)t * 1_000_003L % (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks - TimeSpan.TicksPerDay)))
        from digits in Gen.Choose(0, 7)
        from form in Gen.Choose(0, 5)
        let instant = new DateTime(ticks, DateTimeKind.Utc)
        select form switch
        {
            4 => instant.ToString("yyyy-MM-dd'T'HH:mm:ss'+01:00'", CultureInfo.InvariantCulture),
            5 => instant.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            _ => instant.ToString(digits == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : $"yyyy-MM-dd'T'HH:mm:ss.{new string('f', digits)}'Z'", CultureInfo.InvariantCulture),
        };

    private static string Envelope(string eventType, Field[] body, bool bodyFirst, bool relaxed)
    {
        var options = new JsonWriterOptions { Encoder = relaxed ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            writer.WriteStartObject();
            writer.WriteString("destination", "trade-events");
            writer.WriteString("subject", eventType);
            if (bodyFirst)
            {
                WriteBody(writer, body);
            }

            writer.WriteStartObject("applicationProperties");
            writer.WriteString("eventType", eventType);
            writer.WriteEndObject();
            if (!bodyFirst)
            {
                WriteBody(writer, body);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteBody(Utf8JsonWriter writer, Field[] fields)
    {
        writer.WritePropertyName("body");
        WriteObject(writer, fields);
    }

    private static void WriteObject(Utf8JsonWriter writer, Field[] fields)
    {
        writer.WriteStartObject();
        foreach (var field in fields)
        {
            writer.WritePropertyName(field.Name);
            WriteValue(writer, field);
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, Field field)
    {
        switch (field.Value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Field[] elements:
                writer.WriteStartArray();
                foreach (var element in elements)
                {
                    WriteObject(writer, [element with { Name = "amount" }, new Field("code", "FEE")]);
                }

                writer.WriteEndArray();
                break;
            case decimal amount when field.AsNumber:
                writer.WriteNumberValue(amount);
                break;
            case int number when field.AsNumber:
                writer.WriteNumberValue(number);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(field.Value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
