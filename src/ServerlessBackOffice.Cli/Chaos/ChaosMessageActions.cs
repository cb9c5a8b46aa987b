using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessBackOffice.Cli.Chaos;

/// <summary>
/// The message actions a function settles through under chaos: a crash between the handler and the settle call, a transient
/// Service Bus error on the settle call (before it reached the broker: the message is redelivered; or after: it is settled
/// and the function sees an error), or a lock that was lost (the settle call fails with MessageLockLost).
/// A duplicate delivery (<paramref name="inner"/> null) never settles: its lock belongs to the other delivery.
/// </summary>
internal sealed class ChaosMessageActions(ServiceBusMessageActions? inner, ChaosMonkey monkey, ChaosMonkey.InvocationContext context) : ServiceBusMessageActions
{
    /// <summary>The host dies before the settle call.</summary>
    public bool CrashOnSettle { get; init; }

    /// <summary>A transient error on the settle call.</summary>
    public SettleFault SettleFault { get; init; }

    /// <summary>The lock lapsed: every settle call fails with MessageLockLost.</summary>
    public bool LockLost { get; set; }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        SettleAsync(inner => inner.CompleteMessageAsync(message, cancellationToken));

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        SettleAsync(inner => inner.AbandonMessageAsync(message, propertiesToModify, cancellationToken));

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = null, string? deadLetterReason = null, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) =>
        SettleAsync(inner => inner.DeadLetterMessageAsync(message, propertiesToModify, deadLetterReason, deadLetterErrorDescription, cancellationToken));

    public override Task DeferMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        SettleAsync(inner => inner.DeferMessageAsync(message, propertiesToModify, cancellationToken));

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        LockLost || inner is null ? throw LockLostException() : inner.RenewMessageLockAsync(message, cancellationToken);

    private async Task SettleAsync(Func<ServiceBusMessageActions, Task> settle)
    {
        if (inner is null || LockLost)
        {
            throw LockLostException();
        }

        if (CrashOnSettle)
        {
            monkey.Record(ChaosFault.Crash, "after handler");
            throw new ChaosException($"Chaos: the host crashed after {context.Function} handled message {context.MessageId}, before settling it.");
        }

        if (SettleFault == SettleFault.Before)
        {
            monkey.Record(ChaosFault.BusTransient, "settle before");
            throw Transient("before the settle call reached the broker");
        }

        await settle(inner);
        if (SettleFault == SettleFault.After)
        {
            monkey.Record(ChaosFault.BusTransient, "settle after");
            throw Transient("after the broker settled the message");
        }
    }

    private ServiceBusException LockLostException() =>
        new($"Chaos: the lock of message {context.MessageId} (delivery {context.Delivery}) was lost.", ServiceBusFailureReason.MessageLockLost);

    private ServiceBusException Transient(string when) =>
        new($"Chaos: a transient Service Bus error {when} ({context.Function}, message {context.MessageId}).", ServiceBusFailureReason.ServiceCommunicationProblem);
}
