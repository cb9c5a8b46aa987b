using System.Globalization;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Capture;

/// <summary>
/// Capture's archive on the write-once <see cref="IArchiveStore"/>: each inbound OMS message becomes the record
/// <c>inbound/&lt;oms queue&gt;/&lt;message id&gt;.json</c> on the archive day of its <see cref="CaptureArchiveEntry.ReceivedAt"/>
/// (<see cref="ArchiveRecordNames.DayOf"/>), holding the message as received and the one outcome it got. The record is a
/// deterministic JSON document (see <see cref="Render"/>), so the same entry always produces the same bytes and a plain
/// redelivery is <see cref="ArchiveWriteResult.AlreadyArchived"/>.
/// <para>
/// The first outcome of a message is its outcome for ever: when a record already exists with other bytes (a redelivery
/// processed at another time or with another outcome), the stored record is read back and returned, and nothing is
/// overwritten. Because a record's day comes from the time it was processed, a redelivery after midnight in New York
/// would otherwise land in the next day's folder: so the previous day is checked first, and its record wins. A
/// redelivery more than one archive day after the first outcome gets a record of its own (docs/capture-storage.md).
/// </para>
/// </summary>
public sealed partial class ArchiveCaptureArchive(IArchiveStore store, ILogger<ArchiveCaptureArchive> logger) : ICaptureArchive
{
    /// <summary>The media type of capture's archive records.</summary>
    public const string ContentType = "application/json";

    /// <summary>The record name of an inbound OMS message.</summary>
    public static string RecordName(string inboundMessageId) => ArchiveRecordNames.Inbound(Entities.OmsTrades.Name, inboundMessageId);

    /// <summary>The archive stage of capture's index records.</summary>
    public const string ArchiveStage = "capture";

    /// <summary>
    /// The record name of the index entry of a rejected or dead-lettered OMS message: <c>state/capture/rejected/&lt;message
    /// id&gt;.json</c>, the same bytes as the inbound record on the same archive day, so the exceptions view lists a day's
    /// rejections by name instead of reading every OMS record of the day.
    /// </summary>
    public static string RejectionIndexName(string inboundMessageId) =>
        ArchiveRecordNames.State(ArchiveStage, $"rejected/{ArchiveRecordNames.Safe(inboundMessageId)}.json");

    /// <summary>The name prefix of the rejection index records.</summary>
    public static string RejectionIndexPrefix { get; } = RejectionIndexName("x")[..^"x.json".Length];

    /// <inheritdoc />
    public async Task<CaptureArchiveEntry> ArchiveAsync(CaptureArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var name = RecordName(entry.InboundMessageId);
        var day = ArchiveRecordNames.DayOf(entry.ReceivedAt);

        if (await ReadAsync(day.AddDays(-1), name, cancellationToken) is { } earlier)
        {
            LogFirstOutcomeKept(entry.InboundMessageId, earlier.Outcome, entry.Outcome);
            await IndexAsync(earlier, cancellationToken);
            return earlier;
        }

        var result = await store.WriteAsync(new ArchiveRecord(day, name, Render(entry), ContentType), cancellationToken);
        switch (result)
        {
            case ArchiveWriteResult.Written:
            case ArchiveWriteResult.AlreadyArchived:
                await IndexAsync(entry, cancellationToken);
                return entry;
            case ArchiveWriteResult.Conflict:
                var stored = await ReadAsync(day, name, cancellationToken)
                    ?? throw new InvalidOperationException($"The archive reported a conflict on {day:yyyy-MM-dd}/{name} but has no such record.");
                LogFirstOutcomeKept(entry.InboundMessageId, stored.Outcome, entry.Outcome);
                await IndexAsync(stored, cancellationToken);
                return stored;
            default:
                throw new System.Diagnostics.UnreachableException($"Unknown archive write result {result}.");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Two reads, run together: the record on the archive day of <paramref name="receivedAt"/> and on the day before (the
    /// earlier wins, as in <see cref="ArchiveAsync"/>). A message id first archived two or more archive days earlier is not
    /// found, as <see cref="ArchiveAsync"/> does not find it either (docs/capture-storage.md; decision 0067).
    /// </remarks>
    public async Task<CaptureArchiveEntry?> FindAsync(string inboundMessageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(inboundMessageId);
        var name = RecordName(inboundMessageId);
        var day = ArchiveRecordNames.DayOf(receivedAt);
        var earlier = ReadAsync(day.AddDays(-1), name, cancellationToken);
        var current = ReadAsync(day, name, cancellationToken);
        await Task.WhenAll(earlier, current);
        return await earlier ?? await current;
    }

    /// <summary>Whether an outcome is one a person must see (and so gets an index record).</summary>
    public static bool NeedsAPerson(CaptureOutcomeKind outcome) => outcome is CaptureOutcomeKind.Rejected or CaptureOutcomeKind.DeadLettered;

    // Written after the inbound record (a crash in between is repaired by the redelivery, which writes it then) and
    // idempotent: the same entry renders the same bytes.
    private async Task IndexAsync(CaptureArchiveEntry entry, CancellationToken cancellationToken)
    {
        if (!NeedsAPerson(entry.Outcome))
        {
            return;
        }

        var day = ArchiveRecordNames.DayOf(entry.ReceivedAt);
        var result = await store.WriteAsync(new ArchiveRecord(day, RejectionIndexName(entry.InboundMessageId), Render(entry), ContentType), cancellationToken);
        if (result == ArchiveWriteResult.Conflict)
        {
            LogIndexConflict(entry.InboundMessageId, day);
        }
    }

    /// <summary>
    /// The record of an entry: compact JSON with a fixed property order — <c>inboundMessageId</c>, <c>receivedAt</c>
    /// (ISO 8601 round-trip form), <c>outcome</c>, <c>reasonCode</c> (null unless rejected or dead-lettered), the body as
    /// received (<c>body</c>, embedded as JSON when it is exactly one JSON value with nothing around it, else
    /// <c>bodyBase64</c>) and the reply sent to the OMS (<c>reply</c>, embedded the same way, else <c>replyText</c>).
    /// Embedded values are copied byte for byte, so <see cref="Parse"/> gives back the exact bytes.
    /// </summary>
    public static byte[] Render(CaptureArchiveEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("inboundMessageId", entry.InboundMessageId);
            writer.WriteString("receivedAt", entry.ReceivedAt.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("outcome", CaptureHandler.OutcomeName(entry.Outcome));
            if (entry.ReasonCode is { } reason)
            {
                writer.WriteString("reasonCode", reason.ToString());
            }
            else
            {
                writer.WriteNull("reasonCode");
            }

            if (IsExactJson(entry.Body.Span))
            {
                writer.WritePropertyName("body");
                writer.WriteRawValue(entry.Body.Span, skipInputValidation: true);
            }
            else
            {
                writer.WriteBase64String("bodyBase64", entry.Body.Span);
            }

            var reply = Encoding.UTF8.GetBytes(entry.ReplyBody);
            if (IsExactJson(reply))
            {
                writer.WritePropertyName("reply");
                writer.WriteRawValue(reply, skipInputValidation: true);
            }
            else
            {
                writer.WriteString("replyText", entry.ReplyBody);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an entry back from its record (the inverse of <see cref="Render"/>).</summary>
    /// <exception cref="InvalidDataException">The record is not a capture archive record.</exception>
    public static CaptureArchiveEntry Parse(ReadOnlySpan<byte> record)
    {
        try
        {
            var reader = new Utf8JsonReader(record);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var body = root.TryGetProperty("body", out var embedded)
                ? RawBytes(embedded)
                : root.GetProperty("bodyBase64").GetBytesFromBase64();
            var reply = root.TryGetProperty("reply", out var replyJson)
                ? Encoding.UTF8.GetString(RawBytes(replyJson))
                : root.GetProperty("replyText").GetString()!;
            var reason = root.GetProperty("reasonCode");
            return new CaptureArchiveEntry(
                root.GetProperty("inboundMessageId").GetString()!,
                DateTimeOffset.ParseExact(root.GetProperty("receivedAt").GetString()!, "O", CultureInfo.InvariantCulture, DateTimeStyles.None),
                body,
                OutcomeOf(root.GetProperty("outcome").GetString()!),
                reason.ValueKind == JsonValueKind.Null ? null : Enum.Parse<ReasonCode>(reason.GetString()!),
                reply);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"Not a capture archive record: {ex.Message}", ex);
        }
    }

    private async Task<CaptureArchiveEntry?> ReadAsync(DateOnly day, string name, CancellationToken cancellationToken)
    {
        var stream = await store.OpenAsync(day, name, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken);
            return Parse(copy.GetBuffer().AsSpan(0, (int)copy.Length));
        }
    }

    private static CaptureOutcomeKind OutcomeOf(string name)
    {
        foreach (var outcome in Enum.GetValues<CaptureOutcomeKind>())
        {
            if (CaptureHandler.OutcomeName(outcome) == name)
            {
                return outcome;
            }
        }

        throw new FormatException($"'{name}' is not a capture outcome.");
    }

    // The raw UTF-8 of an embedded value is a slice of the record: the bytes that were embedded, unchanged.
    private static byte[] RawBytes(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).ToArray();

    /// <summary>True when the bytes are exactly one JSON value: valid UTF-8 and JSON, with no byte-order mark or whitespace around it.</summary>
    private static bool IsExactJson(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || IsJsonWhitespace(bytes[0]) || IsJsonWhitespace(bytes[^1]) || bytes.StartsWith("\uFEFF"u8) || !Utf8.IsValid(bytes))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
            reader.Read();
            reader.Skip();
            return !reader.Read() && reader.BytesConsumed == bytes.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Inbound {InboundMessageId} already has its archived outcome {StoredOutcome}; the redelivery's {NewOutcome} is not recorded")]
    private partial void LogFirstOutcomeKept(string inboundMessageId, CaptureOutcomeKind storedOutcome, CaptureOutcomeKind newOutcome);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Error, Message = "The rejection index record of {InboundMessageId} on {Day} differs from its inbound record; the archive keeps the first one")]
    private partial void LogIndexConflict(string inboundMessageId, DateOnly day);
}
