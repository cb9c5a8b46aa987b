using Azure.Messaging.ServiceBus;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Stand-in for the official message settlement actions. Every member is virtual and the constructor protected, as in
/// the official type, so a host can subclass it; here nothing is wired to a Functions host, so the base members throw.
/// The local day run settles through its own subclass backed by a real <see cref="ServiceBusReceiver"/>.
/// </summary>
public class ServiceBusMessageActions
{
    /// <summary>For subclasses and mocking, as in the official type.</summary>
    protected ServiceBusMessageActions()
    {
    }

    /// <summary>Completes the message.</summary>
    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw NotHosted();

    /// <summary>Abandons the message, optionally modifying its application properties.</summary>
    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw NotHosted();

    /// <summary>Moves the message to the dead-letter queue with a reason and a description.</summary>
    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = default, string? deadLetterReason = default, string? deadLetterErrorDescription = default, CancellationToken cancellationToken = default) =>
        throw NotHosted();

    /// <summary>Defers the message.</summary>
    public virtual Task DeferMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw NotHosted();

    /// <summary>Renews the message lock.</summary>
    public virtual Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw NotHosted();

    internal static NotSupportedException NotHosted() =>
        new("This build uses the Service Bus worker extension stand-in, which cannot settle messages inside a Functions host. " +
            "Build with -p:UseOfficialServiceBusExtension=true for Azure, or settle through a host-provided subclass locally.");
}

/// <summary>Stand-in for the official session actions (since 5.19.0).</summary>
public class ServiceBusSessionMessageActions
{
    /// <summary>For subclasses and mocking, as in the official type.</summary>
    protected ServiceBusSessionMessageActions()
    {
    }

    /// <summary>When the session lock expires.</summary>
    public virtual DateTimeOffset SessionLockedUntil { get; private set; }

    /// <summary>Reads the session state.</summary>
    public virtual Task<BinaryData> GetSessionStateAsync(CancellationToken cancellationToken = default) =>
        throw ServiceBusMessageActions.NotHosted();

    /// <summary>Writes the session state.</summary>
    public virtual Task SetSessionStateAsync(BinaryData sessionState, CancellationToken cancellationToken = default) =>
        throw ServiceBusMessageActions.NotHosted();

    /// <summary>Releases the session.</summary>
    public virtual Task ReleaseSession(CancellationToken cancellationToken = default) =>
        throw ServiceBusMessageActions.NotHosted();

    /// <summary>Renews the session lock.</summary>
    public virtual Task RenewSessionLockAsync(CancellationToken cancellationToken = default) =>
        throw ServiceBusMessageActions.NotHosted();
}
