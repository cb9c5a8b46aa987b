using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>What the reconciliation did with one statement, and how to settle its message.</summary>
/// <param name="Outcome">Applied, AlreadyApplied, Stale or DeadLettered.</param>
/// <param name="Disposition">Complete or dead-letter.</param>
/// <param name="Reason">The dead-letter reason.</param>
/// <param name="Description">What happened, for people.</param>
/// <param name="Opened">Breaks opened by this statement.</param>
/// <param name="Cleared">Breaks this statement cleared.</param>
/// <param name="Open">Open breaks of the account and kind after the statement.</param>
public sealed record ReconciliationResult(string Outcome, MessageDisposition Disposition, string? Reason, string Description, int Opened = 0, int Cleared = 0, int Open = 0)
{
    /// <summary>A message that can never succeed.</summary>
    public static ReconciliationResult DeadLetter(string reason, string description) => new(ReconciliationOutcomes.DeadLettered, MessageDisposition.DeadLetter, reason, description);
}

/// <summary>The outcomes of a statement.</summary>
public static class ReconciliationOutcomes
{
    /// <summary>Compared with the books; breaks opened, aged or cleared.</summary>
    public const string Applied = "Applied";

    /// <summary>The statement id was already applied (a redelivery or a resend): nothing changed.</summary>
    public const string AlreadyApplied = "AlreadyApplied";

    /// <summary>A statement older than the latest applied one: it cannot reopen or clear anything.</summary>
    public const string Stale = "Stale";

    /// <summary>Bad input: dead-lettered with a reason.</summary>
    public const string DeadLettered = "DeadLettered";
}

/// <summary>
/// The reconciliation stage: one custodian holdings statement or cash statement in, compared with the ledger, breaks
/// tracked. Side effects, in this order:
/// <list type="number">
/// <item>archive the statement as received (write once: a redelivery writes the same bytes);</item>
/// <item>parse strictly and resolve the account; bad input is archived with its reason and dead-lettered;</item>
/// <item>read the account's break state (a point read); an applied statement id re-archives the stored change record and stops; an older statement is stale;</item>
/// <item>read our holdings from the ledger as of the statement date (one read of the book shared by the statements that arrive together, decision 0068), compare (<see cref="Reconciler"/>), carry the breaks forward (<see cref="BreakTracker"/>);</item>
/// <item>write the new state with its change record in one conditional write, then archive the change record.</item>
/// </list>
/// </summary>
public sealed partial class ReconciliationHandler(
    IReconciliationStore store,
    ILedgerStore ledger,
    IReferenceDataSource referenceData,
    IArchiveStore archive,
    TimeProvider clock,
    ILogger<ReconciliationHandler> logger)
{
    /// <summary>The archive stage folder: <c>state/reconciliation/…</c>.</summary>
    public const string ArchiveStage = "reconciliation";

    /// <summary>The reason for a message id that arrived again with a different body.</summary>
    public const string MessageIdReusedReason = "MessageIdReused";

    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus.</summary>
    public const int MaximumWriteAttempts = 5;

    // Statements of one book and date that arrive together share one read of the book's entries (decision 0068).
    private readonly SharedBookHoldings _holdings = new(ledger);

    /// <summary>How many times the handler read a book's entries from the ledger (statements of one book share a read).</summary>
    public long LedgerReads => _holdings.Reads;

    /// <summary>Handles a holdings statement (semt.002 semantics).</summary>
    public Task<ReconciliationResult> HandleHoldingsAsync(InboundMessage inbound, CancellationToken cancellationToken) =>
        HandleAsync(inbound, HoldingKind.Securities, cancellationToken);

    /// <summary>Handles a cash statement (camt.053 semantics).</summary>
    public Task<ReconciliationResult> HandleCashAsync(InboundMessage inbound, CancellationToken cancellationToken) =>
        HandleAsync(inbound, HoldingKind.Cash, cancellationToken);

    /// <summary>The archive record name of a statement's break changes.</summary>
    public static string ChangeRecordName(string account, HoldingKind kind, string statementId) =>
        ArchiveRecordNames.State(ArchiveStage, $"{ArchiveRecordNames.Safe(account)}/{kind}/{ArchiveRecordNames.Safe(statementId)}.json");

    /// <summary>The archive record name of a dead-lettered statement's reason.</summary>
    public static string DeadLetterRecordName(string messageId) =>
        ArchiveRecordNames.State(ArchiveStage, $"dead-lettered/{ArchiveRecordNames.Safe(messageId)}.json");

    /// <summary>Business days for ageing: Monday to Friday (a break's age is operational urgency, not a market calendar).</summary>
    public static bool IsBusinessDay(DateOnly date) => date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private async Task<ReconciliationResult> HandleAsync(InboundMessage inbound, HoldingKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var entity = kind == HoldingKind.Securities ? Entities.HoldingsStatementsInbound.Name : Entities.CashStatementsInbound.Name;
        var day = ArchiveRecordNames.DayOf(clock.GetUtcNow());
        var received = await archive.WriteAsync(new ArchiveRecord(day, ArchiveRecordNames.Inbound(entity, inbound.MessageId), inbound.Body, "application/json"), cancellationToken);
        if (received == ArchiveWriteResult.Conflict)
        {
            return await DeadLetterAsync(day, inbound, new StatementProblem(MessageIdReusedReason, $"Message id {inbound.MessageId} was archived with a different body; a statement must be sent under a new message id."), cancellationToken);
        }

        var (statement, problem) = kind == HoldingKind.Securities ? StatementParser.ParseHoldings(inbound.Body.Span) : StatementParser.ParseCash(inbound.Body.Span);
        if (problem is not null)
        {
            return await DeadLetterAsync(day, inbound, problem, cancellationToken);
        }

        var snapshot = await referenceData.GetCurrentAsync(cancellationToken);
        if (!snapshot.Accounts.TryGetValue(statement!.Account, out var account))
        {
            return await DeadLetterAsync(day, inbound, new StatementProblem(StatementParser.UnknownAccountReason, $"Account '{statement.Account}' is not in reference data."), cancellationToken);
        }

        for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var document = await store.GetAsync(statement.Account, kind, cancellationToken);
            if (document is not null && document.AppliedStatementIds.Contains(statement.StatementId, StringComparer.Ordinal))
            {
                await FlushAsync(document.LastChange, cancellationToken);
                LogOutcome(statement.StatementId, inbound.MessageId, ReconciliationOutcomes.AlreadyApplied, 0, 0);
                return new ReconciliationResult(ReconciliationOutcomes.AlreadyApplied, MessageDisposition.Complete, null, $"Statement {statement.StatementId} was already applied.", Open: document.OpenBreaks.Count());
            }

            if (document?.LastStatementDate is { } last && statement.StatementDate < last)
            {
                LogOutcome(statement.StatementId, inbound.MessageId, ReconciliationOutcomes.Stale, 0, 0);
                return new ReconciliationResult(ReconciliationOutcomes.Stale, MessageDisposition.Complete, null, $"Statement {statement.StatementId} of {statement.StatementDate:yyyy-MM-dd} is older than the latest applied one ({last:yyyy-MM-dd}).");
            }

            // A previous statement whose change record was stored but not yet archived (a crash between the two) is archived first.
            await FlushAsync(document?.LastChange, cancellationToken);
            var current = document ?? ReconciliationDocument.Empty(statement.Account, kind);
            var ours = (await _holdings.ReadAsync(account.BookId, statement.StatementDate, cancellationToken)).Of(statement.Account, kind);
            var (next, change) = Apply(current, statement, ours, inbound.MessageId, day);
            var written = await store.TryWriteAsync(next, document?.ETag, cancellationToken);
            if (!written.Written)
            {
                LogWriteConflict(statement.Account, statement.StatementId, attempt);
                continue;
            }

            await FlushAsync(next.LastChange, cancellationToken);
            LogOutcome(statement.StatementId, inbound.MessageId, ReconciliationOutcomes.Applied, change.Opened.Count, change.Cleared.Count);
            return new ReconciliationResult(
                ReconciliationOutcomes.Applied,
                MessageDisposition.Complete,
                null,
                $"Statement {statement.StatementId} of {statement.Account} ({kind}) on {statement.StatementDate:yyyy-MM-dd}: {change.Opened.Count} opened, {change.Continuing.Count} continuing, {change.Cleared.Count} cleared.",
                change.Opened.Count,
                change.Cleared.Count,
                change.Opened.Count + change.Continuing.Count);
        }

        throw new ReconciliationConcurrencyException($"Account {statement.Account}: {MaximumWriteAttempts} reconciliation writes lost a race; the message will be retried.");
    }

    /// <summary>
    /// The pure step: compares the statement with our holdings, carries the breaks forward and describes the change.
    /// Closed breaks beyond <see cref="ReconciliationDocument.MaximumClosedBreaks"/> leave the document (the archive keeps them).
    /// </summary>
    public static (ReconciliationDocument Next, BreakChangeRecord Change) Apply(ReconciliationDocument current, Statement statement, OurHoldings ours, string messageId, DateOnly archiveDay)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(ours);
        var breaks = Reconciler.Compare(statement.StatementDate, ours.Settled, ours.Pending, statement.Lines);
        var before = current.Breaks.Select(b => b.ToTracked()).ToList();
        var wasOpen = before.Where(b => b.IsOpen).Select(b => b.Latest.BreakId).ToHashSet(StringComparer.Ordinal);
        var applied = BreakTracker.Apply(before, breaks, statement.StatementDate, statement.StatementId);

        // A break that reappears after it was cleared or explained is a new break under the same id: the open one
        // replaces the closed one in the document (the closed one's history is in the archive).
        var reopened = applied.Where(b => b.IsOpen).Select(b => b.Latest.BreakId).ToHashSet(StringComparer.Ordinal);
        var kept = applied.Where(b => b.IsOpen || !reopened.Contains(b.Latest.BreakId)).ToList();
        var closed = kept.Where(b => !b.IsOpen).OrderByDescending(b => b.ClearedOn ?? b.Latest.StatementDate).ThenBy(b => b.Latest.BreakId, StringComparer.Ordinal)
            .Take(ReconciliationDocument.MaximumClosedBreaks).ToList();
        var stored = kept.Where(b => b.IsOpen).Concat(closed).OrderBy(b => b.Latest.BreakId, StringComparer.Ordinal).ToList();

        ChangeLine Line(TrackedBreak b) => new(BreakWire.From(b), b.AgeInBusinessDays(statement.StatementDate, IsBusinessDay));
        var opened = stored.Where(b => b.IsOpen && !wasOpen.Contains(b.Latest.BreakId)).Select(Line).ToList();
        var continuing = stored.Where(b => b.IsOpen && wasOpen.Contains(b.Latest.BreakId)).Select(Line).ToList();
        var cleared = stored.Where(b => b.ClearedBy == statement.StatementId && b.ClearedOn == statement.StatementDate && wasOpen.Contains(b.Latest.BreakId)).Select(Line).ToList();
        var change = new BreakChangeRecord(statement.StatementId, messageId, statement.Account, statement.Kind.ToString(), statement.SenderLei, statement.StatementDate, statement.Lines.Count, opened, continuing, cleared);
        var record = new PendingReconciliationRecord(
            archiveDay,
            ChangeRecordName(statement.Account, statement.Kind, statement.StatementId),
            JsonSerializer.Serialize(change, ReconciliationJsonContext.Default.BreakChangeRecord));
        var remembered = current.AppliedStatementIds.Append(statement.StatementId).TakeLast(ReconciliationDocument.MaximumRememberedStatements).ToList();
        var next = current with
        {
            LastStatementDate = statement.StatementDate,
            AppliedStatementIds = remembered,
            Breaks = stored.Select(BreakWire.From).ToList(),
            LastChange = record,
        };
        return (next, change);
    }

    private async Task FlushAsync(PendingReconciliationRecord? pending, CancellationToken cancellationToken)
    {
        if (pending is null)
        {
            return;
        }

        var result = await archive.WriteAsync(new ArchiveRecord(pending.BusinessDate, pending.Name, Encoding.UTF8.GetBytes(pending.Content), "application/json"), cancellationToken);
        if (result == ArchiveWriteResult.Conflict)
        {
            LogArchiveConflict(pending.Name);
        }
    }

    private async Task<ReconciliationResult> DeadLetterAsync(DateOnly day, InboundMessage inbound, StatementProblem problem, CancellationToken cancellationToken)
    {
        var record = new DeadLetterRecord(inbound.MessageId, problem.Reason, problem.Description);
        await archive.WriteAsync(
            new ArchiveRecord(day, DeadLetterRecordName(inbound.MessageId), JsonSerializer.SerializeToUtf8Bytes(record, ReconciliationJsonContext.Default.DeadLetterRecord), "application/json"),
            cancellationToken);
        LogDeadLettered(inbound.MessageId, problem.Reason, problem.Description);
        return ReconciliationResult.DeadLetter(problem.Reason, problem.Description);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Statement {StatementId} (message {MessageId}): {Outcome}, {Opened} breaks opened, {Cleared} cleared")]
    private partial void LogOutcome(string statementId, string messageId, string outcome, int opened, int cleared);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Statement message {MessageId} dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciliation write for account {Account} (statement {StatementId}) lost a race on attempt {Attempt}; deciding again")]
    private partial void LogWriteConflict(string account, string statementId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Archive record {Name} exists with different content; nothing was overwritten")]
    private partial void LogArchiveConflict(string name);
}

/// <summary>One break in a change record, with its age in business days at the statement date.</summary>
public sealed record ChangeLine(
    [property: JsonPropertyName("break")] BreakWire Break,
    [property: JsonPropertyName("ageBusinessDays")] int AgeBusinessDays);

/// <summary>What one statement changed: the archived state change of the reconciliation (one per statement).</summary>
public sealed record BreakChangeRecord(
    [property: JsonPropertyName("statementId")] string StatementId,
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("account")] string Account,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("senderLei")] string SenderLei,
    [property: JsonPropertyName("statementDate")] DateOnly StatementDate,
    [property: JsonPropertyName("lines")] int Lines,
    [property: JsonPropertyName("opened")] IReadOnlyList<ChangeLine> Opened,
    [property: JsonPropertyName("continuing")] IReadOnlyList<ChangeLine> Continuing,
    [property: JsonPropertyName("cleared")] IReadOnlyList<ChangeLine> Cleared);

/// <summary>The archived reason of a dead-lettered statement.</summary>
public sealed record DeadLetterRecord(
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("description")] string Description);

/// <summary>Every attempt to write lost a concurrency race; transient, so the message is retried.</summary>
public sealed class ReconciliationConcurrencyException : Exception
{
    public ReconciliationConcurrencyException(string message) : base(message)
    {
    }

    public ReconciliationConcurrencyException()
    {
    }

    public ReconciliationConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BreakChangeRecord))]
[JsonSerializable(typeof(DeadLetterRecord))]
[JsonSerializable(typeof(BreakWire))]
internal sealed partial class ReconciliationJsonContext : JsonSerializerContext;
