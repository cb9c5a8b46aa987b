using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Cli.DayRun;
using ServerlessBackOffice.Cli.LocalHost;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Functions.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.ServiceBusEmulator.Filters;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.LoadRun;

/// <summary>What the in-memory load run does.</summary>
/// <param name="Date">The trade date.</param>
/// <param name="Seed">The simulators' seed.</param>
/// <param name="Trades">Trades the simulated OMS publishes.</param>
/// <param name="MismatchRate">Share of confirmations affirmed with a price outside tolerance.</param>
/// <param name="SilenceRate">Share of confirmations never answered.</param>
/// <param name="FailRate">Share of instructions failed on a settlement day.</param>
/// <param name="PartialRate">Share of instructions partially settled on their settlement date.</param>
/// <param name="CompactStores">
/// Whether the stores keep each document as its compressed Cosmos form (<see cref="CosmosDocumentCodecs"/>) rather than as
/// objects; a million trades fit in memory only so. Off only to show that both give the same run.
/// </param>
internal sealed record LoadRunOptions(
    DateOnly Date, int Seed, int Trades, double MismatchRate = 0.02, double SilenceRate = 0.005, double FailRate = 0.03, double PartialRate = 0.01,
    bool CompactStores = true);

/// <summary>What the load run measured and whether nothing was left behind.</summary>
internal sealed record LoadRunResult(
    int Published,
    IReadOnlyDictionary<string, int> Outcomes,
    IReadOnlyDictionary<string, (long Invocations, long Retries, long DeadLettered)> Functions,
    IReadOnlyDictionary<string, int> DeadLetterReasons,
    IReadOnlyDictionary<string, string> DeadLetterExamples,
    long ComplianceAlerts,
    long LedgerEntries,
    long UnbalancedEntries,
    int OpenInstructions,
    long ArchiveRecords,
    long ArchiveBytes,
    UInt128 ArchiveFingerprint,
    long BusMessages,
    long BusDuplicatesDropped,
    int LeftBehind,
    int PeakWaiting,
    TimeSpan Elapsed,
    long PeakWorkingSetBytes,
    long PeakManagedHeapBytes,
    long HeldManagedHeapBytes,
    IReadOnlyList<string> Problems)
{
    /// <summary>True when every message is accounted for, nothing waits anywhere (no dead letters either) and the ledger balances.</summary>
    public bool Passed => Problems.Count == 0;

    /// <summary>The summary a person reads.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        var answered = Outcomes.Values.Sum();
        text.AppendLine(CultureInfo.InvariantCulture, $"OMS messages published: {Published:N0}; answered: {answered:N0} ({string.Join(", ", Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"))})");
        foreach (var (name, (invocations, retries, deadLettered)) in Functions.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  function {name}: {invocations:N0} deliveries, {retries:N0} retried, {deadLettered:N0} dead-lettered");
        }

        foreach (var (reason, count) in DeadLetterReasons.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  dead letters {reason}: {count:N0}; the first: {DeadLetterExamples.GetValueOrDefault(reason)}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"compliance: {ComplianceAlerts:N0} alerts stored");
        text.AppendLine(CultureInfo.InvariantCulture, $"ledger: {LedgerEntries:N0} journal entries, {UnbalancedEntries:N0} unbalanced; instructions still open: {OpenInstructions:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"archive: {ArchiveRecords:N0} records, {ArchiveBytes / (1024.0 * 1024.0):N1} MiB (kept as digests)");
        text.AppendLine(CultureInfo.InvariantCulture, $"bus: {BusMessages:N0} messages accepted, {BusDuplicatesDropped:N0} dropped by duplicate detection; left behind in consumed entities: {LeftBehind:N0}; most waiting at once: {PeakWaiting:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"elapsed {Elapsed.TotalSeconds:N1} s; peak working set {PeakWorkingSetBytes / (1024 * 1024):N0} MiB; peak managed heap {PeakManagedHeapBytes / (1024 * 1024):N0} MiB; held at the end (after a full collection, the stores alive) {HeldManagedHeapBytes / (1024 * 1024):N0} MiB");
        text.AppendLine(Passed ? "result: every message accounted for, nothing left behind (no dead letters), every journal entry balanced" : $"result: FAILED — {string.Join("; ", Problems)}");
        return text.ToString();
    }
}

/// <summary>
/// The load run (issue 12): a whole trade date and its settlement through the function app's own Service Bus functions and
/// pipeline handlers, with the in-memory adapters (stores, bus, a digest-only archive) instead of the stand-ins — the same
/// registrations as the function app (<see cref="BackOfficeServices.AddBackOffice"/>, with in-memory ports registered
/// first), the same simulated OMS, counterparties and custodians, the same business-clock phases as <c>run-day</c> (slots of
/// the trade date, the affirmation cut-off, netting runs, settlement days). Statements, reconciliation and the end of day
/// are not part of it (their scale is measured by the reports benchmark). It checks that every OMS message got exactly one
/// outcome, that nothing is left in any consumed entity, and that every journal entry balances, and reports peak memory.
/// </summary>
internal sealed class InMemoryDayRun(LoadRunOptions options)
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private readonly Dictionary<string, FunctionCounters> _counters = new(StringComparer.Ordinal);
    private long _peakHeap;
    private int _peakWaiting;

    private sealed class FunctionCounters
    {
        public long Invocations;
        public long Retries;
        public long DeadLettered;
    }

    public async Task<LoadRunResult> RunAsync(Action<string>? progress, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        var date = options.Date;
        var reference = ReferenceDataJson.LoadEmbedded();
        var phases = OmsSimulator.Generate(reference, date, options.Trades, options.Seed, new OmsSimulationRates())
            .GroupBy(p => p.PublishAt).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        var published = phases.Sum(p => p.Count);
        var clock = new SimulatedClock(phases[0][0].PublishAt.AddMinutes(-1));
        var topology = TopologyDocument.Default;
        var routing = new TopicRouting(EmulatorConfig.FromTopology(topology));

        // The app settings the function app reads; the connection settings are never used (every port is in memory), but
        // the registrations expect them, so they point at a closed loopback port.
        var settings = topology.AppSettings().ToDictionary(s => s.AppSetting, s => s.Name, StringComparer.Ordinal);
        settings[topology.ServiceBus.NamespaceAppSetting] = "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=unused;SharedAccessKey=dW51c2Vk;UseDevelopmentEmulator=true";
        settings[BackOfficeServices.CosmosConnectionSetting] = "AccountEndpoint=http://127.0.0.1:1/;AccountKey=dW51c2Vk";
        settings["StorageConnection"] = "UseDevelopmentStorage=true";
        settings["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        settings["ArchiveStorage:connectionString"] = "UseDevelopmentStorage=true";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();

        var functions = ServiceBusFunction.Discover(typeof(Functions.HealthFunction).Assembly);
        var archive = new CountingArchiveStore();
        // Every store keeps its documents as the Cosmos stores write them, compressed: as objects, a trade's documents take
        // about 20 KB and a million trades would not fit in memory (docs/reliability.md, "Load").
        var compact = options.CompactStores;
        var ledger = compact ? new InMemoryLedgerStore(CosmosDocumentCodecs.LedgerState, CosmosDocumentCodecs.JournalEntry) : new InMemoryLedgerStore();
        var settlementStore = compact
            ? new InMemorySettlementStore(CosmosDocumentCodecs.SettlementTrade, CosmosDocumentCodecs.SettlementInstruction)
            : new InMemorySettlementStore();
        var compliance = new InMemoryComplianceStore(compact ? CosmosDocumentCodecs.ComplianceAlert : null);
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<IArchiveStore>(archive)
            .AddSingleton<IReferenceDataSource>(new InMemoryReferenceDataSource(reference))
            .AddSingleton<ITradeStore>(new InMemoryTradeStore(compact ? CosmosDocumentCodecs.Trade : null))
            .AddSingleton<IConfirmationStore>(new InMemoryConfirmationStore(compact ? CosmosDocumentCodecs.Confirmation : null))
            .AddSingleton<ISettlementStore>(settlementStore)
            .AddSingleton<ILedgerStore>(new ArchivingLedgerStore(ledger, archive, clock))
            .AddSingleton<IComplianceStore>(compliance)
            .AddSingleton<IReconciliationStore>(new InMemoryReconciliationStore());

        // Consumed here: every Service Bus function's entity, the OMS replies, and the simulators' subscriptions.
        var hosted = new List<(ServiceBusFunction Function, string Path)>();
        var simulated = new[] { Entities.CounterpartyOutbound.Name, Entities.CustodianOutbound.Name }
            .SelectMany(t => routing.Subscriptions(t).Select(s => (Topic: t, Path: InMemoryBus.Path(t, s)))).ToList();
        InMemoryBus? bus = null;
        services.AddSingleton<IMessagePublisher>(sp => new ArchivingMessagePublisher(bus!, archive, clock));
        services.AddBackOffice(configuration);
        await using var provider = services.BuildServiceProvider();
        foreach (var function in functions.Where(f => DayRunComposition.IsHosted(f.Name, provider, f.Class)))
        {
            var (entity, subscription) = function.ResolveEntity(settings);
            hosted.Add((function, subscription is null ? entity : InMemoryBus.Path(entity, subscription)));
        }

        bus = new InMemoryBus(routing, clock, hosted.Select(h => h.Path).Concat(simulated.Select(s => s.Path)).Append(Entities.OmsReplies.Name));
        var replies = new ReplyCollector();
        var counterparties = new CounterpartySimulator(options.Seed, options.MismatchRate, options.SilenceRate);
        var custodians = new CustodianSimulator(clock, options.Seed, options.FailRate, options.PartialRate);

        async Task DrainAsync()
        {
            while (bus.Waiting > 0)
            {
                _peakWaiting = Math.Max(_peakWaiting, bus.Waiting);
                foreach (var (function, path) in hosted)
                {
                    while (bus.TryReceive(path, out var delivery))
                    {
                        await InvokeAsync(provider, bus, function, path, delivery, cancellationToken);
                    }
                }

                while (bus.TryReceive(Entities.OmsReplies.Name, out var reply))
                {
                    replies.Record(Encoding.UTF8.GetBytes(reply.Message.Body));
                }

                foreach (var (topic, path) in simulated)
                {
                    while (bus.TryReceive(path, out var delivery))
                    {
                        var answer = topic == Entities.CounterpartyOutbound.Name
                            ? counterparties.Answer(Encoding.UTF8.GetBytes(delivery.Message.Body))
                            : custodians.Accept(Encoding.UTF8.GetBytes(delivery.Message.Body), delivery.Message.Subject, delivery.Message.CorrelationId);
                        if (answer is not null)
                        {
                            await SendAsync(bus, topic == Entities.CounterpartyOutbound.Name ? Entities.AffirmationsInbound.Name : Entities.CustodianStatusInbound.Name, answer, cancellationToken);
                        }
                    }
                }

                _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(forceFullCollection: false));
            }
        }

        // The trade date: each 15-minute slot's OMS messages, then everything they cause.
        for (var i = 0; i < phases.Count; i++)
        {
            var phase = phases[i];
            clock.MoveTo(phase[0].PublishAt);
            foreach (var publication in phase)
            {
                await bus.PublishAsync(new OutboundMessage(Entities.OmsTrades.Name, publication.MessageId, string.Empty, publication.CorrelationId,
                    publication.ApplicationProperties ?? new Dictionary<string, string>(StringComparer.Ordinal), Encoding.UTF8.GetString(publication.Body.Span)), cancellationToken);
            }

            phases[i] = [];
            await DrainAsync();
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{phase[0].PublishAt:HH:mm}Z: {replies.Outcomes.Count:N0}/{published:N0} OMS messages answered, {wall.Elapsed.TotalSeconds:N0} s"));
        }

        // The evening of trade date, then each following business day until the custodians have nothing open (as run-day).
        var cutoff = provider.GetRequiredService<AffirmationCutoffHandler>();
        var settlement = provider.GetRequiredService<SettlementInstructionHandler>();
        async Task CutoffAndNettingAsync(DateOnly day)
        {
            while ((await cutoff.RunAsync(cancellationToken)).Candidates >= AffirmationCutoffHandler.MaximumPerRun)
            {
                await DrainAsync();
            }

            await DrainAsync();
            await settlement.RunNettingAsync(NettingRunFunction.NettingHorizon(day), cancellationToken);
            await DrainAsync();
        }

        clock.MoveTo(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(21, 1)), NewYork), TimeSpan.Zero));
        await CutoffAndNettingAsync(date);
        var day = date;
        for (var quietDays = 0; quietDays < 2;)
        {
            day = day.AddDays(day.DayOfWeek switch { DayOfWeek.Friday => 3, DayOfWeek.Saturday => 2, _ => 1 });
            clock.MoveTo(new DateTimeOffset(day.ToDateTime(new TimeOnly(13, 0)), TimeSpan.Zero));
            await CutoffAndNettingAsync(day);
            clock.MoveTo(new DateTimeOffset(day.ToDateTime(new TimeOnly(14, 0)), TimeSpan.Zero));
            foreach (var status in custodians.DueStatuses(day))
            {
                await SendAsync(bus, Entities.CustodianStatusInbound.Name, status, cancellationToken);
                custodians.CountSent();
            }

            await DrainAsync();
            var open = custodians.OpenSettlementDates;
            quietDays = open.Count == 0 || open[^1] < day ? quietDays + 1 : 0;
            progress?.Invoke(string.Create(CultureInfo.InvariantCulture, $"settlement day {day:yyyy-MM-dd}: {custodians.Counts.Open:N0} instructions open, {wall.Elapsed.TotalSeconds:N0} s"));
        }

        return await ResultAsync(published, replies, bus, ledger, compliance, reference.Books.Keys, custodians, archive, wall.Elapsed, cancellationToken);
    }

    private async Task<LoadRunResult> ResultAsync(
        int published, ReplyCollector replies, InMemoryBus bus, InMemoryLedgerStore ledger, InMemoryComplianceStore compliance, IEnumerable<string> books, CustodianSimulator custodians,
        CountingArchiveStore archive, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var outcomes = replies.Outcomes.Values.GroupBy(o => o.Outcome, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (replies.Outcomes.Count != published)
        {
            problems.Add($"{published - replies.Outcomes.Count:N0} of {published:N0} OMS messages have no outcome");
        }

        var leftBehind = bus.Waiting;
        if (leftBehind > 0)
        {
            problems.Add($"{leftBehind:N0} messages left in {string.Join(", ", bus.Depths.Where(d => d.Value > 0).Select(d => d.Key))}");
        }

        long entries = 0, unbalanced = 0;
        foreach (var book in books)
        {
            await foreach (var entry in ledger.EntriesAsync(book, DateOnly.MaxValue, cancellationToken))
            {
                entries++;
                unbalanced += entry.IsBalanced ? 0 : 1;
            }
        }

        if (unbalanced > 0)
        {
            problems.Add($"{unbalanced:N0} journal entries do not balance");
        }

        // A dead-lettered message is left behind too: it waits in a dead-letter queue for a person.
        var deadLetters = bus.DeadLetters.GroupBy(d => $"{d.EntityPath} {d.Reason}", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var deadLetterExamples = bus.DeadLetters.GroupBy(d => $"{d.EntityPath} {d.Reason}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => $"{g.First().Message.MessageId}: {g.First().Description}", StringComparer.Ordinal);
        if (deadLetters.Count > 0)
        {
            problems.Add($"{deadLetters.Values.Sum():N0} messages dead-lettered ({string.Join(", ", deadLetters.Select(d => $"{d.Key}: {d.Value:N0}"))})");
        }

        var functions = _counters.ToDictionary(c => c.Key, c => (c.Value.Invocations, c.Value.Retries, c.Value.DeadLettered), StringComparer.Ordinal);
        // What the day leaves in memory, the stores still referenced: the figure that grows with the number of trades.
        var held = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(ledger);
        GC.KeepAlive(compliance);
        using var process = Process.GetCurrentProcess();
        return new LoadRunResult(
            published, outcomes, functions, deadLetters, deadLetterExamples, compliance.AlertCount, entries, unbalanced, custodians.Counts.Open, archive.Records, archive.Bytes, archive.Fingerprint, bus.Sent, bus.DroppedAsDuplicates,
            leftBehind, _peakWaiting, elapsed, process.PeakWorkingSet64, _peakHeap, held, problems);
    }

    private static Task SendAsync(InMemoryBus bus, string destination, ServiceBusMessage message, CancellationToken cancellationToken) =>
        bus.PublishAsync(new OutboundMessage(destination, message.MessageId, message.Subject ?? string.Empty, message.CorrelationId,
            message.ApplicationProperties.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.Ordinal),
            message.Body.ToString()), cancellationToken);

    /// <summary>
    /// Delivers one message to its function as the Functions host does: a scope, the function class from it, the received
    /// message and the settlement actions bound, then the settlement applied — completed, dead-lettered with its reason,
    /// abandoned or failed (delivered again; dead-lettered with <c>MaxDeliveryCountExceeded</c> after the entity's
    /// maximum), or left unsettled by a function that returned (completed, as the host's auto-complete does).
    /// </summary>
    private async Task InvokeAsync(IServiceProvider provider, InMemoryBus bus, ServiceBusFunction function, string path, QueuedMessage delivery, CancellationToken cancellationToken)
    {
        if (!_counters.TryGetValue(function.Name, out var counters))
        {
            _counters[function.Name] = counters = new FunctionCounters();
        }

        counters.Invocations++;
        var message = delivery.Message;
        var received = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString(message.Body), messageId: message.MessageId, correlationId: message.CorrelationId, subject: message.Subject,
            contentType: "application/json", properties: message.ApplicationProperties.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal),
            deliveryCount: delivery.DeliveryCount, sequenceNumber: delivery.SequenceNumber, enqueuedTime: delivery.EnqueuedAt);
        var actions = new InMemoryMessageActions();
        Exception? failure = null;
        await using (var scope = provider.CreateAsyncScope())
        {
            try
            {
                var instance = function.Method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, function.Class);
                var arguments = function.Arguments(received, actions, cancellationToken);
                if (function.Method.Invoke(instance, arguments) is Task task)
                {
                    await task;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            }
        }

        switch (actions.Settlement)
        {
            case Settlement.DeadLettered:
                counters.DeadLettered++;
                bus.DeadLetter(path, delivery, actions.Reason ?? "(none)", actions.Description ?? string.Empty);
                return;
            case Settlement.Completed:
                return;
            case Settlement.None when failure is null:
                return;
        }

        // Abandoned, or failed without settling: delivered again, up to the entity's maximum delivery count.
        if (delivery.DeliveryCount >= bus.MaxDeliveryCount(path))
        {
            counters.DeadLettered++;
            bus.DeadLetter(path, delivery, "MaxDeliveryCountExceeded", failure?.Message ?? "Abandoned on every delivery.");
            return;
        }

        counters.Retries++;
        bus.Abandon(path, delivery);
    }
}
