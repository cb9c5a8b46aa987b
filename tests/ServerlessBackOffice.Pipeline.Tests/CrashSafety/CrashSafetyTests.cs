using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.CrashSafety;

/// <summary>
/// Crash safety: each handler is failed at every step boundary — before each side effect (state write, publish, archive write)
/// and just after it succeeded — then the message is redelivered, and every message is delivered once more after it
/// succeeded (a crash after publishing but before settling the message). The end state — stored documents, the messages a
/// duplicate-detecting entity delivers, the archive — must equal the clean run's: nothing lost, nothing posted, instructed,
/// confirmed or published twice, no publication left pending. The crashes come from fault-injecting decorators around the
/// ports (<see cref="Faults"/>), not from mocks.
/// </summary>
public sealed partial class CrashSafetyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Capture_CrashedAtEveryStepBoundaryAndRedelivered_EndsExactlyAsTheCleanRun()
    {
        var messages = new[]
        {
            new OmsJsonBuilder().Inbound("m-1"),
            new OmsJsonBuilder().Version(2).With(m => m with { Quantity = "150" }).Inbound("m-2"),
            new OmsJsonBuilder().Version(2).With(m => m with { Quantity = "150" }).Inbound("m-2-resent"),
            new InboundMessage("m-bad", "{\"schemaVersion\":\"1\"}"u8.ToArray(), 1),
            new OmsJsonBuilder().Version(3, "cancel").With(m => m with { Quantity = "150" }).Inbound("m-3"),

            // Ids reused for other bodies (decision 0067): a valid new trade under the rejected message's id (the archive
            // read before the state change), and an amend under the id that created the trade (the document's own record).
            new OmsJsonBuilder().With(m => m with { TradeId = "T-2" }).Inbound("m-bad"),
            new OmsJsonBuilder().Version(4).With(m => m with { Quantity = "175" }).Inbound("m-1"),
        };

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            var trades = new InMemoryTradeStore();
            var bus = new InMemoryMessagePublisher();
            var archive = new InMemoryCaptureArchive();
            var handler = new CaptureHandler(
                Faults.Trades(trades, plan), new InMemoryReferenceDataSource(SampleData.ReferenceData), Faults.Publisher(bus, plan),
                Faults.CaptureArchive(archive, plan), new FakeTimeProvider(SampleData.Now), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);
            foreach (var message in messages)
            {
                await DeliverAsync(count => handler.HandleAsync(message with { DeliveryCount = count }, Ct), redeliverAfterSuccess);
            }

            var state = Lines(
                trades.Documents.Select(d => $"trade {d.TradeId} v{d.State.Version} {d.State.Status} q{d.State.Trade.Terms.Quantity} pending={d.HasPendingWork}"),
                Delivered(bus),
                archive.Entries.Select(e => $"archive {e.InboundMessageId} {e.Outcome} {e.ReasonCode} {e.ReplyBody}"));
            return (state, plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(
            RunAsync,
            "archive m-bad Rejected MissingField",
            $"archive {CaptureHandler.ReusedArchiveId("m-bad", CaptureHandler.Sha256Hex(messages[5].Body.Span))} DeadLettered MessageIdReused",
            $"archive {CaptureHandler.ReusedArchiveId("m-1", CaptureHandler.Sha256Hex(messages[6].Body.Span))} DeadLettered MessageIdReused",
            "trade T-1 v3 Cancelled");
    }

    [Fact]
    public async Task ConfirmationAndAffirmation_CrashedAtEveryStepBoundaryAndRedelivered_EndExactlyAsTheCleanRun()
    {
        var v1 = ConfirmationSamples.TradeEvent();
        var v2 = ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "150", net: "34532.27");
        var deliveries = new (bool IsTradeEvent, InboundMessage Message)[]
        {
            (true, new InboundMessage(v1.EventId, ConfirmationSamples.Json(v1), 1)),
            (false, new InboundMessage("MSG-AFF-1", ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(v1, "AFF-1")), 1)),
            (false, new InboundMessage("MSG-AFF-2-EARLY", ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(v2, "AFF-2")), 1)),
            (true, new InboundMessage(v2.EventId, ConfirmationSamples.Json(v2), 1)),
            (false, new InboundMessage("MSG-BAD", "{}"u8.ToArray(), 1)),
        };

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            var store = new InMemoryConfirmationStore();
            var bus = new InMemoryMessagePublisher();
            var archive = new InMemoryArchiveStore();
            var clock = new FakeTimeProvider(ConfirmationSamples.Now);
            var faultyArchive = Faults.Archive(archive, plan);
            var outbox = new ConfirmationOutbox(new ArchivingMessagePublisher(Faults.Publisher(bus, plan), faultyArchive, clock), faultyArchive, NullLogger<ConfirmationOutbox>.Instance);
            var referenceData = new InMemoryReferenceDataSource(SampleData.ReferenceData);
            var faultyStore = Faults.Confirmations(store, plan);
            var confirmation = new ConfirmationHandler(faultyStore, referenceData, outbox, clock, AffirmationCutoffSchedule.Default, NullLogger<ConfirmationHandler>.Instance);
            var affirmation = new AffirmationHandler(faultyStore, referenceData, outbox, clock, NullLogger<AffirmationHandler>.Instance);
            foreach (var (isTradeEvent, message) in deliveries)
            {
                await DeliverAsync(
                    count => isTradeEvent ? confirmation.HandleAsync(message with { DeliveryCount = count }, Ct) : affirmation.HandleAsync(message with { DeliveryCount = count }, Ct),
                    redeliverAfterSuccess);
            }

            var state = Lines(
                store.Documents.Select(d => $"confirmation {d.TradeId} {d.Status} latest v{d.LatestVersion} affirmed v{d.AffirmedVersion} by {d.AffirmationId} held {d.Held.Count} processed {string.Join(",", d.ProcessedAffirmationIds)} outbox {string.Join(",", d.Outbox.Select(m => m.MessageId))}"),
                Delivered(bus),
                await ArchivedAsync(archive));
            return (state, plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(RunAsync);
    }

    [Fact]
    public async Task LedgerPosting_CrashedAtEveryStepBoundaryAndRedelivered_PostsEveryEntryOnceAndArchivesIt()
    {
        var events = new[]
        {
            ConfirmationSamples.TradeEvent(),
            ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "150", net: "34532.27"),
            ConfirmationSamples.TradeEvent(version: 3, eventType: "TradeCancelled", quantity: "150", net: "34532.27", status: "Cancelled"),
        };
        var commands = events.Select(e => LedgerEventMapper.FromTradeEvent(ConfirmationSamples.Json(e)).Command!).ToList();

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            var ledger = new InMemoryLedgerStore();
            var archive = new InMemoryArchiveStore();
            var clock = new FakeTimeProvider(ConfirmationSamples.Now);
            var handler = new LedgerPostingHandler(Faults.Ledger(new ArchivingLedgerStore(ledger, Faults.Archive(archive, plan), clock), plan), NullLogger<LedgerPostingHandler>.Instance);
            foreach (var command in commands)
            {
                await DeliverAsync(_ => handler.HandleAsync(command, Ct), redeliverAfterSuccess);
            }

            var entries = new List<string>();
            await foreach (var entry in ledger.EntriesAsync("US-EQ", new DateOnly(2030, 1, 1), Ct))
            {
                entries.Add($"entry {entry.JournalId} {entry.Kind} {entry.ValueDate:yyyy-MM-dd} {string.Join(";", entry.Lines.Select(l => $"{l.Account}={l.Amount.ToString(CultureInfo.InvariantCulture)}"))}");
            }

            var loaded = await ledger.LoadAsync("T-1", Ct);
            var state = Lines(entries, [$"state v{loaded.State.Version} cancelled={loaded.State.Cancelled} entries={loaded.State.EntryCount}"], await ArchivedAsync(archive));
            return (state, plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(RunAsync);
    }

    /// <summary>
    /// Runs clean once (counting the side effects, and checking that the clean end state contains what the scenario is about),
    /// then once per side effect and mode (crash before it, crash just after it), each with a redelivery after success, and
    /// asserts every end state equals the clean one. BACKOFFICE_CRASH_STATE_DIR, when set, receives each clean end state.
    /// </summary>
    private static async Task AssertEveryCrashEndsAsTheCleanRunAsync(Func<CrashPlan, bool, Task<(string State, int Steps, string? Crashed)>> run, params string[] cleanRunContains)
    {
        var clean = await run(new CrashPlan(), false);

        // The crashed runs redeliver every message after its success, and a redelivery has side effects of its own (an outbox
        // published again): they are numbered as in a clean run with those redeliveries, which must itself end as the clean run.
        // Up to the crash, a crashed run takes exactly that run's steps, so every step of it is crashed once before and once after.
        var redelivered = await run(new CrashPlan(), true);
        Assert.True(redelivered.Steps >= clean.Steps && clean.Steps > 0);
        Assert.True(redelivered.State == clean.State, $"Redelivering every message after its success ends differently:{Environment.NewLine}{Diff(clean.State, redelivered.State)}");
        if (Environment.GetEnvironmentVariable("BACKOFFICE_CRASH_STATE_DIR") is { Length: > 0 } dir)
        {
            await File.WriteAllTextAsync(
                Path.Combine(dir, $"{TestContext.Current.TestMethod?.MethodName}.txt"),
                $"steps: {clean.Steps} clean, {redelivered.Steps} with redeliveries, each crashed before and after\n{clean.State}",
                Ct);
        }
        foreach (var expected in cleanRunContains)
        {
            Assert.Contains(expected, clean.State, StringComparison.Ordinal);
        }

        var different = new List<string>();
        foreach (var after in new[] { false, true })
        {
            for (var step = 1; step <= redelivered.Steps; step++)
            {
                var crashed = await run(new CrashPlan(step, after), true);
                if (crashed.Crashed is null)
                {
                    different.Add($"step {step} ({(after ? "after" : "before")}): never reached");
                }
                else if (crashed.State != clean.State)
                {
                    different.Add($"crash {crashed.Crashed} (step {step}) ends differently:{Environment.NewLine}{Diff(clean.State, crashed.State)}");
                }
            }
        }

        Assert.True(different.Count == 0, string.Join(Environment.NewLine, different));
    }

    /// <summary>Delivers until the handler returns (a crash is redelivered), then, when asked, once more as a redelivery after success.</summary>
    private static async Task DeliverAsync<T>(Func<int, Task<T>> deliver, bool redeliverAfterSuccess)
    {
        var count = await UntilItReturnsAsync(deliver, 1);
        if (redeliverAfterSuccess)
        {
            // The process died after the handler's work but before the message was settled: Service Bus delivers it again
            // (and a crash may still hit that redelivery's own side effects).
            await UntilItReturnsAsync(deliver, count + 1);
        }
    }

    private static async Task<int> UntilItReturnsAsync<T>(Func<int, Task<T>> deliver, int count)
    {
        while (true)
        {
            try
            {
                await deliver(count);
                return count;
            }
            catch (SimulatedCrashException) when (count < 10)
            {
                count++;
            }
        }
    }

    private static IEnumerable<string> Delivered(InMemoryMessagePublisher bus) => bus.Delivered.Select(m => $"bus {m.Destination} {m.MessageId} {m.Subject} {m.Body}");

    private static async Task<IEnumerable<string>> ArchivedAsync(InMemoryArchiveStore archive)
    {
        var lines = new List<string>();
        await foreach (var day in archive.DaysAsync(Ct))
        {
            await foreach (var record in archive.ListAsync(day, Ct))
            {
                lines.Add($"archived {day:yyyy-MM-dd} {record.Name} {Convert.ToHexString(record.Sha256)}");
            }
        }

        return lines;
    }

    private static string Lines(params IEnumerable<string>[] parts) =>
        string.Join("\n", parts.SelectMany(p => p).Order(StringComparer.Ordinal));

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n').ToHashSet(StringComparer.Ordinal);
        var a = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var line in e.Where(l => !a.Contains(l)))
        {
            sb.Append("  missing: ").AppendLine(line.Length > 300 ? line[..300] : line);
        }

        foreach (var line in a.Where(l => !e.Contains(l)))
        {
            sb.Append("  extra:   ").AppendLine(line.Length > 300 ? line[..300] : line);
        }

        return sb.ToString();
    }
}
