using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using ServerlessBackOffice.ServiceBusEmulator.Filters;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

internal enum StoredMessageState
{
    Active = 0,
    Deferred = 1,
    Scheduled = 2,
}

/// <summary>
/// One message in one entity. The sender's encoding is kept byte for byte (so every property round-trips untouched);
/// what the broker adds (sequence number, lock, delivery count, dead-letter reason, modified properties) is kept beside it
/// and written into a fresh AMQP message for each delivery.
/// </summary>
internal sealed class StoredMessage : IMessageProperties
{
    private readonly MessageContent _content;

    private StoredMessage(MessageContent content) => _content = content;

    public long SequenceNumber { get; set; }

    public DateTimeOffset EnqueuedTime { get; set; }

    public DateTimeOffset ExpiresAt { get; set; } = DateTimeOffset.MaxValue;

    public int DeliveryCount { get; set; }

    public StoredMessageState State { get; set; }

    public Guid LockToken { get; set; }

    public DateTimeOffset LockedUntil { get; set; }

    /// <summary>The consumer holding the lock; null when unlocked or locked through <c>$management</c>.</summary>
    public object? LockedBy { get; set; }

    public bool IsLocked => LockToken != Guid.Empty;

    public string? DeadLetterSource { get; set; }

    /// <summary>Application properties the broker set or a settlement modified, applied over the sender's.</summary>
    public Dictionary<string, object?> Overrides { get; private set; } = new(StringComparer.Ordinal);

    public int ForwardHops { get; set; }

    public string? MessageId => _content.MessageId;

    public string? SessionId => _content.SessionId;

    public TimeSpan? TimeToLive => _content.TimeToLive;

    public DateTimeOffset? ScheduledEnqueueTime => _content.ScheduledEnqueueTime;

    public int EncodedSize => _content.Encoded.Length;

    public static StoredMessage FromEncoded(byte[] encoded) => new(MessageContent.Decode(encoded));

    /// <summary>A copy with the same content and broker-set properties but no entity state, for fan-out, forwarding and dead-lettering.</summary>
    public StoredMessage CopyForEntity() => new(_content)
    {
        Overrides = new Dictionary<string, object?>(Overrides, StringComparer.Ordinal),
        DeadLetterSource = DeadLetterSource,
        ForwardHops = ForwardHops,
    };

    public bool TryGetSystem(string name, out object? value)
    {
        value = name switch
        {
            "MessageId" => _content.MessageId,
            "CorrelationId" => _content.CorrelationId,
            "SessionId" => _content.SessionId,
            "Label" or "Subject" => _content.Subject,
            "To" => _content.To,
            "ReplyTo" => _content.ReplyTo,
            "ReplyToSessionId" => _content.ReplyToSessionId,
            "ContentType" => _content.ContentType,
            "SequenceNumber" => SequenceNumber,
            "DeliveryCount" => DeliveryCount,
            "EnqueuedTimeUtc" => EnqueuedTime.UtcDateTime,
            "Size" => (long)_content.Encoded.Length,
            _ => null,
        };
        return value is not null;
    }

    public bool TryGetUser(string name, out object? value)
    {
        if (Overrides.TryGetValue(name, out value))
        {
            return true;
        }

        return _content.UserProperties.TryGetValue(name, out value);
    }

    /// <summary>Builds the AMQP message for one delivery or peek.</summary>
    /// <param name="headerDeliveryCount">The AMQP header delivery-count: failed prior deliveries (the client adds one on receive).</param>
    public AmqpMessage ToAmqpMessage(uint headerDeliveryCount)
    {
        // The decoded sections are shared read-only by every delivery of this content, on any thread.
        var source = _content.Template;
        AmqpMessage message;
        if ((source.BodyType & SectionFlag.Data) != 0)
        {
            message = AmqpMessage.Create(source.DataBody.Select(d => new Data { Value = d.Value }).ToList());
        }
        else if ((source.BodyType & SectionFlag.AmqpValue) != 0)
        {
            message = AmqpMessage.Create(new AmqpValue { Value = source.ValueBody.Value });
        }
        else if ((source.BodyType & SectionFlag.AmqpSequence) != 0)
        {
            message = AmqpMessage.Create(source.SequenceBody.Select(s => new AmqpSequence(s.List)).ToList());
        }
        else
        {
            message = AmqpMessage.Create();
        }

        if (source.Header is not null)
        {
            message.Header.Durable = source.Header.Durable;
            message.Header.Priority = source.Header.Priority;
            message.Header.Ttl = source.Header.Ttl;
            message.Header.FirstAcquirer = source.Header.FirstAcquirer;
        }

        message.Header.DeliveryCount = headerDeliveryCount;

        if (source.Properties is not null)
        {
            var from = source.Properties;
            var to = message.Properties;
            to.MessageId = from.MessageId;
            to.UserId = from.UserId;
            to.To = from.To;
            to.Subject = from.Subject;
            to.ReplyTo = from.ReplyTo;
            to.CorrelationId = from.CorrelationId;
            to.ContentType = from.ContentType;
            to.ContentEncoding = from.ContentEncoding;
            to.AbsoluteExpiryTime = from.AbsoluteExpiryTime;
            to.CreationTime = from.CreationTime;
            to.GroupId = from.GroupId;
            to.GroupSequence = from.GroupSequence;
            to.ReplyToGroupId = from.ReplyToGroupId;
        }

        if (source.MessageAnnotations is not null)
        {
            foreach (var pair in source.MessageAnnotations.Map)
            {
                message.MessageAnnotations.Map[pair.Key] = pair.Value;
            }
        }

        var annotations = message.MessageAnnotations.Map;
        annotations[AmqpNames.SequenceNumber] = SequenceNumber;
        annotations[AmqpNames.EnqueuedTime] = EnqueuedTime.UtcDateTime;
        annotations[AmqpNames.MessageState] = (int)State;
        if (IsLocked)
        {
            annotations[AmqpNames.LockedUntil] = LockedUntil.UtcDateTime;
        }

        if (DeadLetterSource is not null)
        {
            annotations[AmqpNames.DeadLetterSource] = DeadLetterSource;
        }

        if (source.ApplicationProperties is not null)
        {
            foreach (var pair in source.ApplicationProperties.Map)
            {
                message.ApplicationProperties.Map[pair.Key] = pair.Value;
            }
        }

        foreach (var (key, value) in Overrides)
        {
            message.ApplicationProperties.Map[key] = value;
        }

        return message;
    }

    /// <summary>The immutable part of a message: the sender's bytes and the properties filters read.</summary>
    private sealed class MessageContent
    {
        public required byte[] Encoded { get; init; }

        /// <summary>The sender's message decoded once; its sections are only ever read.</summary>
        public required AmqpMessage Template { get; init; }

        public string? MessageId { get; init; }

        public string? CorrelationId { get; init; }

        public string? SessionId { get; init; }

        public string? Subject { get; init; }

        public string? To { get; init; }

        public string? ReplyTo { get; init; }

        public string? ReplyToSessionId { get; init; }

        public string? ContentType { get; init; }

        public TimeSpan? TimeToLive { get; init; }

        public DateTimeOffset? ScheduledEnqueueTime { get; init; }

        public required Dictionary<string, object?> UserProperties { get; init; }

        public static AmqpMessage Open(byte[] encoded)
        {
            var message = AmqpMessage.CreateAmqpStreamMessage(new BufferListStream([new ArraySegment<byte>(encoded)]), true);
            message.Deserialize(SectionFlag.All);
            return message;
        }

        public static MessageContent Decode(byte[] encoded)
        {
            var message = Open(encoded);
            var properties = message.Properties;
            var user = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (message.ApplicationProperties is not null)
            {
                foreach (var pair in message.ApplicationProperties.Map)
                {
                    user[pair.Key.Key.ToString()!] = pair.Value;
                }
            }

            DateTimeOffset? scheduled = null;
            if (message.MessageAnnotations is not null
                && message.MessageAnnotations.Map.TryGetValue<DateTime>(AmqpNames.ScheduledEnqueueTime, out var time))
            {
                scheduled = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
            }

            TimeSpan? ttl = null;
            if (message.Header is not null && message.Header.Ttl is { } ms)
            {
                ttl = TimeSpan.FromMilliseconds(ms);
            }

            return new MessageContent
            {
                Encoded = encoded,
                Template = message,
                MessageId = properties?.MessageId?.ToString(),
                CorrelationId = properties?.CorrelationId?.ToString(),
                SessionId = properties?.GroupId,
                Subject = properties?.Subject,
                To = properties?.To?.ToString(),
                ReplyTo = properties?.ReplyTo?.ToString(),
                ReplyToSessionId = properties?.ReplyToGroupId,
                ContentType = properties?.ContentType.Value,
                TimeToLive = ttl,
                ScheduledEnqueueTime = scheduled,
                UserProperties = user,
            };
        }
    }
}
