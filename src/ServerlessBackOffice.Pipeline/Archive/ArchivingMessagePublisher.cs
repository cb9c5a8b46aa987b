using System.Text;
using System.Text.Json;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Telemetry;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>
/// Archives every outbound message before it is published, under <see cref="ArchiveRecordNames.Outbound"/>: the deterministic
/// message id makes the record's name, so a re-publication after a crash writes nothing new (the archive answers
/// AlreadyArchived) and a different message under the same id is refused as a conflict, never overwritten.
/// Every stage publishes through it, so "every outbound message is archived" holds by construction.
/// </summary>
public sealed class ArchivingMessagePublisher(IMessagePublisher inner, IArchiveStore archive, TimeProvider clock) : IMessagePublisher
{
    /// <summary>Archives, then publishes. A conflict throws: the message must not leave under an id that means something else.</summary>
    public async Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var record = new ArchiveRecord(
            ArchiveRecordNames.DayOf(clock.GetUtcNow()),
            ArchiveRecordNames.Outbound(message.Destination, message.MessageId),
            Envelope(message),
            "application/json");
        var result = await archive.WriteAsync(record, cancellationToken);
        if (result == ArchiveWriteResult.Conflict)
        {
            throw new InvalidOperationException(
                $"A different message is already archived as {record.Name}; message {message.MessageId} to {message.Destination} was not published.");
        }

        await inner.PublishAsync(message, cancellationToken);
        BackOfficeTelemetry.MessagePublished(message.Destination, message.ApplicationProperties.GetValueOrDefault("eventType"), message.CorrelationId);
    }

    /// <summary>
    /// The archived form: destination, id, subject, correlation id, application properties (sorted) and the body, embedded as
    /// JSON when it is JSON and as a string otherwise. Equal messages give equal bytes.
    /// </summary>
    public static byte[] Envelope(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("destination", message.Destination);
            json.WriteString("messageId", message.MessageId);
            json.WriteString("subject", message.Subject);
            if (message.CorrelationId is not null)
            {
                json.WriteString("correlationId", message.CorrelationId);
            }

            json.WriteStartObject("applicationProperties");
            foreach (var (name, value) in message.ApplicationProperties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            if (IsJson(message.Body))
            {
                json.WritePropertyName("body");
                json.WriteRawValue(message.Body, skipInputValidation: true);
            }
            else
            {
                json.WriteString("bodyText", message.Body);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static bool IsJson(string body)
    {
        try
        {
            using var _ = JsonDocument.Parse(Encoding.UTF8.GetBytes(body));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
