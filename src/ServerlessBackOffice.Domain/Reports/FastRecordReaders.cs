using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// A journal entry as the reports fold it: what <see cref="JournalEntryJson.TryDeserialize"/> reads, without the rest. Its ids
/// are characters in the batch's text and its lines a run of the batch's lines, so a decoded entry is no object of its own.
/// </summary>
internal struct DecodedJournalEntry
{
    public string Book;
    public int JournalIdStart;
    public int JournalIdLength;
    public int TradeIdStart;
    public int TradeIdLength;
    public int LinesStart;
    public int LinesCount;
    public bool IsBalanced;
}

/// <summary>One line of a <see cref="DecodedJournalEntry"/>.</summary>
internal readonly record struct DecodedJournalLine(string Book, AccountKind Kind, string Owner, string Asset, decimal Amount);

/// <summary>
/// A trade version's terms as the reports fold them: a <see cref="TradeEventFact"/> without its event id, trade id and
/// execution timestamp text. Its strings are the interned ones the readers share, so the terms are no object of their own.
/// </summary>
internal readonly record struct TradeTerms(
    string EventType,
    long Version,
    string Status,
    string BookId,
    string Account,
    string Side,
    string Isin,
    string AssetClass,
    string Mic,
    decimal Quantity,
    decimal Price,
    string PriceType,
    string Currency,
    string CounterpartyLei,
    DateTimeOffset ExecutedAt,
    DateOnly TradeDate,
    DateOnly SettlementDate,
    decimal Gross,
    decimal Commission,
    decimal Fees,
    decimal AccruedInterest,
    decimal Net)
{
    /// <summary>Whether this version cancels the trade (<see cref="TradeEventFact.IsCancellation"/>).</summary>
    public bool IsCancellation => EventType == "TradeCancelled" || Status == "Cancelled";

    /// <summary>The terms of a fact the reference reader decoded.</summary>
    public static TradeTerms Of(TradeEventFact e) => new(
        e.EventType, e.Version, e.Status, e.BookId, e.Account, e.Side, e.Isin, e.AssetClass, e.Mic, e.Quantity, e.Price, e.PriceType, e.Currency,
        e.CounterpartyLei, e.ExecutedAt, e.TradeDate, e.SettlementDate, e.Gross, e.Commission, e.Fees, e.AccruedInterest, e.Net);
}

/// <summary>
/// A trade event as the reports fold it: its terms, and its trade id and execution timestamp as characters in the batch's
/// text (the journal entries' treatment), so decoding a million events makes no object and no string per event.
/// </summary>
internal struct DecodedTradeEvent
{
    public TradeTerms Terms;
    public int TradeIdStart;
    public int TradeIdLength;
    public int ExecutionTimestampStart;
    public int ExecutionTimestampLength;
}

/// <summary>
/// Single-pass <see cref="Utf8JsonReader"/> readers for the three record kinds a day holds a million of each (journal
/// entries, trade events, OMS replies). Each accepts a record only when the reference reader (<see cref="JournalEntryJson"/>,
/// the event envelope and <see cref="TradeEventDecoder"/>, the OMS reply fields) would accept it and would read the same
/// values; anything else — a missing or malformed field, a duplicate property, an escaped name, a number where a string is
/// expected — returns null, and the builder reads that record with the reference reader, which names the problem. So the
/// reports are the same bytes either way. Repeated strings (books, accounts, ISINs, currencies) are interned per thread.
/// </summary>
internal static class FastRecordReaders
{
    private const NumberStyles AmountStyles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    private static readonly NameTable JournalFields = new("journalId", "book", "kind", "valueDate", "tradeId", "description", "lines", "reverses", "originalValueDate");
    private static readonly NameTable LineFields = new("book", "kind", "owner", "asset", "amount");
    private static readonly NameTable EnvelopeFields = new("applicationProperties", "subject", "body");
    private static readonly NameTable TradeFields = new(
        "eventId", "tradeId", "version", "status", "bookId", "account", "side", "isin", "assetClass", "mic", "quantity", "price", "priceType",
        "currency", "counterpartyLei", "executionTimestamp", "tradeDate", "settlementDate", "gross", "commission", "fees", "accruedInterest", "net");

    // Per-thread scratch, so a record costs no allocation beyond what it yields.
    [ThreadStatic]
    private static string?[]? t_texts;

    [ThreadStatic]
    private static List<(string? Book, AccountKind Kind, string Owner, string Asset, decimal Amount)>? t_lines;

    private static readonly NameTable EntryKinds = new(Enum.GetNames<EntryKind>());
    private static readonly NameTable AccountKinds = new(Enum.GetNames<AccountKind>());

    /// <summary>
    /// Reads a journal entry, its ids appended to <paramref name="text"/> and its lines to <paramref name="lines"/>; or returns
    /// false, with both as they were, for the reference reader to read.
    /// </summary>
    public static bool TryReadJournalEntry(ReadOnlySpan<byte> content, CharBuffer text, List<DecodedJournalLine> lines, out DecodedJournalEntry entry)
    {
        var textLength = text.Length;
        var linesCount = lines.Count;
        if (TryReadJournalEntryCore(content, text, lines, out entry))
        {
            return true;
        }

        text.Truncate(textLength);
        lines.RemoveRange(linesCount, lines.Count - linesCount);
        return false;
    }

    private static bool TryReadJournalEntryCore(ReadOnlySpan<byte> content, CharBuffer text, List<DecodedJournalLine> decodedLines, out DecodedJournalEntry entry)
    {
        entry = default;
        try
        {
            var r = new Utf8JsonReader(content);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? book = null;
            int journalIdStart = -1, journalIdLength = 0, tradeIdStart = -1, tradeIdLength = 0;
            List<(string? Book, AccountKind Kind, string Owner, string Asset, decimal Amount)>? lines = null;
            var scratch = t_lines ??= new(16);
            var seen = 0;
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                var field = FieldOf(ref r, JournalFields, ref seen);
                switch (field)
                {
                    case Duplicate:
                        return false;
                    case Unknown:
                        r.Skip();
                        continue;
                }

                r.Read();
                switch (field)
                {
                    case 0 when TryAppendText(ref r, text, out journalIdStart, out journalIdLength):
                        break;
                    case 1 when TryText(ref r, intern: true, out var value):
                        book = value;
                        break;
                    case 2 when r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && EntryKinds.Find(r.ValueSpan) >= 0:
                    case 3 when IsDate(ref r):
                    case 5 when r.TokenType == JsonTokenType.String:
                    case 7 when r.TokenType == JsonTokenType.String:
                    case 8 when IsDate(ref r):
                        break;
                    case 4 when TryAppendText(ref r, text, out tradeIdStart, out tradeIdLength):
                        break;
                    case 6 when r.TokenType == JsonTokenType.StartArray:
                        lines = ReadLines(ref r, scratch);
                        if (lines is null)
                        {
                            return false;
                        }

                        break;
                    default:
                        return false;
                }
            }

            // journalId, book, kind, valueDate, tradeId, description and lines are required.
            if ((seen & 0b1111111) != 0b1111111 || journalIdStart < 0 || book is null || tradeIdStart < 0 || lines is null)
            {
                return false;
            }

            var linesStart = decodedLines.Count;
            foreach (var (lineBook, kind, owner, asset, amount) in lines)
            {
                decodedLines.Add(new DecodedJournalLine(lineBook ?? book, kind, owner, asset, amount));
            }

            entry = new DecodedJournalEntry
            {
                Book = book,
                JournalIdStart = journalIdStart,
                JournalIdLength = journalIdLength,
                TradeIdStart = tradeIdStart,
                TradeIdLength = tradeIdLength,
                LinesStart = linesStart,
                LinesCount = lines.Count,
                IsBalanced = IsBalanced(CollectionsMarshal.AsSpan(decodedLines).Slice(linesStart, lines.Count)),
            };
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a TradeCaptured, TradeAmended or TradeCancelled envelope whose decoder is the standard <see cref="TradeEventDecoder"/>,
    /// its trade id and execution timestamp appended to <paramref name="text"/>; or returns false, with the text as it was, for
    /// the reference reader to read.
    /// </summary>
    public static bool TryReadTradeEvent(ReadOnlySpan<byte> content, IReadOnlyDictionary<string, EventDecoder> decoders, CharBuffer text, out DecodedTradeEvent trade)
    {
        var textLength = text.Length;
        if (TryReadTradeEventCore(content, decoders, text, out trade))
        {
            return true;
        }

        text.Truncate(textLength);
        trade = default;
        return false;
    }

    private static bool TryReadTradeEventCore(ReadOnlySpan<byte> content, IReadOnlyDictionary<string, EventDecoder> decoders, CharBuffer text, out DecodedTradeEvent trade)
    {
        trade = default;
        try
        {
            var r = new Utf8JsonReader(content);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? fromProperties = null, subject = null;
            var bodyStart = -1L;
            var bodyEnd = -1L;
            var decoded = false;
            var seen = 0;
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                var field = FieldOf(ref r, EnvelopeFields, ref seen);
                switch (field)
                {
                    case Duplicate:
                        return false;
                    case Unknown:
                        r.Skip();
                        continue;
                }

                r.Read();
                switch (field)
                {
                    case 0 when r.TokenType == JsonTokenType.StartObject:
                        if (!TryReadEventType(ref r, out fromProperties))
                        {
                            return false;
                        }

                        break;
                    case 1:
                        subject = OptionalText(ref r);
                        break;
                    case 2 when r.TokenType == JsonTokenType.StartObject:
                        // The body is decoded inline when the event type is already final (applicationProperties came first,
                        // as the archive writes envelopes); otherwise it is read again once the whole envelope is known.
                        if (fromProperties is not null)
                        {
                            if (DecoderFor(fromProperties, decoders) is not { } known || !TryReadTradeBody(ref r, known.EventType, text, out trade))
                            {
                                return false;
                            }

                            decoded = true;
                        }
                        else
                        {
                            bodyStart = r.TokenStartIndex;
                            r.Skip();
                            bodyEnd = r.BytesConsumed;
                        }

                        break;
                    default:
                        return false;
                }
            }

            if ((seen & 0b100) == 0)
            {
                return false;
            }

            var eventType = fromProperties ?? subject;
            if (eventType is null || DecoderFor(eventType, decoders) is not { } decoder)
            {
                return false;
            }

            if (!decoded)
            {
                var body = new Utf8JsonReader(content[(int)bodyStart..(int)bodyEnd]);
                body.Read();
                return TryReadTradeBody(ref body, decoder.EventType, text, out trade);
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads an OMS reply's outcome when it is one the reports only count (not rejected, dead-lettered or stale, whose
    /// details the reference reader lists), or returns null.
    /// </summary>
    public static string? TryReadOmsReplyOutcome(ReadOnlySpan<byte> content)
    {
        try
        {
            var r = new Utf8JsonReader(content);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? outcome = null;
            var bodySeen = false;
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                if (r.ValueIsEscaped)
                {
                    return null;
                }

                if (!r.ValueTextEquals("body"u8))
                {
                    r.Skip();
                    continue;
                }

                r.Read();
                if (bodySeen || r.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                bodySeen = true;
                var outcomeSeen = false;
                while (r.Read() && r.TokenType != JsonTokenType.EndObject)
                {
                    if (r.ValueIsEscaped)
                    {
                        return null;
                    }

                    if (!r.ValueTextEquals("outcome"u8))
                    {
                        r.Skip();
                        continue;
                    }

                    r.Read();
                    if (outcomeSeen || !TryText(ref r, intern: true, out var text))
                    {
                        return null;
                    }

                    outcomeSeen = true;
                    outcome = text;
                }
            }

            return bodySeen && outcome is not null and not ("rejected" or "deadLettered" or "stale") ? outcome : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TradeEventDecoder? DecoderFor(string eventType, IReadOnlyDictionary<string, EventDecoder> decoders) =>
        decoders.TryGetValue(eventType, out var decoder) ? decoder as TradeEventDecoder : null;

    // applicationProperties.eventType: a non-empty string, or null (then the subject names the event).
    private static bool TryReadEventType(ref Utf8JsonReader r, out string? eventType)
    {
        eventType = null;
        var seen = false;
        while (r.Read() && r.TokenType != JsonTokenType.EndObject)
        {
            if (r.ValueIsEscaped)
            {
                return false;
            }

            if (!r.ValueTextEquals("eventType"u8))
            {
                r.Skip();
                continue;
            }

            if (seen)
            {
                return false;
            }

            seen = true;
            r.Read();
            eventType = OptionalText(ref r);
        }

        return true;
    }

    // The body's fields; the trade id and the execution timestamp are appended to text (the caller truncates it on false).
    private static bool TryReadTradeBody(ref Utf8JsonReader r, string eventType, CharBuffer text, out DecodedTradeEvent trade)
    {
        trade = default;
        int tradeIdStart = -1, tradeIdLength = 0, timestampStart = -1, timestampLength = 0;
        var texts = t_texts ??= new string?[16];
        Array.Clear(texts);
        long version = 0;
        Span<decimal> amounts = stackalloc decimal[6];
        DateOnly tradeDate = default, settlementDate = default;
        DateTimeOffset executedAt = default;
        var fees = 0m;
        var seen = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndObject)
        {
            var field = FieldOf(ref r, TradeFields, ref seen);
            switch (field)
            {
                case Duplicate:
                    return false;
                case Unknown:
                    r.Skip();
                    continue;
            }

            r.Read();
            switch (field)
            {
                case 0 when IsText(ref r):
                    break;
                case 1 when TryAppendText(ref r, text, out tradeIdStart, out tradeIdLength):
                    break;
                case >= 3 and <= 9 when TryText(ref r, intern: true, out var value):
                    texts[field] = value;
                    break;
                case >= 12 and <= 14 when TryText(ref r, intern: true, out var value):
                    texts[field] = value;
                    break;
                case 15 when TryAppendText(ref r, text, out timestampStart, out timestampLength)
                    && TryInstant(text.Chars.AsSpan(timestampStart, timestampLength), out executedAt):
                    break;
                case 2 when r.TokenType == JsonTokenType.Number && r.TryGetInt64(out version):
                    break;
                case 10 or 11 when TryAmount(ref r, out amounts[field - 10]):
                    break;
                case 18 or 19 when TryAmount(ref r, out amounts[field - 16]):
                    break;
                case 21 or 22 when TryAmount(ref r, out amounts[field - 17]):
                    break;
                case 16 when TryDate(ref r, out tradeDate):
                    break;
                case 17 when TryDate(ref r, out settlementDate):
                    break;
                case 20:
                    if (!TrySumFees(ref r, out fees))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        // Every field but fees is required.
        const int required = ((1 << 23) - 1) & ~(1 << 20);
        if ((seen & required) != required)
        {
            return false;
        }

        trade = new DecodedTradeEvent
        {
            Terms = new TradeTerms(
                eventType, version, texts[3]!, texts[4]!, texts[5]!, texts[6]!, texts[7]!, texts[8]!, texts[9]!, amounts[0], amounts[1], texts[12]!,
                texts[13]!, texts[14]!, executedAt, tradeDate, settlementDate, amounts[2], amounts[3], fees, amounts[4], amounts[5]),
            TradeIdStart = tradeIdStart,
            TradeIdLength = tradeIdLength,
            ExecutionTimestampStart = timestampStart,
            ExecutionTimestampLength = timestampLength,
        };
        return true;
    }

    // EventFields.SumOf("fees", "amount"): 0 when absent or not an array; every element an object with a decimal amount.
    private static bool TrySumFees(ref Utf8JsonReader r, out decimal sum)
    {
        sum = 0m;
        if (r.TokenType != JsonTokenType.StartArray)
        {
            r.Skip();
            return true;
        }

        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            decimal? amount = null;
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                if (r.ValueIsEscaped)
                {
                    return false;
                }

                if (!r.ValueTextEquals("amount"u8))
                {
                    r.Skip();
                    continue;
                }

                r.Read();
                if (amount is not null || !TryAmount(ref r, out var value))
                {
                    return false;
                }

                amount = value;
            }

            if (amount is null)
            {
                return false;
            }

            sum += amount.Value;
        }

        return true;
    }

    private static List<(string? Book, AccountKind Kind, string Owner, string Asset, decimal Amount)>? ReadLines(
        ref Utf8JsonReader r, List<(string? Book, AccountKind Kind, string Owner, string Asset, decimal Amount)> lines)
    {
        lines.Clear();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? book = null, owner = null, asset = null;
            var kind = -1;
            var amount = 0m;
            var seen = 0;
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                var field = FieldOf(ref r, LineFields, ref seen);
                switch (field)
                {
                    case Duplicate:
                        return null;
                    case Unknown:
                        r.Skip();
                        continue;
                }

                r.Read();
                switch (field)
                {
                    case 0 when TryText(ref r, intern: true, out var text):
                        book = text;
                        break;
                    case 1 when r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && (kind = AccountKinds.Find(r.ValueSpan)) >= 0:
                        break;
                    case 2 when TryText(ref r, intern: true, out var text):
                        owner = text;
                        break;
                    case 3 when TryText(ref r, intern: true, out var text):
                        asset = text;
                        break;
                    case 4 when TryAmount(ref r, out amount):
                        break;
                    default:
                        return null;
                }
            }

            if (kind < 0 || owner is null || asset is null || (seen & 0b10000) == 0)
            {
                return null;
            }

            lines.Add((book, (AccountKind)kind, owner, asset, amount));
        }

        return lines;
    }

    // JournalEntry.IsBalanced, on the decoded lines: per asset (ordinal), the amounts sum to zero.
    private static bool IsBalanced(ReadOnlySpan<DecodedJournalLine> lines)
    {
        Span<bool> seen = lines.Length <= 64 ? stackalloc bool[lines.Length] : new bool[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            if (seen[i])
            {
                continue;
            }

            var asset = lines[i].Asset;
            var sum = 0m;
            for (var j = i; j < lines.Length; j++)
            {
                if (!seen[j] && string.Equals(lines[j].Asset, asset, StringComparison.Ordinal))
                {
                    sum += lines[j].Amount;
                    seen[j] = true;
                }
            }

            if (sum != 0m)
            {
                return false;
            }
        }

        return true;
    }

    private const int Unknown = -1;
    private const int Duplicate = -2;

    // The index of the property the reader is on, Unknown, or Duplicate (also for an escaped name, which the reference reader
    // would unescape: left to it).
    private static int FieldOf(ref Utf8JsonReader r, NameTable names, ref int seen)
    {
        if (r.ValueIsEscaped)
        {
            return Duplicate;
        }

        var field = names.Find(r.ValueSpan);
        if (field < 0)
        {
            return Unknown;
        }

        if ((seen & (1 << field)) != 0)
        {
            return Duplicate;
        }

        seen |= 1 << field;
        return field;
    }

    // EventFields.Text / JournalEntryJson.Text: a non-empty string.
    private static bool TryText(ref Utf8JsonReader r, bool intern, out string value)
    {
        value = string.Empty;
        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (r.ValueIsEscaped)
        {
            value = r.GetString()!;
            return value.Length > 0;
        }

        var span = r.ValueSpan;
        return !span.IsEmpty && (intern ? Utf8Strings.TryIntern(span, out value) : Utf8Strings.TryCreate(span, out value));
    }

    // TryText's test (a non-empty string of valid UTF-8) without making the string: for a field the reports only require.
    private static bool IsText(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        return r.ValueIsEscaped ? r.GetString()!.Length > 0 : !r.ValueSpan.IsEmpty && Utf8.IsValid(r.ValueSpan);
    }

    // TryText's test (a non-empty string of valid UTF-8), its characters appended to text instead of made a string.
    private static bool TryAppendText(ref Utf8JsonReader r, CharBuffer text, out int start, out int length)
    {
        start = -1;
        length = 0;
        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (r.ValueIsEscaped)
        {
            var value = r.GetString()!;
            if (value.Length == 0)
            {
                return false;
            }

            start = text.Length;
            text.Append(value.AsSpan());
            length = value.Length;
            return true;
        }

        var span = r.ValueSpan;
        if (span.IsEmpty)
        {
            return false;
        }

        start = text.Length;
        if (!text.TryAppendUtf8(span, out length))
        {
            start = -1;
            return false;
        }

        return true;
    }

    // EventFields.OptionalText: a non-empty string, or null for anything else.
    private static string? OptionalText(ref Utf8JsonReader r)
    {
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            r.Skip();
            return null;
        }

        if (r.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (!TryText(ref r, intern: true, out var value))
        {
            if (value.Length == 0 && (r.ValueIsEscaped || r.ValueSpan.IsEmpty))
            {
                return null;
            }

            throw new JsonException("not UTF-8");
        }

        return value;
    }

    private static bool TryAmount(ref Utf8JsonReader r, out decimal amount)
    {
        amount = 0m;
        return r.TokenType == JsonTokenType.String && !r.ValueIsEscaped && TryParseAmount(r.ValueSpan, out amount);
    }

    /// <summary>
    /// decimal.TryParse with the archive's amount styles (a leading sign, a decimal point, invariant culture). The archive writes
    /// amounts as decimal.ToString does — an optional minus, digits, optionally a point and digits — and a text of that form
    /// with at most 18 digits and not a negative zero is read here digit by digit into the same value and scale; any other
    /// text is left to decimal.TryParse itself.
    /// </summary>
    internal static bool TryParseAmount(ReadOnlySpan<byte> text, out decimal amount)
    {
        var i = 0;
        var negative = text.Length > 0 && text[0] == (byte)'-';
        if (negative)
        {
            i = 1;
        }

        ulong value = 0;
        var digits = 0;
        var scale = -1;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c - (uint)'0' <= 9)
            {
                value = (value * 10) + (uint)(c - '0');
                digits++;
                if (scale >= 0)
                {
                    scale++;
                }
            }
            else if (c == (byte)'.' && scale < 0 && digits > 0)
            {
                scale = 0;
            }
            else
            {
                digits = int.MaxValue;
                break;
            }
        }

        if (digits is > 0 and <= 18 && scale != 0 && !(negative && value == 0))
        {
            amount = new decimal((int)(uint)value, (int)(uint)(value >> 32), 0, negative, (byte)Math.Max(scale, 0));
            return true;
        }

        return decimal.TryParse(text, AmountStyles, CultureInfo.InvariantCulture, out amount);
    }

    // EventFields.Instant: DateTimeOffset.TryParse (invariant, assume and adjust to UTC). The archive writes instants in one
    // form, yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z, which is read here digit by digit into the same value; any other text is left to
    // TryParse itself.
    private static bool TryInstant(ReadOnlySpan<char> text, out DateTimeOffset instant)
    {
        if (TryUtcRoundTrip(text, out instant))
        {
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
    }

    internal static bool TryUtcRoundTrip(ReadOnlySpan<char> t, out DateTimeOffset instant)
    {
        instant = default;
        if (t.Length < 20 || t.Length > 28 || t.Length == 21 || t[^1] != 'Z' || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':'
            || (t.Length > 20 && t[19] != '.'))
        {
            return false;
        }

        if (!Digits(t[..4], out var year) || !Digits(t.Slice(5, 2), out var month) || !Digits(t.Slice(8, 2), out var day)
            || !Digits(t.Slice(11, 2), out var hour) || !Digits(t.Slice(14, 2), out var minute) || !Digits(t.Slice(17, 2), out var second))
        {
            return false;
        }

        var fraction = 0;
        if (t.Length > 20)
        {
            var digits = t[20..^1];
            if (!Digits(digits, out fraction))
            {
                return false;
            }

            for (var i = digits.Length; i < 7; i++)
            {
                fraction *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        instant = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction), TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static bool IsDate(ref Utf8JsonReader r) => TryDate(ref r, out _);

    private static bool TryDate(ref Utf8JsonReader r, out DateOnly date)
    {
        date = default;
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || r.ValueSpan.Length != 10)
        {
            return false;
        }

        return TryParseDate(r.ValueSpan, out date);
    }

    /// <summary>
    /// DateOnly.TryParseExact with yyyy-MM-dd (invariant) of UTF-8: ten ASCII characters of that form naming a day of the
    /// calendar are read digit by digit into the same date; any other text is left to TryParseExact itself.
    /// </summary>
    internal static bool TryParseDate(ReadOnlySpan<byte> text, out DateOnly date)
    {
        if (text.Length == 10 && text[4] == (byte)'-' && text[7] == (byte)'-'
            && AsciiDigits(text[..4], out var year) && AsciiDigits(text.Slice(5, 2), out var month) && AsciiDigits(text.Slice(8, 2), out var day)
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            date = new DateOnly(year, month, day);
            return true;
        }

        date = default;
        Span<char> chars = stackalloc char[16];
        return text.Length <= chars.Length
            && Utf8.ToUtf16(text, chars, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done
            && DateOnly.TryParseExact(chars[..written], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static bool AsciiDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c - (uint)'0' > 9)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    // A few dozen ASCII property names, found by length then content: no string is made to look a name up.
    private sealed class NameTable
    {
        private readonly byte[][] _names;
        private readonly int[][] _byLength;

        public NameTable(params string[] names)
        {
            _names = [.. names.Select(n => Encoding.UTF8.GetBytes(n))];
            var longest = _names.Max(n => n.Length);
            _byLength = new int[longest + 1][];
            for (var length = 0; length <= longest; length++)
            {
                _byLength[length] = [.. Enumerable.Range(0, _names.Length).Where(i => _names[i].Length == length)];
            }
        }

        public int Find(ReadOnlySpan<byte> name)
        {
            if (name.Length >= _byLength.Length)
            {
                return -1;
            }

            foreach (var i in _byLength[name.Length])
            {
                if (name.SequenceEqual(_names[i]))
                {
                    return i;
                }
            }

            return -1;
        }
    }
}

/// <summary>
/// Strings made from UTF-8, the repeated ones interned per thread: a bounded, direct-mapped cache keyed by the UTF-8 bytes
/// themselves (a few hundred accounts, ISINs, books, currencies), so a repeated value costs a hash and a comparison of its
/// bytes — no transcoding, no string — and a value that never repeats (an id) only replaces one slot.
/// </summary>
internal static class Utf8Strings
{
    private const int MaxInternedLength = 128;
    private const int Slots = 1 << 12;

    [ThreadStatic]
    private static Entry[]? t_interned;

    /// <summary>The interned string of valid UTF-8; false for invalid UTF-8 (left to the reference reader).</summary>
    public static bool TryIntern(ReadOnlySpan<byte> utf8, out string value)
    {
        if (utf8.Length > MaxInternedLength)
        {
            return TryCreate(utf8, out value);
        }

        var slots = t_interned ??= new Entry[Slots];
        var hash = default(HashCode);
        hash.AddBytes(utf8);
        ref var slot = ref slots[hash.ToHashCode() & (Slots - 1)];
        if (slot.Utf8 is { } cached && utf8.SequenceEqual(cached))
        {
            value = slot.Value;
            return true;
        }

        if (!TryCreate(utf8, out value))
        {
            return false;
        }

        slot = new Entry(utf8.ToArray(), value);
        return true;
    }

    /// <summary>A new string of valid UTF-8; false for invalid UTF-8.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> utf8, out string value)
    {
        if (!Utf8.IsValid(utf8))
        {
            value = string.Empty;
            return false;
        }

        value = Encoding.UTF8.GetString(utf8);
        return true;
    }

    private readonly record struct Entry(byte[] Utf8, string Value);
}
