using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Reads <c>--input FILE</c>: newline-delimited JSON, each line either an OMS contract message or an envelope
/// <c>{"messageId", "correlationId", "applicationProperties": {…}, "body": {…}}</c> whose body may instead be
/// <c>"bodyBase64"</c> for bytes that are not JSON. Lines that are neither are published as they are (the capture stage
/// answers them as malformed), so a file's every line is accounted for. All are published in one phase at the start of
/// the trading day, in file order.
/// </summary>
internal static class InputFile
{
    public static IReadOnlyList<OmsPublication> Read(FileInfo file, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"The input file {file.FullName} does not exist.", file.FullName);
        }

        var at = new DateTimeOffset(date.ToDateTime(new TimeOnly(21, 0)), TimeSpan.Zero);
        var publications = new List<OmsPublication>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(file.FullName, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fallbackId = string.Create(CultureInfo.InvariantCulture, $"INPUT-{lineNumber:D7}");
            publications.Add(Parse(line, fallbackId, at));
        }

        if (publications.Count == 0)
        {
            throw new InvalidOperationException($"The input file {file.FullName} has no messages.");
        }

        return publications;
    }

    internal static OmsPublication Parse(string line, string fallbackId, DateTimeOffset at)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return new OmsPublication(fallbackId, null, Encoding.UTF8.GetBytes(line), at, "input");
        }

        var isEnvelope = root.ValueKind == JsonValueKind.Object
            && (root.TryGetProperty("body", out _) || root.TryGetProperty("bodyBase64", out _))
            && !root.TryGetProperty("tradeId", out _);
        if (!isEnvelope)
        {
            return new OmsPublication(fallbackId, CorrelationOf(root), Encoding.UTF8.GetBytes(line), at, "input");
        }

        var messageId = root.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : fallbackId;
        var correlationId = root.TryGetProperty("correlationId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("applicationProperties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in props.EnumerateObject())
            {
                properties[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        byte[] body;
        if (root.TryGetProperty("bodyBase64", out var base64))
        {
            try
            {
                body = Convert.FromBase64String(base64.GetString() ?? string.Empty);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Message {messageId}: bodyBase64 is not base64 ({ex.Message}).", ex);
            }
        }
        else
        {
            body = Encoding.UTF8.GetBytes(root.GetProperty("body").GetRawText());
        }

        return new OmsPublication(messageId, correlationId, body, at, "input", properties);
    }

    private static string? CorrelationOf(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("correlationId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
}
