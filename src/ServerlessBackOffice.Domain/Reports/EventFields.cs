using System.Globalization;
using System.Text.Json;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// Reads an event body's fields tolerantly: unknown fields are ignored (stages add fields over time), and the first
/// missing or malformed required field is kept as <see cref="Problem"/>, so a decoder reports what is wrong instead of throwing.
/// </summary>
public sealed class EventFields(JsonElement body)
{
    /// <summary>The first problem met, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>A required non-empty string.</summary>
    public string Text(string name)
    {
        var value = OptionalText(name);
        if (value is null)
        {
            Fail($"{name} missing or not a non-empty string");
        }

        return value ?? string.Empty;
    }

    /// <summary>An optional string (null when absent or empty).</summary>
    public string? OptionalText(string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>A required decimal written as a string (or, tolerated, as a JSON number).</summary>
    public decimal Amount(string name)
    {
        var value = OptionalAmount(name);
        if (value is null)
        {
            Fail($"{name} missing or not a decimal");
        }

        return value ?? 0m;
    }

    /// <summary>An optional decimal.</summary>
    public decimal? OptionalAmount(string name)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out var p))
        {
            return null;
        }

        if (p.ValueKind == JsonValueKind.String
            && decimal.TryParse(p.GetString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        return p.ValueKind == JsonValueKind.Number && p.TryGetDecimal(out var number) ? number : null;
    }

    /// <summary>A required integer (a JSON number, or a string of digits).</summary>
    public long WholeNumber(string name)
    {
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var p))
        {
            if (p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var number))
            {
                return number;
            }

            if (p.ValueKind == JsonValueKind.String && long.TryParse(p.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
        }

        Fail($"{name} missing or not an integer");
        return 0;
    }

    /// <summary>An optional integer.</summary>
    public long? OptionalWholeNumber(string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var n) ? n : null;

    /// <summary>An optional <c>yyyy-MM-dd</c> date; a malformed one is a problem.</summary>
    public DateOnly? OptionalDate(string name)
    {
        var text = OptionalText(name);
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        Fail($"{name} '{text}' is not yyyy-MM-dd");
        return null;
    }

    /// <summary>A required <c>yyyy-MM-dd</c> date.</summary>
    public DateOnly Date(string name)
    {
        var date = OptionalDate(name);
        if (date is null)
        {
            Fail($"{name} missing or not yyyy-MM-dd");
        }

        return date ?? default;
    }

    /// <summary>A required ISO 8601 instant.</summary>
    public DateTimeOffset Instant(string name)
    {
        var text = OptionalText(name);
        if (text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        Fail($"{name} missing or not an ISO 8601 instant");
        return default;
    }

    /// <summary>The raw text of a field of any kind (an array of discrepancies, say), compacted, or null.</summary>
    public string? Raw(string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var p) ? (p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText()) : null;

    /// <summary>The sum of an array of objects' decimal field (fee lines, say); a malformed element is a problem.</summary>
    public decimal SumOf(string arrayName, string field)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(arrayName, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return 0m;
        }

        var sum = 0m;
        foreach (var item in array.EnumerateArray())
        {
            var value = new EventFields(item).OptionalAmount(field);
            if (value is null)
            {
                Fail($"{arrayName}[].{field} missing or not a decimal");
                return 0m;
            }

            sum += value.Value;
        }

        return sum;
    }

    private void Fail(string problem) => Problem ??= problem;
}
