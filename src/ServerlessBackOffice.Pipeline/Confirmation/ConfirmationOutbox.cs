using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>What a confirmation-stage handler did with one inbound message, and how the trigger settles it.</summary>
/// <param name="Outcome">The outcome name (<see cref="ConfirmationRules.Outcomes"/>).</param>
/// <param name="Disposition">Complete, or dead-letter with <paramref name="Reason"/>.</param>
/// <param name="Reason">A stable reason code (dead-letters, and outcomes that changed nothing).</param>
/// <param name="Description">A human explanation.</param>
public sealed record ConfirmationResult(string Outcome, MessageDisposition Disposition, string? Reason, string Description)
{
    /// <summary>A final outcome: the message is completed.</summary>
    public static ConfirmationResult Complete(string outcome, string description, string? reason = null) => new(outcome, MessageDisposition.Complete, reason, description);

    /// <summary>A message that can never succeed: dead-lettered with a reason.</summary>
    public static ConfirmationResult DeadLetter(string reason, string description) =>
        new(ConfirmationRules.Outcomes.DeadLettered, MessageDisposition.DeadLetter, reason, description);
}

/// <summary>Every attempt to write lost a concurrency race; transient, so the message is retried.</summary>
public sealed class ConfirmationConcurrencyException : Exception
{
    public ConfirmationConcurrencyException(string message) : base(message)
    {
    }

    public ConfirmationConcurrencyException()
    {
    }

    public ConfirmationConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Publishes a confirmation document's outbox and writes its pending archive records (decision 0060). Both are idempotent —
/// deterministic message ids, write-once archive names with deterministic bytes — so a flush can be repeated by whoever
/// next touches the trade, which is what lets the stage skip the write that would clear the outbox.
/// </summary>
public sealed partial class ConfirmationOutbox(IMessagePublisher publisher, IArchiveStore archive, ILogger<ConfirmationOutbox> logger)
{
    /// <summary>
    /// Archives the pending records, then publishes the outbox in order, skipping messages the caller knows were delivered
    /// (an affirmation of a version proves its confirmation arrived). Transient failures throw.
    /// </summary>
    public async Task FlushAsync(ConfirmationDocument document, Func<OutboundMessage, bool>? delivered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        foreach (var record in document.PendingArchive)
        {
            await WriteAsync(new ArchiveRecord(record.BusinessDate, record.Name, Encoding.UTF8.GetBytes(record.Content), record.ContentType), cancellationToken);
        }

        foreach (var message in document.Outbox)
        {
            if (delivered is null || !delivered(message))
            {
                await publisher.PublishAsync(message, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Writes an archive record once. A different record under the same name means an earlier delivery archived another
    /// outcome: the first one stays (the archive never overwrites) and the clash is logged for operations.
    /// </summary>
    public async Task WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (await archive.WriteAsync(record, cancellationToken) == ArchiveWriteResult.Conflict)
        {
            LogArchiveConflict(record.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive record {Name} already holds different content; the first record stays")]
    private partial void LogArchiveConflict(string name);
}
