using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>
/// The archived form of a posted journal entry (<c>ledger/&lt;book&gt;/&lt;journal id&gt;.json</c>): a pure, deterministic codec.
/// Properties are written in a fixed order, lines in the order posted, amounts as invariant decimal strings (scale kept,
/// never a JSON number, which readers would take for a double), dates as <c>yyyy-MM-dd</c>. Equal entries give equal
/// bytes, so a re-archived entry is a no-op and the end-of-day reports read exactly what the ledger posted.
/// </summary>
/// <remarks>
/// <code>
/// {"journalId":"T-1:v1:trade-date","book":"NY-CASH","kind":"TradeDate","valueDate":"2026-11-25","tradeId":"T-1",
///  "description":"…","lines":[{"kind":"PositionPending","owner":"ACC-1","asset":"US0378331005","amount":"100"}, …],
///  "reverses":"…","originalValueDate":"…"}
/// </code>
/// A line carries <c>book</c> only when it differs from the entry's book (which a valid entry never does).
/// </remarks>
public static class JournalEntryJson
{
    /// <summary>The record's media type.</summary>
    public const string ContentType = "application/json";

    /// <summary>Serialises an entry.</summary>
    public static byte[] Serialize(JournalEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        Serialize(entry, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serialises an entry into <paramref name="output"/>: the same bytes as <see cref="Serialize(JournalEntry)"/>,
    /// for a writer that reuses its buffer from one entry to the next.</summary>
    public static void Serialize(JournalEntry entry, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(output);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("journalId", entry.JournalId);
            json.WriteString("book", entry.Book);
            json.WriteString("kind", entry.Kind.ToString());
            json.WriteString("valueDate", Date(entry.ValueDate));
            json.WriteString("tradeId", entry.TradeId);
            json.WriteString("description", entry.Description);
            json.WriteStartArray("lines");
            foreach (var line in entry.Lines)
            {
                json.WriteStartObject();
                if (!string.Equals(line.Account.Book, entry.Book, StringComparison.Ordinal))
                {
                    json.WriteString("book", line.Account.Book);
                }

                json.WriteString("kind", line.Account.Kind.ToString());
                json.WriteString("owner", line.Account.Owner);
                json.WriteString("asset", line.Account.Asset);
                json.WriteString("amount", line.Amount.ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (entry.Reverses is not null)
            {
                json.WriteString("reverses", entry.Reverses);
            }

            if (entry.OriginalValueDate is { } original)
            {
                json.WriteString("originalValueDate", Date(original));
            }

            json.WriteEndObject();
        }
    }

    /// <summary>Reads an entry back, or says why the bytes are not one.</summary>
    /// <returns>True with <paramref name="entry"/> set, or false with <paramref name="problem"/> naming what is wrong.</returns>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8, out JournalEntry? entry, out string? problem)
    {
        entry = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            return TryRead(document.RootElement, out entry, out problem);
        }
        catch (JsonException ex)
        {
            problem = $"not JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads an entry from a parsed element.</summary>
    public static bool TryRead(JsonElement root, out JournalEntry? entry, out string? problem)
    {
        entry = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "not a JSON object";
            return false;
        }

        if (!Text(root, "journalId", out var journalId, out problem) || !Text(root, "book", out var book, out problem)
            || !Text(root, "kind", out var kindText, out problem) || !Text(root, "valueDate", out var valueDateText, out problem)
            || !Text(root, "tradeId", out var tradeId, out problem))
        {
            return false;
        }

        // A description may be empty; every other field names something and must not be.
        if (!root.TryGetProperty("description", out var descriptionElement) || descriptionElement.ValueKind != JsonValueKind.String)
        {
            problem = "description missing or not a string";
            return false;
        }

        var description = descriptionElement.GetString()!;
        if (!Enum.TryParse<EntryKind>(kindText, ignoreCase: false, out var kind) || !Enum.IsDefined(kind) || char.IsDigit(kindText[0]))
        {
            problem = $"unknown entry kind '{kindText}'";
            return false;
        }

        if (!TryDate(valueDateText, out var valueDate))
        {
            problem = $"valueDate '{valueDateText}' is not yyyy-MM-dd";
            return false;
        }

        if (!root.TryGetProperty("lines", out var linesElement) || linesElement.ValueKind != JsonValueKind.Array)
        {
            problem = "lines missing or not an array";
            return false;
        }

        var lines = new List<JournalLine>(linesElement.GetArrayLength());
        foreach (var line in linesElement.EnumerateArray())
        {
            if (!TryLine(line, book, out var journalLine, out problem))
            {
                return false;
            }

            lines.Add(journalLine!);
        }

        string? reverses = null;
        if (root.TryGetProperty("reverses", out var reversesElement))
        {
            if (reversesElement.ValueKind != JsonValueKind.String)
            {
                problem = "reverses is not a string";
                return false;
            }

            reverses = reversesElement.GetString();
        }

        DateOnly? originalValueDate = null;
        if (root.TryGetProperty("originalValueDate", out var originalElement))
        {
            if (originalElement.ValueKind != JsonValueKind.String || !TryDate(originalElement.GetString()!, out var original))
            {
                problem = "originalValueDate is not yyyy-MM-dd";
                return false;
            }

            originalValueDate = original;
        }

        entry = new JournalEntry(journalId, book, kind, valueDate, tradeId, description, lines, reverses, originalValueDate);
        problem = null;
        return true;
    }

    private static bool TryLine(JsonElement line, string entryBook, out JournalLine? journalLine, out string? problem)
    {
        journalLine = null;
        if (line.ValueKind != JsonValueKind.Object)
        {
            problem = "a line is not a JSON object";
            return false;
        }

        var book = entryBook;
        if (line.TryGetProperty("book", out var bookElement))
        {
            if (bookElement.ValueKind != JsonValueKind.String || bookElement.GetString() is not { Length: > 0 } lineBook)
            {
                problem = "a line's book is not a string";
                return false;
            }

            book = lineBook;
        }

        if (!Text(line, "kind", out var kindText, out problem) || !Text(line, "owner", out var owner, out problem)
            || !Text(line, "asset", out var asset, out problem) || !Text(line, "amount", out var amountText, out problem))
        {
            return false;
        }

        if (!Enum.TryParse<AccountKind>(kindText, ignoreCase: false, out var kind) || !Enum.IsDefined(kind) || char.IsDigit(kindText[0]))
        {
            problem = $"unknown account kind '{kindText}'";
            return false;
        }

        if (!decimal.TryParse(amountText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            problem = $"amount '{amountText}' is not a decimal string";
            return false;
        }

        journalLine = new JournalLine(new LedgerAccount(book, kind, owner, asset), amount);
        return true;
    }

    private static bool Text(JsonElement element, string name, out string value, out string? problem)
    {
        if (element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String && property.GetString() is { Length: > 0 } text)
        {
            value = text;
            problem = null;
            return true;
        }

        value = string.Empty;
        problem = $"{name} missing or not a non-empty string";
        return false;
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
