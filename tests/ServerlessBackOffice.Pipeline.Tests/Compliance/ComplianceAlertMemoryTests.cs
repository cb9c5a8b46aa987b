using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;
using ServerlessBackOffice.Pipeline.InMemory;
using static ServerlessBackOffice.Pipeline.Contracts.Compliance.ComplianceEvents;

namespace ServerlessBackOffice.Pipeline.Tests.Compliance;

/// <summary>
/// A window remembers only the last <see cref="WindowLimits.MaximumAlertIds"/> alert ids, so on a busy day a breach can be
/// raised again after its id was forgotten (an amendment re-evaluates its trade hours later). The first alert stands: the
/// second raise must neither publish a different message under the alert's id (which the archiving publisher refuses) nor
/// leave the window's outbox stuck, which made every later trade of the window fail until it was dead-lettered (the
/// million-trade load day, docs/reliability.md "Load").
/// </summary>
public sealed class ComplianceAlertMemoryTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private sealed class Stage
    {
        public Stage(int maximumAlertIds)
        {
            var sample = SampleComplianceConfiguration.Load();
            Publisher = new ArchivingMessagePublisher(Published, Outbound, new ManualClock(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero)));
            Kit = new ComplianceKit(publisher: Publisher, configuration: sample with { Limits = sample.Limits with { MaximumAlertIds = maximumAlertIds } });
        }

        public ComplianceKit Kit { get; }

        public InMemoryMessagePublisher Published { get; } = new();

        // The archive of outbound messages: a different message under an id that was published is refused, as in production.
        public InMemoryArchiveStore Outbound { get; } = new();

        public ArchivingMessagePublisher Publisher { get; }

        public IReadOnlyList<ComplianceAlertRaised> Raised =>
            [.. Published.Published
                .Where(m => m.Subject == ComplianceAlertRaised.EventTypeName)
                .Select(m => JsonSerializer.Deserialize(m.Body, ComplianceJsonContext.Default.ComplianceAlertRaised)!)];
    }

    [Fact]
    public async Task ABreachRaisedAgainAfterTheWindowForgotItsAlert_IsNotPublishedAgain_AndTheWindowKeepsEvaluating()
    {
        var stage = new Stage(maximumAlertIds: 1);
        var first = await stage.Kit.HandleAsync(Event("T-1", quantity: 60_000m)); // large: alert A
        await stage.Kit.HandleAsync(Event("T-2", quantity: 60_000m, minutes: 1)); // large: alert B; the window forgets A
        stage.Kit.Clock.Now = stage.Kit.Clock.Now.AddHours(1);

        // An hour later T-1 is amended and still large: the same breach (alert A's id) with another detection time and notional.
        var amended = await stage.Kit.HandleAsync(Event("T-1", version: 2, quantity: 70_000m));
        var next = await stage.Kit.HandleAsync(Event("T-3", quantity: 60_000m, minutes: 2));

        Assert.Equal(ComplianceResult.Evaluated, amended.Result);
        Assert.Equal(ComplianceResult.Evaluated, next.Result);
        var alertA = Assert.Single(first.AlertIds);
        var published = stage.Raised.Where(a => a.AlertId == alertA).ToList();
        Assert.Equal("6000000.00", Assert.Single(published).Evidence["notional"]); // the first alert stands
        Assert.Equal(3, stage.Raised.Select(a => a.AlertId).Distinct().Count());
        Assert.Empty((await stage.Kit.Store.LoadWindowAsync("ACC-US-003", Isin, TestContext.Current.CancellationToken)).Document.Outbox);
        Assert.Equal("6000000.00", (await stage.Kit.Store.GetAlertAsync(alertA, TestContext.Current.CancellationToken))!.Evidence["notional"]);
    }

    [Fact]
    public async Task ACrashAfterStoringAnAlert_TheRedeliveryStillArchivesAndPublishesIt()
    {
        // The other side of the rule above: an alert the store already holds because this very outbox stored it before a
        // crash is the same alert, so the flush goes on and publishes it.
        var failing = new FailFirstPublisher();
        var kit = new ComplianceKit(publisher: failing);
        var wire = Event("T-1", quantity: 60_000m);

        await Assert.ThrowsAsync<TimeoutException>(() => kit.HandleAsync(wire));
        await kit.HandleAsync(wire);

        var stored = Assert.Single(((InMemoryComplianceStore)kit.Store).Alerts);
        Assert.Equal(stored.AlertId, Assert.Single(failing.Delivered).MessageId);
        Assert.NotNull(await kit.ArchivedAsync(Day, stored.ArchiveName));
    }

    /// <summary>
    /// The invariant: whatever captures and amendments a window sees, and however little it remembers of its alerts, every
    /// message is evaluated without an exception, each alert id leaves once with one body, and the outbox ends empty.
    /// </summary>
    [Fact]
    public void AnySequenceOfCapturesAndAmendments_WithAnyAlertMemory_EvaluatesEveryMessageAndPublishesEachAlertOnce()
    {
        var step = from trade in Gen.Choose(1, 4)
                   from buy in Gen.Elements(true, false)
                   from quantity in Gen.Elements(100m, 60_000m, 70_000m)
                   select (Trade: trade, Buy: buy, Quantity: quantity);
        var cases = (from memory in Gen.Choose(1, 3)
                     from steps in step.ListOf().Select(s => s.Take(16).ToList())
                     select (Memory: memory, Steps: steps)).ToArbitrary();

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(cases, c =>
        {
            var stage = new Stage(c.Memory);
            var versions = new Dictionary<int, int>();
            var evaluated = true;
            for (var i = 0; i < c.Steps.Count; i++)
            {
                var (trade, buy, quantity) = c.Steps[i];
                versions[trade] = versions.GetValueOrDefault(trade) + 1;
                stage.Kit.Clock.Now = stage.Kit.Clock.Now.AddMinutes(1);
                var outcome = stage.Kit.HandleAsync(Event($"T-{trade}", version: versions[trade], side: buy ? "buy" : "sell", quantity: quantity, minutes: trade))
                    .GetAwaiter().GetResult();
                evaluated &= outcome.Result == ComplianceResult.Evaluated;
            }

            var bodies = stage.Published.Published.Where(m => m.Subject == ComplianceAlertRaised.EventTypeName).GroupBy(m => m.MessageId).ToList();
            var window = stage.Kit.Store.LoadWindowAsync("ACC-US-003", Isin, CancellationToken.None).GetAwaiter().GetResult().Document;
            return evaluated && bodies.All(g => g.Count() == 1) && window.Outbox.Count == 0;
        }));
    }

    private sealed class FailFirstPublisher : Ports.IMessagePublisher
    {
        private bool _failed;

        public List<Ports.OutboundMessage> Delivered { get; } = [];

        public Task PublishAsync(Ports.OutboundMessage message, CancellationToken cancellationToken)
        {
            if (!_failed)
            {
                _failed = true;
                throw new TimeoutException("Service Bus did not answer.");
            }

            Delivered.Add(message);
            return Task.CompletedTask;
        }
    }
}
