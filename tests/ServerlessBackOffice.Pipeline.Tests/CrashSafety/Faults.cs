using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Pipeline.Tests.CrashSafety;

/// <summary>The process dying at a step boundary, as the handler sees it.</summary>
internal sealed class SimulatedCrashException(string message) : Exception(message);

/// <summary>
/// Where a run crashes: at the <see cref="CrashAt"/>-th side effect (a state write, a publish, an archive write), before it
/// happens or just after it succeeded (the write is stored but the process dies before it hears so). Fires once; a clean
/// plan (<see cref="CrashAt"/> 0) only counts the side effects.
/// </summary>
internal sealed class CrashPlan(int crashAt = 0, bool afterTheCall = false)
{
    private bool _fired;

    public int CrashAt { get; } = crashAt;

    public bool AfterTheCall { get; } = afterTheCall;

    /// <summary>Side effects seen so far.</summary>
    public int Steps { get; private set; }

    /// <summary>What the crash interrupted, once it fired.</summary>
    public string? Crashed { get; private set; }

    public async Task<T> StepAsync<T>(string what, Func<Task<T>> call)
    {
        var crash = !_fired && ++Steps == CrashAt;
        if (crash && !AfterTheCall)
        {
            Fire($"before {what}");
        }

        var result = await call();
        if (crash)
        {
            Fire($"after {what}");
        }

        return result;
    }

    public Task StepAsync(string what, Func<Task> call) => StepAsync(what, async () =>
    {
        await call();
        return true;
    });

    private void Fire(string what)
    {
        _fired = true;
        Crashed = what;
        throw new SimulatedCrashException($"Crash {what} (side effect {CrashAt}).");
    }
}

/// <summary>Fault-injecting decorators around the ports: each write-like call is a step of <see cref="CrashPlan"/>.</summary>
internal static class Faults
{
    public static IMessagePublisher Publisher(IMessagePublisher inner, CrashPlan plan) => new FaultyPublisher(inner, plan);

    public static ITradeStore Trades(ITradeStore inner, CrashPlan plan) => new FaultyTradeStore(inner, plan);

    public static ICaptureArchive CaptureArchive(ICaptureArchive inner, CrashPlan plan) => new FaultyCaptureArchive(inner, plan);

    public static IConfirmationStore Confirmations(IConfirmationStore inner, CrashPlan plan) => new FaultyConfirmationStore(inner, plan);

    public static IArchiveStore Archive(IArchiveStore inner, CrashPlan plan) => new FaultyArchiveStore(inner, plan);

    public static ILedgerStore Ledger(ILedgerStore inner, CrashPlan plan) => new FaultyLedgerStore(inner, plan);

    public static ISettlementStore Settlement(ISettlementStore inner, CrashPlan plan) => new FaultySettlementStore(inner, plan);

    public static IComplianceStore Compliance(IComplianceStore inner, CrashPlan plan) => new FaultyComplianceStore(inner, plan);

    public static IReconciliationStore Reconciliation(IReconciliationStore inner, CrashPlan plan) => new FaultyReconciliationStore(inner, plan);

    private sealed class FaultyPublisher(IMessagePublisher inner, CrashPlan plan) : IMessagePublisher
    {
        public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken) =>
            plan.StepAsync($"publishing {message.MessageId}", () => inner.PublishAsync(message, cancellationToken));
    }

    private sealed class FaultyTradeStore(ITradeStore inner, CrashPlan plan) : ITradeStore
    {
        public Task<TradeDocument?> GetAsync(string tradeId, CancellationToken cancellationToken) => inner.GetAsync(tradeId, cancellationToken);

        public Task<StoreWriteResult> TryWriteAsync(TradeDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing trade {document.TradeId}", () => inner.TryWriteAsync(document, expectedETag, cancellationToken));
    }

    private sealed class FaultyCaptureArchive(ICaptureArchive inner, CrashPlan plan) : ICaptureArchive
    {
        public Task<CaptureArchiveEntry> ArchiveAsync(CaptureArchiveEntry entry, CancellationToken cancellationToken) =>
            plan.StepAsync($"archiving {entry.InboundMessageId}", () => inner.ArchiveAsync(entry, cancellationToken));

        // A read changes nothing, so it is no step: a crash before it is the crash after the step before.
        public Task<CaptureArchiveEntry?> FindAsync(string inboundMessageId, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
            inner.FindAsync(inboundMessageId, receivedAt, cancellationToken);
    }

    private sealed class FaultyConfirmationStore(IConfirmationStore inner, CrashPlan plan) : IConfirmationStore
    {
        public Task<ConfirmationDocument?> GetAsync(string tradeId, CancellationToken cancellationToken) => inner.GetAsync(tradeId, cancellationToken);

        public Task<StoreWriteResult> TryWriteAsync(ConfirmationDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing confirmation {document.TradeId}", () => inner.TryWriteAsync(document, expectedETag, cancellationToken));

        public IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, CancellationToken cancellationToken) => inner.DueForCutoffAsync(at, cancellationToken);

        public IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.HeldOnlyBeforeAsync(before, cancellationToken);

        public Task<bool> TryDeleteAsync(string tradeId, string expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"deleting confirmation {tradeId}", () => inner.TryDeleteAsync(tradeId, expectedETag, cancellationToken));
    }

    private sealed class FaultyArchiveStore(IArchiveStore inner, CrashPlan plan) : IArchiveStore
    {
        public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken) =>
            plan.StepAsync($"archiving {record.Name}", () => inner.WriteAsync(record, cancellationToken));

        public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) => inner.ListAsync(businessDate, cancellationToken);

        public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken) => inner.OpenAsync(businessDate, name, cancellationToken);

        public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken) => plan.StepAsync("sealing", () => inner.WriteSealAsync(seal, cancellationToken));

        public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken) => inner.ReadSealAsync(businessDate, cancellationToken);

        public IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken) => inner.DaysAsync(cancellationToken);
    }

    private sealed class FaultyLedgerStore(ILedgerStore inner, CrashPlan plan) : ILedgerStore
    {
        public Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken) => inner.LoadAsync(tradeId, cancellationToken);

        public Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken) =>
            plan.StepAsync($"committing ledger {decision.State.TradeId}", () => inner.TryCommitAsync(loaded, decision, cancellationToken));

        public Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken) => inner.ClosedDaysAsync(book, cancellationToken);

        public Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken) => plan.StepAsync("closing a day", () => inner.CloseDayAsync(book, day, cancellationToken));

        public IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, CancellationToken cancellationToken) => inner.EntriesAsync(book, asOf, cancellationToken);
    }

    private sealed class FaultySettlementStore(ISettlementStore inner, CrashPlan plan) : ISettlementStore
    {
        public Task<TradeSettlementDocument?> GetTradeAsync(string tradeId, CancellationToken cancellationToken) => inner.GetTradeAsync(tradeId, cancellationToken);

        public Task<StoreWriteResult> TryWriteTradeAsync(TradeSettlementDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing settlement of trade {document.TradeId} ({document.Status})", () => inner.TryWriteTradeAsync(document, expectedETag, cancellationToken));

        public Task<SettlementInstructionDocument?> GetInstructionAsync(string instructionId, CancellationToken cancellationToken) => inner.GetInstructionAsync(instructionId, cancellationToken);

        public Task<StoreWriteResult> TryWriteInstructionAsync(SettlementInstructionDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing instruction {document.InstructionId} ({document.Phase}, {document.Lifecycle.Status})", () => inner.TryWriteInstructionAsync(document, expectedETag, cancellationToken));

        public Task<NettingRunMarker?> GetNettingRunMarkerAsync(CancellationToken cancellationToken) => inner.GetNettingRunMarkerAsync(cancellationToken);

        public Task<StoreWriteResult> TryWriteNettingRunMarkerAsync(NettingRunMarker marker, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing the netting run marker ({marker.CompletedRuns} runs finished)", () => inner.TryWriteNettingRunMarkerAsync(marker, expectedETag, cancellationToken));

        public IAsyncEnumerable<TradeSettlementDocument> AwaitingNettingAsync(DateOnly through, CancellationToken cancellationToken) => inner.AwaitingNettingAsync(through, cancellationToken);

        public IAsyncEnumerable<SettlementInstructionDocument> DraftInstructionsAsync(CancellationToken cancellationToken) => inner.DraftInstructionsAsync(cancellationToken);

        public IAsyncEnumerable<SettlementInstructionDocument> OpenInstructionsAsync(CancellationToken cancellationToken) => inner.OpenInstructionsAsync(cancellationToken);
    }

    private sealed class FaultyComplianceStore(IComplianceStore inner, CrashPlan plan) : IComplianceStore
    {
        public Task<LoadedComplianceWindow> LoadWindowAsync(string beneficialOwner, string isin, CancellationToken cancellationToken) => inner.LoadWindowAsync(beneficialOwner, isin, cancellationToken);

        public Task<string?> TryWriteWindowAsync(ComplianceWindowDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing window {document.Window.BeneficialOwner}/{document.Window.Isin} (outbox {document.Outbox.Count})", () => inner.TryWriteWindowAsync(document, expectedETag, cancellationToken));

        public Task<bool> StoreAlertAsync(ComplianceAlertRaised alert, CancellationToken cancellationToken) =>
            plan.StepAsync($"storing alert {alert.AlertId}", () => inner.StoreAlertAsync(alert, cancellationToken));

        public Task<ComplianceAlertRaised?> GetAlertAsync(string alertId, CancellationToken cancellationToken) => inner.GetAlertAsync(alertId, cancellationToken);
    }

    private sealed class FaultyReconciliationStore(IReconciliationStore inner, CrashPlan plan) : IReconciliationStore
    {
        public Task<ReconciliationDocument?> GetAsync(string account, HoldingKind kind, CancellationToken cancellationToken) => inner.GetAsync(account, kind, cancellationToken);

        public Task<StoreWriteResult> TryWriteAsync(ReconciliationDocument document, string? expectedETag, CancellationToken cancellationToken) =>
            plan.StepAsync($"writing reconciliation {document.Account}/{document.Kind}", () => inner.TryWriteAsync(document, expectedETag, cancellationToken));

        public IAsyncEnumerable<ReconciliationDocument> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
    }
}
