using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Exceptions;

/// <summary>A stored repair with the store's concurrency token.</summary>
/// <param name="Repair">The repair.</param>
/// <param name="ETag">The token a write must present.</param>
public sealed record StoredRepair(Repair Repair, string ETag);

/// <summary>The repairs' storage port (Cosmos container exceptionRepairs in production, partitioned by repair id).</summary>
public interface IRepairStore
{
    /// <summary>Reads a repair, or null.</summary>
    Task<StoredRepair?> GetAsync(string repairId, CancellationToken cancellationToken);

    /// <summary>Creates (<paramref name="expectedETag"/> null) or replaces the repair if unchanged since read.</summary>
    Task<StoreWriteResult> TryWriteAsync(Repair repair, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Every repair (a person's query).</summary>
    IAsyncEnumerable<Repair> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The repair store in memory, with the Cosmos store's conditional-write semantics.</summary>
public sealed class InMemoryRepairStore : IRepairStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Repair Repair, long Version)> _repairs = new(StringComparer.Ordinal);
    private long _version;

    /// <inheritdoc />
    public Task<StoredRepair?> GetAsync(string repairId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_repairs.TryGetValue(repairId, out var stored) ? new StoredRepair(stored.Repair, stored.Version.ToString(CultureInfo.InvariantCulture)) : null);
        }
    }

    /// <inheritdoc />
    public Task<StoreWriteResult> TryWriteAsync(Repair repair, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repair);
        lock (_gate)
        {
            var exists = _repairs.TryGetValue(repair.RepairId, out var stored);
            if (expectedETag is null ? exists : !exists || stored.Version.ToString(CultureInfo.InvariantCulture) != expectedETag)
            {
                return Task.FromResult(StoreWriteResult.Conflict);
            }

            var version = ++_version;
            _repairs[repair.RepairId] = (repair, version);
            return Task.FromResult(new StoreWriteResult(true, version.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Repair> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        List<Repair> all;
        lock (_gate)
        {
            all = [.. _repairs.Values.Select(r => r.Repair).OrderBy(r => r.RepairId, StringComparer.Ordinal)];
        }

        foreach (var repair in all)
        {
            yield return repair;
        }
    }
}

/// <summary>What a repair executor says about a proposed repair: the state before it, or why it cannot be proposed.</summary>
/// <param name="Before">A rendering of what the repair will change, as it is now.</param>
/// <param name="Problem">Why the repair is not possible, or null.</param>
public sealed record RepairCheck(string Before, string? Problem)
{
    /// <summary>A repair that cannot be proposed.</summary>
    public static RepairCheck Refused(string problem) => new(string.Empty, problem);
}

/// <summary>
/// Carries out one kind of repair. Both steps take the case id (the repair's subject) and the maker's "after" (a corrected
/// body, a tolerance, a rebooked trade, an explanation). Execution must be idempotent: an approval that crashed before
/// it recorded the execution executes again, and must change nothing the first execution already changed.
/// </summary>
public interface IRepairExecutor
{
    /// <summary>The kind of repair.</summary>
    RepairKind Kind { get; }

    /// <summary>Checks a proposal and renders the "before".</summary>
    Task<RepairCheck> CheckAsync(string caseId, string after, CancellationToken cancellationToken);

    /// <summary>Executes an approved repair; returns what was done (kept in the repair's history).</summary>
    Task<string> ExecuteAsync(Repair repair, CancellationToken cancellationToken);
}

/// <summary>What became of a repair request.</summary>
public enum RepairOutcome
{
    /// <summary>Proposed; waiting for a checker.</summary>
    Proposed,

    /// <summary>Approved and executed.</summary>
    Executed,

    /// <summary>Rejected by a checker.</summary>
    Rejected,

    /// <summary>Already executed: nothing was done again.</summary>
    AlreadyExecuted,

    /// <summary>No such repair.</summary>
    NotFound,

    /// <summary>The maker tried to approve or reject their own repair.</summary>
    SameAsMaker,

    /// <summary>The repair is not in a state that allows the step (already decided by someone else).</summary>
    WrongState,

    /// <summary>The proposal is not possible (the executor refused it).</summary>
    Invalid,
}

/// <summary>The answer to a repair request.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Repair">The repair as it now stands, when there is one.</param>
/// <param name="Description">A sentence for the person.</param>
public sealed record RepairResult(RepairOutcome Outcome, Repair? Repair, string Description);

/// <summary>
/// Maker-checker repairs: a maker proposes (with the before and the after), a different checker approves or rejects, and
/// an approved repair executes exactly once. Every step is written to the repair store with optimistic concurrency, so of
/// two concurrent approvals only one wins and executes, and archived under <c>state/exceptions/repairs/&lt;id&gt;/</c>.
/// </summary>
public sealed partial class RepairService(IRepairStore store, IArchiveStore archive, IEnumerable<IRepairExecutor> executors, TimeProvider clock, ILogger<RepairService> logger)
{
    /// <summary>The archive stage folder of repairs.</summary>
    public const string ArchiveStage = "exceptions";

    private readonly Dictionary<RepairKind, IRepairExecutor> _executors = executors.ToDictionary(e => e.Kind);

    /// <summary>The archive record of a repair step.</summary>
    public static string RecordName(string repairId, string step) => ArchiveRecordNames.State(ArchiveStage, $"repairs/{ArchiveRecordNames.Safe(repairId)}/{step}.json");

    /// <summary>Proposes a repair of a case. The same proposal (same maker, case, kind, after) sent twice gives the same repair.</summary>
    public async Task<RepairResult> ProposeAsync(RepairKind kind, string caseId, string after, string reason, string maker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        ArgumentNullException.ThrowIfNull(after);
        if (string.IsNullOrWhiteSpace(maker) || string.IsNullOrWhiteSpace(reason))
        {
            return new RepairResult(RepairOutcome.Invalid, null, "A repair needs a named maker and a reason.");
        }

        if (!_executors.TryGetValue(kind, out var executor))
        {
            return new RepairResult(RepairOutcome.Invalid, null, $"No executor for {kind} repairs is registered.");
        }

        var check = await executor.CheckAsync(caseId, after, cancellationToken);
        if (check.Problem is not null)
        {
            return new RepairResult(RepairOutcome.Invalid, null, check.Problem);
        }

        var now = clock.GetUtcNow();
        var id = RepairId(kind, caseId, after, maker, now);
        var existing = await store.GetAsync(id, cancellationToken);
        if (existing is not null)
        {
            return new RepairResult(RepairOutcome.Proposed, existing.Repair, $"Repair {id} was already proposed.");
        }

        var repair = Repair.Propose(id, kind, caseId, check.Before, after, reason, maker, now);
        var written = await store.TryWriteAsync(repair, null, cancellationToken);
        if (!written.Written)
        {
            var stored = await store.GetAsync(id, cancellationToken);
            return new RepairResult(RepairOutcome.Proposed, stored?.Repair ?? repair, $"Repair {id} was already proposed.");
        }

        await ArchiveAsync(repair, "proposed", now, cancellationToken);
        LogStep(id, kind, caseId, "proposed", maker);
        return new RepairResult(RepairOutcome.Proposed, repair, $"Repair {id} proposed by {maker}; a different person must approve it.");
    }

    /// <summary>
    /// Approves a repair and executes it. The approval is written first (only one of concurrent approvals wins); then the
    /// executor runs; then the execution is recorded. An approval whose execution was interrupted executes again when
    /// approved again (executors are idempotent); an executed repair never executes again.
    /// </summary>
    public async Task<RepairResult> ApproveAsync(string repairId, string checker, string? comment, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(repairId, cancellationToken);
        if (stored is null)
        {
            return new RepairResult(RepairOutcome.NotFound, null, $"No repair {repairId}.");
        }

        var repair = stored.Repair;
        var etag = stored.ETag;
        if (string.Equals(repair.Maker, checker, StringComparison.OrdinalIgnoreCase))
        {
            return new RepairResult(RepairOutcome.SameAsMaker, repair, $"{checker} proposed repair {repairId} and cannot approve it.");
        }

        switch (repair.State)
        {
            case RepairState.Executed:
                return new RepairResult(RepairOutcome.AlreadyExecuted, repair, $"Repair {repairId} was already executed; nothing was done again.");
            case RepairState.Rejected:
                return new RepairResult(RepairOutcome.WrongState, repair, $"Repair {repairId} was rejected by {repair.Checker}.");
            case RepairState.Proposed:
                var (approved, refusal) = MakerChecker.Approve(repair, checker, clock.GetUtcNow(), comment);
                if (refusal != RepairRefusal.None)
                {
                    return new RepairResult(refusal == RepairRefusal.SameAsMaker ? RepairOutcome.SameAsMaker : RepairOutcome.WrongState, repair, $"Repair {repairId} cannot be approved: {refusal}.");
                }

                var write = await store.TryWriteAsync(approved, etag, cancellationToken);
                if (!write.Written)
                {
                    var now = await store.GetAsync(repairId, cancellationToken);
                    return new RepairResult(RepairOutcome.WrongState, now?.Repair ?? repair, $"Repair {repairId} was decided by someone else meanwhile.");
                }

                repair = approved;
                etag = write.ETag!;
                await ArchiveAsync(repair, "approved", clock.GetUtcNow(), cancellationToken);
                LogStep(repairId, repair.Kind, repair.Subject, "approved", checker);
                break;
            case RepairState.Approved:
                // An approval whose execution did not get recorded: execute again (idempotently) and record it.
                LogResumed(repairId, checker);
                break;
            default:
                throw new System.Diagnostics.UnreachableException($"Unknown repair state {repair.State}.");
        }

        var done = await _executors[repair.Kind].ExecuteAsync(repair, cancellationToken);
        var (executed, _) = MakerChecker.MarkExecuted(repair, checker, clock.GetUtcNow());
        executed = executed with { History = [.. executed.History.SkipLast(1), executed.History[^1] with { Comment = done }] };
        var recorded = await store.TryWriteAsync(executed, etag, cancellationToken);
        if (!recorded.Written)
        {
            // Another approver resumed the same approved repair and recorded the execution first: same effect, once.
            var now = await store.GetAsync(repairId, cancellationToken);
            return new RepairResult(RepairOutcome.AlreadyExecuted, now?.Repair ?? executed, $"Repair {repairId} was executed by a concurrent approval.");
        }

        await ArchiveAsync(executed, "executed", clock.GetUtcNow(), cancellationToken);
        LogStep(repairId, repair.Kind, repair.Subject, "executed", checker);
        return new RepairResult(RepairOutcome.Executed, executed, $"Repair {repairId} approved by {checker} and executed: {done}");
    }

    /// <summary>Rejects a proposed repair (a checker other than the maker).</summary>
    public async Task<RepairResult> RejectAsync(string repairId, string checker, string? comment, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(repairId, cancellationToken);
        if (stored is null)
        {
            return new RepairResult(RepairOutcome.NotFound, null, $"No repair {repairId}.");
        }

        var (rejected, refusal) = MakerChecker.Reject(stored.Repair, checker, clock.GetUtcNow(), comment);
        if (refusal != RepairRefusal.None)
        {
            return new RepairResult(refusal == RepairRefusal.SameAsMaker ? RepairOutcome.SameAsMaker : RepairOutcome.WrongState, stored.Repair, $"Repair {repairId} cannot be rejected: {refusal} (state {stored.Repair.State}).");
        }

        var write = await store.TryWriteAsync(rejected, stored.ETag, cancellationToken);
        if (!write.Written)
        {
            var now = await store.GetAsync(repairId, cancellationToken);
            return new RepairResult(RepairOutcome.WrongState, now?.Repair ?? stored.Repair, $"Repair {repairId} was decided by someone else meanwhile.");
        }

        await ArchiveAsync(rejected, "rejected", clock.GetUtcNow(), cancellationToken);
        LogStep(repairId, rejected.Kind, rejected.Subject, "rejected", checker);
        return new RepairResult(RepairOutcome.Rejected, rejected, $"Repair {repairId} rejected by {checker}.");
    }

    /// <summary>Reads a repair.</summary>
    public async Task<Repair?> GetAsync(string repairId, CancellationToken cancellationToken) => (await store.GetAsync(repairId, cancellationToken))?.Repair;

    /// <summary>Every repair.</summary>
    public IAsyncEnumerable<Repair> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>The repair id: the day, then a hash of what makes the proposal (so a retried proposal is the same repair).</summary>
    public static string RepairId(RepairKind kind, string caseId, string after, string maker, DateTimeOffset at)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', kind.ToString(), caseId, after, maker.ToUpperInvariant(), ArchiveRecordNames.DayOf(at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))));
        return string.Create(CultureInfo.InvariantCulture, $"R-{ArchiveRecordNames.DayOf(at):yyyyMMdd}-{Convert.ToHexStringLower(hash)[..12]}");
    }

    /// <summary>The archived JSON of a repair step (the whole repair: before, after, and every step so far).</summary>
    public static byte[] Render(Repair repair) => JsonSerializer.SerializeToUtf8Bytes(repair, RepairJsonContext.Default.Repair);

    private async Task ArchiveAsync(Repair repair, string step, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var result = await archive.WriteAsync(new ArchiveRecord(ArchiveRecordNames.DayOf(at), RecordName(repair.RepairId, step), Render(repair), "application/json"), cancellationToken);
        if (result == ArchiveWriteResult.Conflict)
        {
            LogArchiveConflict(repair.RepairId, step);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair {RepairId} ({Kind} of {CaseId}) {Step} by {Actor}")]
    private partial void LogStep(string repairId, RepairKind kind, string caseId, string step, string actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair {RepairId} was approved but its execution was not recorded; {Actor} executes it again")]
    private partial void LogResumed(string repairId, string actor);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair {RepairId}: the archive already holds a different {Step} record; nothing was overwritten")]
    private partial void LogArchiveConflict(string repairId, string step);
}

/// <summary>The repairs' JSON: camelCase, enums as names.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Repair))]
[JsonSerializable(typeof(List<Repair>))]
public sealed partial class RepairJsonContext : JsonSerializerContext;
