using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessBackOffice.Cli.LocalHost;

/// <summary>
/// Settles messages for a function hosted locally, through the processor's own event arguments — the same settlement
/// the Functions host performs in Azure through its gRPC settlement service.
/// </summary>
internal sealed class ReceiverMessageActions(ProcessMessageEventArgs args) : ServiceBusMessageActions
{
    /// <summary>Whether the function settled the message itself.</summary>
    public bool Settled { get; private set; }

    public override async Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        await args.CompleteMessageAsync(message, cancellationToken);
        Settled = true;
    }

    public override async Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        await args.AbandonMessageAsync(message, propertiesToModify, cancellationToken);
        Settled = true;
    }

    public override async Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = null, string? deadLetterReason = null, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        // The worker's ServiceBusMessageActions takes null properties (the default); the SDK's overload with properties throws
        // on null, so without properties the reason-only overload is the same settlement. Passing null on used to fail the
        // invocation, and the message was dead-lettered MaxDeliveryCountExceeded instead of with its reason.
        if (propertiesToModify is null)
        {
            await args.DeadLetterMessageAsync(message, deadLetterReason!, deadLetterErrorDescription, cancellationToken);
        }
        else
        {
            await args.DeadLetterMessageAsync(message, propertiesToModify, deadLetterReason, deadLetterErrorDescription, cancellationToken);
        }

        Settled = true;
    }

    public override async Task DeferMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        await args.DeferMessageAsync(message, propertiesToModify, cancellationToken);
        Settled = true;
    }

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        args.RenewMessageLockAsync(message, cancellationToken);
}
