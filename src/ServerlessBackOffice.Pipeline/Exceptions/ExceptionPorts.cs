using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;

namespace ServerlessBackOffice.Pipeline.Exceptions;

/// <summary>
/// One source of exceptions for the exceptions view: it reads where its stage keeps its outcomes and returns the cases a
/// person still has to act on, as of a date. Sources only read; repairs go through <see cref="RepairService"/>.
/// </summary>
public interface IExceptionSource
{
    /// <summary>The exception types this source produces.</summary>
    IReadOnlyList<ExceptionType> Types { get; }

    /// <summary>The open cases as of <paramref name="asOf"/> (bounded by each source's own limits).</summary>
    IAsyncEnumerable<ExceptionCase> ListOpenAsync(DateOnly asOf, CancellationToken cancellationToken);
}

/// <summary>A message on a dead-letter sub-queue, as peeked (nothing is locked or removed by reading it).</summary>
/// <param name="EntityPath">The queue name, or <c>&lt;topic&gt;/Subscriptions/&lt;subscription&gt;</c>.</param>
/// <param name="SequenceNumber">The broker's sequence number in the dead-letter sub-queue (the message's handle there).</param>
/// <param name="MessageId">The message id.</param>
/// <param name="CorrelationId">The correlation id, if any.</param>
/// <param name="Subject">The subject, if any.</param>
/// <param name="Reason">The dead-letter reason.</param>
/// <param name="Description">The dead-letter error description.</param>
/// <param name="EnqueuedAt">When the message was first enqueued.</param>
/// <param name="DeliveryCount">How often it was delivered before it was dead-lettered.</param>
/// <param name="ApplicationProperties">Its application properties, as text.</param>
/// <param name="Body">Its body.</param>
public sealed record DeadLetteredMessage(
    string EntityPath,
    long SequenceNumber,
    string MessageId,
    string? CorrelationId,
    string? Subject,
    string? Reason,
    string? Description,
    DateTimeOffset EnqueuedAt,
    int DeliveryCount,
    IReadOnlyDictionary<string, string> ApplicationProperties,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>The case id of a dead-lettered message in the exceptions view.</summary>
    public string CaseId => DeadLetterCaseId(EntityPath, SequenceNumber);

    /// <summary>The case id of a dead-lettered message: <c>dlq:&lt;entity path&gt;:&lt;sequence number&gt;</c>.</summary>
    public static string DeadLetterCaseId(string entityPath, long sequenceNumber) => FormattableString.Invariant($"dlq:{entityPath}:{sequenceNumber}");

    /// <summary>Splits a dead-letter case id back into the entity path and sequence number; false when it is not one.</summary>
    public static bool TryParseCaseId(string caseId, out string entityPath, out long sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        entityPath = string.Empty;
        sequenceNumber = 0;
        var last = caseId.LastIndexOf(':');
        if (!caseId.StartsWith("dlq:", StringComparison.Ordinal) || last <= 4
            || !long.TryParse(caseId.AsSpan(last + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequenceNumber))
        {
            return false;
        }

        entityPath = caseId[4..last];
        return true;
    }
}

/// <summary>
/// The dead-letter sub-queues of every queue and subscription in the topology (Service Bus in production: peeked with a
/// receiver on <c>SubQueue.DeadLetter</c>).
/// </summary>
public interface IDeadLetterQueues
{
    /// <summary>The entity paths whose dead-letter sub-queues are watched.</summary>
    IReadOnlyList<string> EntityPaths { get; }

    /// <summary>Peeks up to <paramref name="maxPerEntity"/> messages of one entity's dead-letter sub-queue, oldest first.</summary>
    Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string entityPath, int maxPerEntity, CancellationToken cancellationToken);

    /// <summary>Peeks one message by its sequence number, or null when it is no longer there.</summary>
    Task<DeadLetteredMessage?> PeekOneAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Removes one message from the dead-letter sub-queue (received and completed); false when it is no longer there.
    /// Called only after its resubmission was published, so a crash in between leaves it visible, never lost.
    /// </summary>
    Task<bool> RemoveAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken);
}

/// <summary>
/// The cross-partition reads of the exceptions view over the confirmation and compliance stores (a person's query, never
/// the per-trade path): confirmations awaiting a person, and alerts raised since a date.
/// </summary>
public interface IExceptionDocumentQuery
{
    /// <summary>Confirmation documents that are mismatched, or confirmed and already reported unaffirmed at the cut-off.</summary>
    IAsyncEnumerable<ConfirmationDocument> ConfirmationExceptionsAsync(CancellationToken cancellationToken);

    /// <summary>Compliance alerts raised on or after <paramref name="since"/> (by trade date).</summary>
    IAsyncEnumerable<ComplianceAlertRaised> AlertsSinceAsync(DateOnly since, CancellationToken cancellationToken);
}

/// <summary>The exceptions view over the in-memory confirmation and compliance stores (tests and in-process runs).</summary>
public sealed class InMemoryExceptionDocumentQuery(InMemoryConfirmationStore confirmations, InMemoryComplianceStore compliance) : IExceptionDocumentQuery
{
    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> ConfirmationExceptionsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var document in confirmations.Documents.Where(ExceptionSources.NeedsAPerson).OrderBy(d => d.TradeId, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return document;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ComplianceAlertRaised> AlertsSinceAsync(DateOnly since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        var from = since.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var alert in compliance.Alerts.Where(a => string.CompareOrdinal(a.TradeDate, from) >= 0).OrderBy(a => a.AlertId, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return alert;
        }
    }
}

/// <summary>Dead-letter sub-queues in memory: tests put messages in; removal is by sequence number.</summary>
public sealed class InMemoryDeadLetterQueues(IReadOnlyList<string> entityPaths) : IDeadLetterQueues
{
    private readonly Lock _gate = new();
    private readonly List<DeadLetteredMessage> _messages = [];
    private long _sequence;

    /// <inheritdoc />
    public IReadOnlyList<string> EntityPaths { get; } = entityPaths;

    /// <summary>Dead-letters a message (as the broker would), returning it with its sequence number.</summary>
    public DeadLetteredMessage Add(DeadLetteredMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var stored = message with { SequenceNumber = ++_sequence };
            _messages.Add(stored);
            return stored;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DeadLetteredMessage>> PeekAsync(string entityPath, int maxPerEntity, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<DeadLetteredMessage>>([.. _messages.Where(m => m.EntityPath == entityPath).Take(maxPerEntity)]);
        }
    }

    /// <inheritdoc />
    public Task<DeadLetteredMessage?> PeekOneAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_messages.FirstOrDefault(m => m.EntityPath == entityPath && m.SequenceNumber == sequenceNumber));
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string entityPath, long sequenceNumber, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_messages.RemoveAll(m => m.EntityPath == entityPath && m.SequenceNumber == sequenceNumber) > 0);
        }
    }
}
