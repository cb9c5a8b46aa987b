namespace ServerlessBackOffice.ServiceBusEmulator;

/// <summary>
/// Settings of a queue, topic or subscription, named as in Microsoft's emulator <c>Config.json</c>.
/// Defaults are the service's defaults, except TTL, which is unbounded here.
/// </summary>
public sealed record ServiceBusEntitySettings
{
    /// <summary>How long a peek-lock holds a message.</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deliveries after which a message is dead-lettered with reason <c>MaxDeliveryCountExceeded</c>.</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>Time to live of messages that do not set their own (the shorter of the two applies).</summary>
    public TimeSpan DefaultMessageTimeToLive { get; init; } = TimeSpan.MaxValue;

    /// <summary>Whether expired messages move to the dead-letter queue (reason <c>TTLExpiredException</c>) instead of vanishing.</summary>
    public bool DeadLetteringOnMessageExpiration { get; init; }

    /// <summary>Whether a MessageId seen within <see cref="DuplicateDetectionHistoryTimeWindow"/> is dropped.</summary>
    public bool RequiresDuplicateDetection { get; init; }

    /// <summary>How long MessageIds are remembered for duplicate detection.</summary>
    public TimeSpan DuplicateDetectionHistoryTimeWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Whether receivers must lock a session.</summary>
    public bool RequiresSession { get; init; }

    /// <summary>An entity every message is forwarded to on arrival; null or empty: none.</summary>
    public string? ForwardTo { get; init; }

    /// <summary>An entity dead-lettered messages are forwarded to; null or empty: the entity's own dead-letter queue.</summary>
    public string? ForwardDeadLetteredMessagesTo { get; init; }
}

/// <summary>A subscription rule: a SQL filter, a correlation filter, or neither (matches everything).</summary>
/// <param name="Name">The rule name.</param>
/// <param name="SqlFilter">A SQL filter expression such as <c>eventType IN ('A', 'B') AND sys.Label = 'x'</c>.</param>
/// <param name="CorrelationFilter">A correlation filter on system and application properties.</param>
public sealed record ServiceBusRule(string Name, string? SqlFilter = null, ServiceBusCorrelationFilter? CorrelationFilter = null);

/// <summary>A correlation filter: every field that is set must equal the message's (application properties too).</summary>
public sealed record ServiceBusCorrelationFilter
{
    /// <summary>Matches <c>ContentType</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>Matches <c>CorrelationId</c>.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Matches <c>Subject</c> (Label).</summary>
    public string? Label { get; init; }

    /// <summary>Matches <c>MessageId</c>.</summary>
    public string? MessageId { get; init; }

    /// <summary>Matches <c>ReplyTo</c>.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Matches <c>ReplyToSessionId</c>.</summary>
    public string? ReplyToSessionId { get; init; }

    /// <summary>Matches <c>SessionId</c>.</summary>
    public string? SessionId { get; init; }

    /// <summary>Matches <c>To</c>.</summary>
    public string? To { get; init; }

    /// <summary>Application properties that must be present with these values.</summary>
    public IReadOnlyDictionary<string, object?> Properties { get; init; } = new Dictionary<string, object?>();
}

/// <summary>Counts of one queue or subscription.</summary>
/// <param name="Active">Messages available or locked (not deferred, not scheduled).</param>
/// <param name="DeadLettered">Messages in the dead-letter queue.</param>
/// <param name="Scheduled">Messages scheduled for later.</param>
/// <param name="Deferred">Deferred messages.</param>
public sealed record ServiceBusEntityCounts(long Active, long DeadLettered, long Scheduled, long Deferred);

/// <summary>The emulator configuration holds a setting or rule the emulator does not support, or is malformed.</summary>
public sealed class ServiceBusEmulatorConfigurationException : Exception
{
    public ServiceBusEmulatorConfigurationException(string message) : base(message)
    {
    }

    public ServiceBusEmulatorConfigurationException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ServiceBusEmulatorConfigurationException()
    {
    }
}

/// <summary>Operations the broker served since it started.</summary>
/// <param name="MessagesSent">Messages accepted from senders (a batch counts each message).</param>
/// <param name="SendOperations">Send transfers (a batch counts once).</param>
/// <param name="MessagesDelivered">Messages delivered to receivers (redeliveries count again).</param>
/// <param name="Settlements">Complete, abandon, defer and dead-letter dispositions.</param>
/// <param name="ManagementRequests">$management and $cbs requests (lock renewal, peek, scheduling, token refresh).</param>
public sealed record ServiceBusOperationCounts(long MessagesSent, long SendOperations, long MessagesDelivered, long Settlements, long ManagementRequests)
{
    /// <summary>Every operation: sends (per message), deliveries, settlements and management requests.</summary>
    public long Total => MessagesSent + MessagesDelivered + Settlements + ManagementRequests;
}
