using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>One archived record as the manifest lists it: its name, size, content hash and chain link.</summary>
public sealed record ManifestEntry(string Name, long Size, string Sha256, string Chain);

/// <summary>
/// The signed list of a day's records. Its JSON is canonical (fixed property order, no insignificant whitespace
/// variation, lower-case hex), so the same records always give the same bytes and the same signature input.
/// </summary>
public sealed record ArchiveManifest(string Format, DateOnly BusinessDate, string KeyId, string ChainHead, IReadOnlyList<ManifestEntry> Records)
{
    /// <summary>Builds the manifest for records given as (name, content SHA-256, size), chaining them in canonical order.</summary>
    /// <exception cref="ArgumentException">Two records share a name: a record is written once, so this is a bug upstream.</exception>
    public static ArchiveManifest Build(DateOnly businessDate, string keyId, IEnumerable<(string Name, byte[] Sha256, long Size)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var ordered = records.ToList();
        ordered.Sort((a, b) => HashChain.CompareNames(a.Name, b.Name));

        var entries = new List<ManifestEntry>(ordered.Count);
        var link = HashChain.Genesis(businessDate);
        string? previousName = null;
        foreach (var (name, sha256, size) in ordered)
        {
            if (previousName == name)
            {
                throw new ArgumentException($"The record '{name}' appears twice in one day's archive.", nameof(records));
            }

            link = HashChain.Next(link, name, sha256);
            entries.Add(new ManifestEntry(name, size, Convert.ToHexStringLower(sha256), Convert.ToHexStringLower(link)));
            previousName = name;
        }

        return new ArchiveManifest(ArchiveFormat.Version, businessDate, keyId, Convert.ToHexStringLower(link), entries);
    }

    /// <summary>The canonical UTF-8 JSON of the manifest: what is signed and what is written to the bundle.</summary>
    public byte[] ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("businessDate", BusinessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.WriteString("keyId", KeyId);
            writer.WriteNumber("recordCount", Records.Count);
            writer.WriteString("chainHead", ChainHead);
            writer.WriteStartArray("records");
            foreach (var entry in Records)
            {
                writer.WriteStartObject();
                writer.WriteString("name", entry.Name);
                writer.WriteNumber("size", entry.Size);
                writer.WriteString("sha256", entry.Sha256);
                writer.WriteString("chain", entry.Chain);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Reads a manifest, failing with a description of what is wrong instead of an exception.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out ArchiveManifest? manifest, out string? error)
    {
        // A manifest as this code writes it is read in one forward pass; anything else (another property order, a missing
        // or duplicated field, a wrong type) is read by the document reader below, which says what is wrong.
        if (TryParseCanonical(json, out manifest))
        {
            error = null;
            return true;
        }

        manifest = null;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var format = root.GetProperty("format").GetString() ?? string.Empty;
            if (format != ArchiveFormat.Version)
            {
                error = $"The manifest's format is '{format}'; this verifier reads '{ArchiveFormat.Version}'.";
                return false;
            }

            var date = DateOnly.ParseExact(root.GetProperty("businessDate").GetString() ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var records = new List<ManifestEntry>();
            foreach (var record in root.GetProperty("records").EnumerateArray())
            {
                records.Add(new ManifestEntry(
                    record.GetProperty("name").GetString() ?? string.Empty,
                    record.GetProperty("size").GetInt64(),
                    record.GetProperty("sha256").GetString() ?? string.Empty,
                    record.GetProperty("chain").GetString() ?? string.Empty));
            }

            var declaredCount = root.GetProperty("recordCount").GetInt32();
            if (declaredCount != records.Count)
            {
                error = $"The manifest declares {declaredCount} records but lists {records.Count}.";
                return false;
            }

            manifest = new ArchiveManifest(format, date, root.GetProperty("keyId").GetString() ?? string.Empty, root.GetProperty("chainHead").GetString() ?? string.Empty, records);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            error = $"The manifest is not readable: {ex.Message}";
            return false;
        }
    }

    // The canonical layout: format, businessDate, keyId, recordCount, chainHead, records[{name, size, sha256, chain}].
    private static bool TryParseCanonical(ReadOnlySpan<byte> json, out ArchiveManifest? manifest)
    {
        manifest = null;
        try
        {
            var r = new Utf8JsonReader(json);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject
                || !TryString(ref r, "format"u8, out var format) || format != ArchiveFormat.Version
                || !TryString(ref r, "businessDate"u8, out var dateText)
                || !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || !TryString(ref r, "keyId"u8, out var keyId)
                || !TryProperty(ref r, "recordCount"u8) || !r.Read() || r.TokenType != JsonTokenType.Number || !r.TryGetInt32(out var declaredCount) || declaredCount < 0
                || !TryString(ref r, "chainHead"u8, out var chainHead)
                || !TryProperty(ref r, "records"u8) || !r.Read() || r.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var records = new List<ManifestEntry>(declaredCount);
            while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            {
                if (r.TokenType != JsonTokenType.StartObject
                    || !TryString(ref r, "name"u8, out var name)
                    || !TryProperty(ref r, "size"u8) || !r.Read() || r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var size)
                    || !TryString(ref r, "sha256"u8, out var sha256)
                    || !TryString(ref r, "chain"u8, out var chain)
                    || !r.Read() || r.TokenType != JsonTokenType.EndObject)
                {
                    return false;
                }

                records.Add(new ManifestEntry(name, size, sha256, chain));
            }

            // Nothing but whitespace may follow (a trailing value makes Read throw, as the document reader refuses it).
            if (!r.Read() || r.TokenType != JsonTokenType.EndObject || records.Count != declaredCount || r.Read())
            {
                return false;
            }

            manifest = new ArchiveManifest(format, date, keyId, chainHead, records);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryProperty(ref Utf8JsonReader r, ReadOnlySpan<byte> name) =>
        r.Read() && r.TokenType == JsonTokenType.PropertyName && !r.ValueIsEscaped && r.ValueSpan.SequenceEqual(name);

    private static bool TryString(ref Utf8JsonReader r, ReadOnlySpan<byte> name, out string value)
    {
        value = string.Empty;
        if (!TryProperty(ref r, name) || !r.Read() || r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = r.GetString()!;
        return true;
    }
}
