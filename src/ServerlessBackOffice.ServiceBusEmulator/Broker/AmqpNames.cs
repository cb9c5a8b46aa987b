namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>Names Service Bus uses on the wire (annotations, management operations, error conditions).</summary>
internal static class AmqpNames
{
    public const string SequenceNumber = "x-opt-sequence-number";
    public const string EnqueuedTime = "x-opt-enqueued-time";
    public const string LockedUntil = "x-opt-locked-until";
    public const string MessageState = "x-opt-message-state";
    public const string DeadLetterSource = "x-opt-deadletter-source";
    public const string ScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
    public const string DeadLetterReason = "DeadLetterReason";
    public const string DeadLetterErrorDescription = "DeadLetterErrorDescription";
    public const string SessionFilter = "com.microsoft:session-filter";
    public const string LockedUntilUtc = "com.microsoft:locked-until-utc";
    public const string Timeout = "com.microsoft:timeout";
    public const string DeadLetterCondition = "com.microsoft:dead-letter";
    public const string MessageLockLost = "com.microsoft:message-lock-lost";
    public const string SessionLockLost = "com.microsoft:session-lock-lost";
    public const string SessionCannotBeLocked = "com.microsoft:session-cannot-be-locked";
    public const string MessageNotFound = "com.microsoft:message-not-found";
    public const string TimeoutCondition = "com.microsoft:timeout";
    public const string MessageSizeExceeded = "com.microsoft:message-size-exceeded";
    public const string ArgumentError = "com.microsoft:argument-error";
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
    public const string TtlExpired = "TTLExpiredException";
    public const string DeadLetterQueue = "$DeadLetterQueue";
    public const string Management = "$management";
    public const string Cbs = "$cbs";
    public const string Subscriptions = "Subscriptions";
    public const int MaxMessageSize = 256 * 1024;
}
