using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessBackOffice.Cli.LoadRun;

/// <summary>How a function settled one delivery in the in-memory load run.</summary>
internal enum Settlement
{
    /// <summary>Not settled by the function.</summary>
    None,

    /// <summary>Completed.</summary>
    Completed,

    /// <summary>Abandoned (delivered again).</summary>
    Abandoned,

    /// <summary>Dead-lettered.</summary>
    DeadLettered,
}

/// <summary>The settlement calls of a function, recorded for the in-memory load run (which applies them to its bus).</summary>
internal sealed class InMemoryMessageActions : ServiceBusMessageActions
{
    /// <summary>What the function did with the message.</summary>
    public Settlement Settlement { get; private set; }

    /// <summary>The dead-letter reason, when dead-lettered.</summary>
    public string? Reason { get; private set; }

    /// <summary>The dead-letter description, when dead-lettered.</summary>
    public string? Description { get; private set; }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Settle(Settlement.Completed);

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        Settle(Settlement.Abandoned);

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = null, string? deadLetterReason = null, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        Reason = deadLetterReason;
        Description = deadLetterErrorDescription;
        return Settle(Settlement.DeadLettered);
    }

    public override Task DeferMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("No function of the back office defers messages; the load run does not model deferral.");

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private Task Settle(Settlement settlement)
    {
        if (Settlement != Settlement.None)
        {
            throw new InvalidOperationException($"The message is already settled ({Settlement}).");
        }

        Settlement = settlement;
        return Task.CompletedTask;
    }
}
