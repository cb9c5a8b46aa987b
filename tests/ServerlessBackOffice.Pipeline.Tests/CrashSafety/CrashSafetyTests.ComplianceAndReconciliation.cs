using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Risk;
using ServerlessBackOffice.Pipeline.Tests.Reconciliation;
using static ServerlessBackOffice.Pipeline.Contracts.Compliance.ComplianceEvents;

namespace ServerlessBackOffice.Pipeline.Tests.CrashSafety;

/// <summary>Crash safety of compliance surveillance and of the statement reconciliation.</summary>
public sealed partial class CrashSafetyTests
{
    [Fact]
    public async Task Compliance_CrashedAtEveryStepBoundaryAndRedelivered_StoresArchivesAndPublishesEachAlertOnce()
    {
        const string Restricted = "US17275R1023";
        var deliveries = new[]
        {
            Inbound(Event("T-1", isin: Restricted)),
            Inbound(Event("T-2", quantity: 50_001m)),
            Inbound(Event("T-3")),
            Inbound(Event("T-3"), messageId: "T-3-copy"),
            Inbound(Event("T-1", version: 2, quantity: 120m, isin: Restricted)),
            Inbound(Event("T-4", minutes: 5), TimeSpan.FromMinutes(16)),
            Inbound(Event("T-5", side: "sell", minutes: 1)),
            Inbound(Event("T-2", version: 2, quantity: 50_001m, eventType: "TradeCancelled", status: "Cancelled")),
            new ComplianceInbound("BAD", null, "{\"eventType\":"u8.ToArray(), Executed),
        };
        var configuration = SampleComplianceConfiguration.Load();
        var owner = configuration.OwnerOf("ACC-US-003");

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            var store = new InMemoryComplianceStore();
            var bus = new InMemoryMessagePublisher();
            var archive = new InMemoryArchiveStore();
            var handler = new ComplianceHandler(
                Faults.Compliance(store, plan), Faults.Archive(archive, plan), Faults.Publisher(bus, plan), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()),
                new FixedPriceHistorySource(ComplianceKit.Prices), configuration, new ManualClock(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero)),
                NullLogger<ComplianceHandler>.Instance);
            var settled = new List<string>();
            foreach (var inbound in deliveries)
            {
                var first = string.Empty;
                await DeliverAsync(
                    async _ =>
                    {
                        var outcome = await handler.HandleAsync(inbound, Ct);
                        first = first.Length > 0 ? first : outcome.Result == ComplianceResult.DeadLettered ? $"dead-lettered {outcome.Reason}" : "completed";
                        return outcome;
                    },
                    redeliverAfterSuccess);
                settled.Add($"message {inbound.MessageId} {first}");
            }

            var windows = new List<string>();
            foreach (var isin in new[] { Restricted, Isin })
            {
                var window = (await store.LoadWindowAsync(owner, isin, Ct)).Document;
                windows.Add(
                    $"window {owner}/{isin} trades [{string.Join(";", window.Window.Trades)}] folded [{string.Join(";", window.Window.FoldedPositions.Select(p => $"{p.Key}={p.Value}"))}] "
                    + $"alerts [{string.Join(",", window.Window.RaisedAlertIds)}] outbox [{string.Join(",", window.Outbox.Select(a => a.AlertId))}] "
                    + $"recent [{string.Join(",", window.RecentInbound.Select(r => $"{r.MessageId}:{string.Join("+", r.AlertIds)}"))}]");
            }

            var state = Lines(windows, store.Alerts.Select(a => $"alert {a.ToJson()}"), Delivered(bus), await ArchivedAsync(archive), settled);
            return (state, plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(
            RunAsync,
            "\"rule\":\"RestrictedList\"",
            "\"rule\":\"LargeTrade\"",
            "\"rule\":\"LateBooking\"",
            "\"rule\":\"WashTrade\"",
            "archived 2026-11-24 inbound/trade-events.compliance/T-3-copy.json",
            "message BAD dead-lettered MalformedEvent");
    }

    [Fact]
    public async Task Reconciliation_CrashedAtEveryStepBoundaryAndRedelivered_OpensAndClearsEachBreakOnceAndArchivesEachChangeOnce()
    {
        var day = ReconciliationHarness.Day;
        var unknownAccount = StatementSimulator.ToJson(new HoldingsStatementWire(
            1, "S-X", ReconciliationHarness.Custodian, "ACC-NOWHERE", day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), [new HoldingsStatementLineWire(ReconciliationHarness.Apple, "1")]));
        var statements = new (string MessageId, bool Holdings, byte[] Body)[]
        {
            ("M-S1", true, ReconciliationHarness.Holdings("S-1", day, (ReconciliationHarness.Apple, "90"))),
            ("M-S1-resent", true, ReconciliationHarness.Holdings("S-1", day, (ReconciliationHarness.Apple, "90"))),
            ("M-C1", false, ReconciliationHarness.Cash("C-1", day, ("USD", "-18725.00"))),
            ("M-S2", true, ReconciliationHarness.Holdings("S-2", day.AddDays(1), (ReconciliationHarness.Apple, "100"), (ReconciliationHarness.Msft, "50"))),
            ("M-S0", true, ReconciliationHarness.Holdings("S-0", day.AddDays(-1), (ReconciliationHarness.Apple, "1"))),
            ("M-S1", true, ReconciliationHarness.Holdings("S-1b", day.AddDays(1), (ReconciliationHarness.Apple, "100"))),
            ("M-BAD", true, Encoding.UTF8.GetBytes("{\"schemaVersion\":1")),
            ("M-UNKNOWN", true, unknownAccount),
        };

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            // The ledger is seeded cleanly: 100 Apple and 50 Microsoft settled, USD cash; only the reconciliation is crashed.
            var seeded = new ReconciliationHarness();
            await seeded.PostAsync(AccountKind.PositionSettled, ReconciliationHarness.Apple, 100m);
            await seeded.PostAsync(AccountKind.PositionSettled, ReconciliationHarness.Msft, 50m);
            await seeded.PostAsync(AccountKind.CashSettled, "USD", -18725.50m);
            var store = new InMemoryReconciliationStore();
            var archive = new InMemoryArchiveStore();
            var handler = new ReconciliationHandler(
                Faults.Reconciliation(store, plan), seeded.Ledger, new InMemoryReferenceDataSource(SampleData.ReferenceData), Faults.Archive(archive, plan), seeded.Clock,
                NullLogger<ReconciliationHandler>.Instance);
            var settled = new List<string>();
            foreach (var (messageId, holdings, body) in statements)
            {
                var first = string.Empty;
                await DeliverAsync(
                    async count =>
                    {
                        var inbound = new InboundMessage(messageId, body, count);
                        var result = holdings ? await handler.HandleHoldingsAsync(inbound, Ct) : await handler.HandleCashAsync(inbound, Ct);
                        first = first.Length > 0 ? first : result.Disposition == MessageDisposition.DeadLetter ? $"dead-lettered {result.Reason}" : "completed";
                        return result;
                    },
                    redeliverAfterSuccess);
                settled.Add($"message {messageId} {first}");
            }

            var documents = new List<string>();
            await foreach (var d in store.ListAsync(Ct))
            {
                documents.Add(
                    $"reconciliation {d.Account}/{d.Kind} last {d.LastStatementDate:yyyy-MM-dd} applied [{string.Join(",", d.AppliedStatementIds)}] "
                    + $"breaks [{string.Join(";", d.Breaks)}] last change {d.LastChange?.BusinessDate:yyyy-MM-dd} {d.LastChange?.Name} {d.LastChange?.Content}");
            }

            return (Lines(documents, await ArchivedAsync(archive), settled), plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(
            RunAsync,
            "reconciliation ACC-US-004/Securities last 2026-11-25 applied [S-1,S-2]",
            "reconciliation ACC-US-004/Cash last 2026-11-24 applied [C-1]",
            "archived 2026-11-24 state/reconciliation/ACC-US-004/Securities/S-2.json",
            "message M-S1 dead-lettered MessageIdReused",
            "message M-BAD dead-lettered MalformedStatement",
            "message M-UNKNOWN dead-lettered UnknownAccount");
    }
}
