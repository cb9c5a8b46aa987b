using System.Diagnostics;
using System.Globalization;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Cli.Chaos;
using ServerlessBackOffice.Cli.LocalHost;
using System.IO.Compression;
using ServerlessBackOffice.Cli.Archive;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Functions.Settlement;
using ServerlessBackOffice.Topology;
using Spectre.Console;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The local day run: starts the three stand-ins, provisions them from the topology, hosts the function app's own
/// Service Bus functions with Functions trigger semantics, and drives a business day through them — the simulated OMS
/// publishing hour by hour on a business clock that only moves when the pipeline is quiet, simulated counterparties and
/// custodians answering — then settles the following days, closes, writes the output and checks the books.
/// </summary>
internal sealed partial class DayRunner(DayRunOptions options, IAnsiConsole console)
{
    // A phase fails when the pipeline stops moving for this long (see Quiescence), not after a fixed time: a large day or a
    // loaded machine takes longer, a stuck one is named.
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(10);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        var date = options.Date;
        var dayFolder = new DirectoryInfo(Path.Combine(options.Output.FullName, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        if (dayFolder.Exists)
        {
            // A rerun of the same day replaces its output, so the folder always holds exactly one run.
            dayFolder.Delete(recursive: true);
        }

        dayFolder.Create();
        var reference = ReferenceDataJson.LoadEmbedded();
        var publications = options.Input is null
            ? OmsSimulator.Generate(reference, date, options.Trades, options.Seed, new OmsSimulationRates())
            : InputFile.Read(options.Input, date);
        console.MarkupLineInterpolated($"[bold]backoffice run-day[/] {date:yyyy-MM-dd}, seed {options.Seed}: {publications.Count:N0} OMS messages ({(options.Input is null ? $"{options.Trades:N0} trades, simulated" : options.Input.FullName)})");

        using var logs = new FileLoggerProvider(Path.Combine(dayFolder.FullName, "logs", "day-run.jsonl"), LogLevel.Information);
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Azure", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning));
        var logger = loggerFactory.CreateLogger<DayRunner>();
        using var telemetry = new TelemetryFiles(Path.Combine(dayFolder.FullName, "logs"));

        var topology = TopologyDocument.Default;
        var firstPhase = publications.Min(p => p.PublishAt);
        var clock = new SimulatedClock(firstPhase.AddMinutes(-1));
        console.MarkupLineInterpolated($"Starting the local stand-ins (Service Bus emulator, Cosmos DB stand-in, {(options.Blob == BlobImplementation.Azurite ? "Azurite" : "Blob stand-in")})...");

        // The emulator runs on the business clock too: enqueued times are business times. The clock stands still while
        // messages are locked (it moves only when nothing is in flight), so locks cannot expire under a handler, and the
        // clients must not renew them against a clock that is not theirs (see BusinessClockHostJson below).
        LocalStandIns.LocalStandIns started;
        try
        {
            started = await LocalStandIns.LocalStandIns.StartAsync(
                new LocalStandInsOptions
                {
                    LoggerFactory = loggerFactory,
                    ServiceBusTimeProvider = clock,
                    BlobImplementation = options.Blob,
                    // The archive's bytes go to an unlinked file in the temp folder, not memory: a 100,000-trade day
                    // holds millions of records and bundles of gigabytes (docs/decisions/0072-blob-stand-in.md).
                    BlobContentDirectory = Path.GetTempPath(),
                },
                logger,
                cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // A stand-in that is not installed or will not start: say which and how to fix it, not a stack trace.
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return 1;
        }

        await using var standIns = started;
        using (var cosmos = standIns.CreateCosmosClient())
        {
            await StandInProvisioning.ProvisionCosmosAsync(cosmos, topology, null, cancellationToken);
            // Reference data lives in Cosmos, as in Azure: the sample set is loaded the way `backoffice load-reference-data` loads it.
            await new ReferenceDataLoader(cosmos.GetContainer(Entities.CosmosDatabase.Name, Entities.Containers.ReferenceData.Name)).LoadAsync(reference, cancellationToken);
        }

        await StandInProvisioning.ProvisionBlobAsync(standIns.CreateBlobServiceClient(), topology, string.Empty, cancellationToken);

        var settings = standIns.LocalSettings(topology).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        settings["ArchiveStorage:connectionString"] = standIns.StorageConnectionString;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();

        var services = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton<TimeProvider>(clock)
            // The function host's Blob clients reach the in-process Blob stand-in without a socket (decision 0076).
            .AddSingleton(standIns.CreateBlobClientOptions());
        var reports = new DayRunReportSink(options.Output, dayFolder, date);
        var chaos = options.Chaos is { } chaosOptions ? new ChaosMonkey(chaosOptions, loggerFactory.CreateLogger<ChaosMonkey>()) : null;
        if (chaos is not null)
        {
            console.MarkupLineInterpolated($"[yellow]Chaos run[/], chaos seed {chaos.Options.Seed}: {string.Join(", ", chaos.Options.Rates.OrderBy(r => r.Key).Select(r => $"{ChaosOptions.NameOf(r.Key)} {r.Value:0.###}"))} (only the first {ChaosOptions.MaximumFaultedDeliveries} deliveries of a message may fail by chaos)");
        }

        DayRunComposition.AddStages(services, configuration, reports, chaos);
        var bench = options.Bench ? new BenchRecorder() : null;
        bench?.Instrument(services);
        var closedDays = new List<DateOnly>();
        var statementsSent = 0;
        await using var provider = services.BuildServiceProvider();

        await using var client = new ServiceBusClient(standIns.ServiceBusConnectionString);
        var functions = ServiceBusFunction.Discover(typeof(ServerlessBackOffice.Functions.HealthFunction).Assembly)
            .Where(f => DayRunComposition.IsHosted(f.Name, provider, f.Class))
            .ToList();
        // host.json's concurrency and prefetch; no client-side lock renewal, because the emulator's locks are on the
        // business clock, which does not move while a message is being handled.
        var hostJson = HostJsonSettings.Load(Path.Combine(AppContext.BaseDirectory, "host.json")) with { MaxAutoLockRenewalDuration = TimeSpan.Zero };
        await using var host = new LocalFunctionHost(client, provider, settings, hostJson, loggerFactory.CreateLogger<LocalFunctionHost>(), chaos);
        await using var replies = new ReplyCollector(client);
        await using var counterparties = new CounterpartySimulator(client, options.Seed, options.MismatchRate, options.SilenceRate);
        await using var custodians = new CustodianSimulator(client, clock, options.Seed, options.FailRate, options.PartialRate);
        await host.StartAsync(functions, cancellationToken);
        await replies.StartAsync(cancellationToken);
        await counterparties.StartAsync(cancellationToken);
        await custodians.StartAsync(cancellationToken);
        console.MarkupLineInterpolated($"Hosting {functions.Count} functions: {string.Join(", ", functions.Select(f => f.Name))}");

        var consumed = functions.Select(f => f.ResolveEntity(settings)).Select(e => e.Subscription is null ? e.EntityPath : Quiescence.Path(e.EntityPath, e.Subscription))
            .Append(Entities.OmsReplies.Name)
            .Concat(TopologyDocument.Default.ServiceBus.Topics.Where(t => t.Name == Entities.CounterpartyOutbound.Name || t.Name == Entities.CustodianOutbound.Name)
                .SelectMany(t => t.Subscriptions.Select(s => Quiescence.Path(t.Name, s.Name))))
            .ToHashSet(StringComparer.Ordinal);
        var quiescence = new Quiescence(standIns.ServiceBus!, consumed, [() => host.InFlight, () => replies.InFlight, () => counterparties.InFlight, () => custodians.InFlight, () => chaos?.InFlight ?? 0]);
        var phases = publications.GroupBy(p => p.PublishAt).OrderBy(g => g.Key).ToList();
        await using var oms = client.CreateSender(Entities.OmsTrades.Name);

        // Between the waves of a phase (OmsWaves): capture and compliance have handled what was published so far.
        var ownerOf = provider.GetService<ComplianceConfiguration>() is { } compliance ? compliance.OwnerOf : (Func<string, string>)(account => account);
        var waveFunctions = functions.Where(f => f.ResolveEntity(settings) is var (entity, subscription)
                && (subscription is null ? entity == Entities.OmsTrades.Name : entity == Entities.TradeEvents.Name && subscription == Entities.TradeEventSubscriptions.Compliance.Name))
            .Select(f => f.Name).ToList();
        var waveGate = new Quiescence(standIns.ServiceBus!, [Entities.OmsTrades.Name, Quiescence.Path(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Compliance.Name)],
            [() => waveFunctions.Sum(host.InFlightOf), () => chaos?.InFlight ?? 0]);

        async Task RunPhasesAsync(Action<string, double, double> report)
        {
            var sentSoFar = 0;
            foreach (var phase in phases)
            {
                clock.MoveTo(phase.Key);
                bench?.TradeDateStarted();
                var waves = OmsWaves.Split(phase, ownerOf);
                for (var wave = 0; wave < waves.Count; wave++)
                {
                    if (wave > 0)
                    {
                        await waveGate.WaitAsync(PhaseTimeout, null, cancellationToken, stableLooks: 2, look: TimeSpan.FromMilliseconds(20));
                    }

                    await PublishAsync(oms, waves[wave], bench, cancellationToken);
                }

                var sent = phase.Count();
                sentSoFar += sent;
                report("OMS messages published", sentSoFar, publications.Count);
                await quiescence.WaitAsync(PhaseTimeout, _ => report("OMS messages answered", replies.Outcomes.Count, publications.Count), cancellationToken);
                var answeredSoFar = replies.Outcomes.Count;
                report("OMS messages answered", answeredSoFar, publications.Count);
                LogPhase(logger, phase.Key, sent, answeredSoFar);
            }

            bench?.TradeDateProcessed();

            // The evening of trade date: the US affirmation cut-off (9 p.m. New York) passes.
            clock.MoveTo(BusinessInstant(date, new TimeOnly(21, 1), NewYork));
            await RunCutoffAsync(provider, quiescence, cancellationToken);
            await RunNettingAsync(provider, quiescence, date, cancellationToken);
            await CloseDayAsync(date);
            report("Business days closed", closedDays.Count, closedDays.Count);

            var days = SettlementDays(date, custodians).ToList();
            var settled = 0;
            foreach (var day in days)
            {
                // Midday UTC of each following business day: the UK and EU cut-offs (noon local on T+1) have passed,
                // then the custodians report what settled.
                clock.MoveTo(new DateTimeOffset(day.ToDateTime(new TimeOnly(13, 0)), TimeSpan.Zero));
                await RunCutoffAsync(provider, quiescence, cancellationToken);
                await RunNettingAsync(provider, quiescence, day, cancellationToken);
                clock.MoveTo(new DateTimeOffset(day.ToDateTime(new TimeOnly(14, 0)), TimeSpan.Zero));
                await custodians.SettleDueAsync(day, cancellationToken);
                await quiescence.WaitAsync(PhaseTimeout, null, cancellationToken);
                await SendStatementsAsync(day);
                await CloseDayAsync(day);
                report("Settlement days", ++settled, Math.Max(settled, days.Count));
            }
        }

        // 10 p.m. New York, before the end of day: the custodians' end-of-day holdings and cash statements (semt.002 and
        // camt.053 semantics) of every account, which agree with our settled books except for a seeded share of breaks.
        async Task SendStatementsAsync(DateOnly day)
        {
            if (provider.GetService<ReconciliationHandler>() is null)
            {
                return;
            }

            clock.MoveTo(BusinessInstant(day, new TimeOnly(22, 0), NewYork));
            var ledger = provider.GetRequiredService<ILedgerStore>();
            var settled = new List<Holding>();
            foreach (var book in reference.Books.Keys.Order(StringComparer.Ordinal))
            {
                settled.AddRange(await LedgerHoldings.SettledHoldingsOfBookAsync(ledger, book, day, cancellationToken));
            }

            var accounts = reference.Accounts.Values.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => new SimulatedAccount(a.Id, a.CustodianLei));
            var statements = StatementSimulator.Generate(day, accounts, settled, [], options.Seed, options.BreakRate);
            await using var holdingsSender = client.CreateSender(Entities.HoldingsStatementsInbound.Name);
            await using var cashSender = client.CreateSender(Entities.CashStatementsInbound.Name);
            foreach (var statement in statements.Holdings)
            {
                await holdingsSender.SendMessageAsync(new ServiceBusMessage(StatementSimulator.ToJson(statement)) { MessageId = statement.StatementId, ContentType = "application/json" }, cancellationToken);
            }

            foreach (var statement in statements.Cash)
            {
                await cashSender.SendMessageAsync(new ServiceBusMessage(StatementSimulator.ToJson(statement)) { MessageId = statement.StatementId, ContentType = "application/json" }, cancellationToken);
            }

            statementsSent += statements.Holdings.Count + statements.Cash.Count;
            await quiescence.WaitAsync(PhaseTimeout, null, cancellationToken);
        }

        // 11 p.m. New York: every book (New York, London, Frankfurt) has passed its close; the end of day runs for the
        // business date exactly as the timer function runs it, writes the reports and seals the archive day.
        async Task CloseDayAsync(DateOnly day)
        {
            clock.MoveTo(BusinessInstant(day, new TimeOnly(23, 0), NewYork));
            var result = await provider.GetRequiredService<EndOfDayScheduler>().RunForDateAsync(day, cancellationToken);
            if (result.NotYetClosed.Count > 0)
            {
                throw new InvalidOperationException($"The end of day of {day:yyyy-MM-dd} at 23:00 New York left books open: {string.Join(", ", result.NotYetClosed)}. Their close times are later than the day run's end of day.");
            }

            closedDays.Add(day);
            await quiescence.WaitAsync(PhaseTimeout, null, cancellationToken);
        }

        if (console.Profile.Capabilities.Interactive)
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    await RunPhasesAsync((name, value, max) =>
                    {
                        if (!tasks.TryGetValue(name, out var task))
                        {
                            tasks[name] = task = context.AddTask(name, maxValue: max);
                        }

                        task.MaxValue = max;
                        task.Value = value;
                    });
                });
        }
        else
        {
            // Not a terminal (CI, a pipe): one plain line per phase instead of redrawn bars.
            var lastLine = string.Empty;
            await RunPhasesAsync((name, value, max) =>
            {
                var line = string.Create(CultureInfo.InvariantCulture, $"  {clock.GetUtcNow():yyyy-MM-dd HH:mm}Z {name}: {value:N0}/{max:N0}");
                if (name != "OMS messages answered" || value >= max)
                {
                    if (line != lastLine)
                    {
                        console.WriteLine(line);
                        lastLine = line;
                    }
                }
            });
        }

        var deadLettered = quiescence.DeadLettered();
        var unconsumed = quiescence.Unconsumed();
        // Each step of the closing summary is timed in the log: together they are a seventh of the default day.
        var step = Stopwatch.StartNew();
        var breaks = await OpenBreaksAsync(provider, LastClosed(closedDays, date), cancellationToken);
        LogSummaryStep(logger, "open reconciliation breaks", step.Elapsed.TotalSeconds);
        step.Restart();
        var exceptions = await provider.GetRequiredService<ExceptionsQuery>().SummaryAsync(LastClosed(closedDays, date), cancellationToken);
        LogSummaryStep(logger, "open exceptions", step.Elapsed.TotalSeconds);
        step.Restart();
        var books = await CloseBooksAsync(provider, reference, dayFolder, LastDay(date, custodians), cancellationToken);
        LogSummaryStep(logger, "journals and trial balances", step.Elapsed.TotalSeconds);
        step.Restart();
        var archive = await SealArchiveAsync(provider, dayFolder, reports, cancellationToken);
        LogSummaryStep(logger, "archive bundles, verified", step.Elapsed.TotalSeconds);
        var summary = new DaySummary(date, options, publications, replies.Outcomes, deadLettered, unconsumed, counterparties.Counts, custodians.Counts, books, archive, reports.Written(closedDays), (statementsSent, breaks), exceptions, host.Invocations, host.Failures, wall.Elapsed, dayFolder, chaos?.Counts());
        summary.Write(console);
        await File.WriteAllTextAsync(Path.Combine(dayFolder.FullName, "summary.txt"), summary.PlainText(), cancellationToken);
        if (bench is not null)
        {
            var processes = new List<(string Name, int ProcessId)>();
            if (standIns.Azurite is { } azurite)
            {
                processes.Add(("Azurite", azurite.ProcessId));
            }

            if (standIns.Cosmos is { } cosmos)
            {
                processes.Add(("Cosmos DB stand-in", cosmos.ProcessId));
            }

            var figures = bench.Report(standIns.ServiceBus!.Operations, wall.Elapsed, processes);
            console.WriteLine();
            console.MarkupLine("[bold]Benchmark[/]");
            console.WriteLine(figures);
            await File.WriteAllTextAsync(Path.Combine(dayFolder.FullName, "bench.txt"), figures, cancellationToken);
        }
        return summary.ExitCode;
    }

    private static async Task PublishAsync(ServiceBusSender sender, IEnumerable<OmsPublication> phase, BenchRecorder? bench, CancellationToken cancellationToken)
    {
        var batch = await sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            foreach (var publication in phase)
            {
                var message = new ServiceBusMessage(publication.Body) { MessageId = publication.MessageId, CorrelationId = publication.CorrelationId, ContentType = "application/json" };
                bench?.Mark("published", publication.CorrelationId);
                foreach (var (key, value) in publication.ApplicationProperties ?? new Dictionary<string, string>())
                {
                    message.ApplicationProperties[key] = value;
                }

                if (!batch.TryAddMessage(message))
                {
                    await sender.SendMessagesAsync(batch, cancellationToken);
                    batch.Dispose();
                    batch = await sender.CreateMessageBatchAsync(cancellationToken);
                    if (!batch.TryAddMessage(message))
                    {
                        // Too large for any batch: send it alone, and the capture stage answers it (PayloadTooLarge).
                        await sender.SendMessageAsync(message, cancellationToken);
                    }
                }
            }

            if (batch.Count > 0)
            {
                await sender.SendMessagesAsync(batch, cancellationToken);
            }
        }
        finally
        {
            batch.Dispose();
        }
    }

    /// <summary>The business days after the trade date on which the custodians report, up to the last due instruction plus one retry day.</summary>
    private static IEnumerable<DateOnly> SettlementDays(DateOnly tradeDate, CustodianSimulator custodians)
    {
        var day = NextWeekday(tradeDate);
        var retries = 0;
        while (retries < 2)
        {
            var open = custodians.OpenSettlementDates;
            if (open.Count == 0)
            {
                yield break;
            }

            if (open[^1] < day)
            {
                retries++;
            }

            yield return day;
            day = NextWeekday(day);
        }
    }

    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset BusinessInstant(DateOnly day, TimeOnly time, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(time), zone), TimeSpan.Zero);

    /// <summary>Runs the affirmation cut-off watch (the timer function's handler) until it reports nothing more, then lets the pipeline settle.</summary>
    private static async Task RunCutoffAsync(IServiceProvider provider, Quiescence quiescence, CancellationToken cancellationToken)
    {
        if (provider.GetService<AffirmationCutoffHandler>() is not { } cutoff)
        {
            return;
        }

        while ((await cutoff.RunAsync(cancellationToken)).Candidates >= AffirmationCutoffHandler.MaximumPerRun)
        {
        }

        await quiescence.WaitAsync(PhaseTimeout, null, cancellationToken);
    }

    /// <summary>
    /// The netting run (the timer function's handler): nets the affirmed trades of counterparties with a netting agreement
    /// that settle by the next weekday and issues their instructions, then lets the pipeline settle.
    /// </summary>
    private static async Task RunNettingAsync(IServiceProvider provider, Quiescence quiescence, DateOnly day, CancellationToken cancellationToken)
    {
        if (provider.GetService<SettlementInstructionHandler>() is not { } settlement)
        {
            return;
        }

        await settlement.RunNettingAsync(NettingRunFunction.NettingHorizon(day), cancellationToken);
        await quiescence.WaitAsync(PhaseTimeout, null, cancellationToken);
    }

    private static DateOnly LastClosed(List<DateOnly> closed, DateOnly tradeDate) => closed.Count == 0 ? tradeDate : closed.Max();

    /// <summary>Open reconciliation breaks by type, with their oldest age in business days, as of the run's last day.</summary>
    private static async Task<IReadOnlyList<(string Type, int Count, int OldestAge)>> OpenBreaksAsync(IServiceProvider provider, DateOnly asOf, CancellationToken cancellationToken)
    {
        if (provider.GetService<IReconciliationStore>() is not { } store)
        {
            return [];
        }

        var open = new List<TrackedBreak>();
        await foreach (var document in store.ListAsync(cancellationToken))
        {
            open.AddRange(document.OpenBreaks);
        }

        return [.. open.GroupBy(b => b.Latest.Type.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Max(b => b.AgeInBusinessDays(asOf, ReconciliationHandler.IsBusinessDay))))];
    }

    private static DateOnly LastDay(DateOnly tradeDate, CustodianSimulator custodians) => tradeDate;

    private static DateOnly NextWeekday(DateOnly day)
    {
        do
        {
            day = day.AddDays(1);
        }
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);

        return day;
    }

    /// <summary>Per book: the journal as an hledger file and the trial balance with its invariant check.</summary>
    private static async Task<IReadOnlyList<BookResult>> CloseBooksAsync(IServiceProvider provider, ReferenceDataSet reference, DirectoryInfo dayFolder, DateOnly asOf, CancellationToken cancellationToken)
    {
        var store = provider.GetRequiredService<ILedgerStore>();
        var ledgerFolder = Directory.CreateDirectory(Path.Combine(dayFolder.FullName, "journals"));
        var results = new List<BookResult>();
        foreach (var book in reference.Books.Keys.Order(StringComparer.Ordinal))
        {
            var entries = new List<JournalEntry>();
            await foreach (var entry in store.EntriesAsync(book, asOf.AddDays(30), cancellationToken))
            {
                entries.Add(entry);
            }

            entries.Sort((a, b) => a.ValueDate != b.ValueDate ? a.ValueDate.CompareTo(b.ValueDate) : string.CompareOrdinal(a.JournalId, b.JournalId));
            var file = Path.Combine(ledgerFolder.FullName, $"{book}.journal");
            await using (var writer = new StreamWriter(file, append: false, new System.Text.UTF8Encoding(false)))
            {
                HledgerJournal.Write(writer, entries);
            }

            var trialBalance = TrialBalance.From(book, asOf.AddDays(30), entries);
            var unbalanced = entries.Count(e => !e.IsBalanced);
            results.Add(new BookResult(book, entries.Count, trialBalance.Postings, trialBalance.Balances, unbalanced, trialBalance.NetByAsset, file));
        }

        return results;
    }

    /// <summary>
    /// Seals every archive day the run wrote (the trade date and the settlement days after it), writes each day's bundle to
    /// <c>archive-bundles/&lt;day&gt;.zip</c> and verifies it offline exactly as <c>backoffice verify</c> does. A day the end of
    /// day sealed already has its bundle among its reports; a bundle is a function of the seal and the published keys alone,
    /// so when the delivered one holds this seal's manifest it is copied rather than rebuilt from every record again (for the
    /// default day's trade date, 121,000 reads from Azurite). Either way the copy is verified offline.
    /// </summary>
    private static async Task<IReadOnlyList<ArchiveDayResult>> SealArchiveAsync(IServiceProvider provider, DirectoryInfo dayFolder, DayRunReportSink reports, CancellationToken cancellationToken)
    {
        var store = provider.GetRequiredService<IArchiveStore>();
        var sealer = provider.GetRequiredService<ArchiveDaySealer>();
        var folder = Directory.CreateDirectory(Path.Combine(dayFolder.FullName, "archive-bundles"));
        var days = new List<DateOnly>();
        await foreach (var day in store.DaysAsync(cancellationToken))
        {
            days.Add(day);
        }

        var results = new List<ArchiveDayResult>();
        foreach (var day in days.Order())
        {
            var seal = await sealer.SealAsync(day, cancellationToken);
            var file = Path.Combine(folder.FullName, $"{day:yyyy-MM-dd}.zip");
            var delivered = Path.Combine(reports.FolderOf(day), EndOfDayHandler.BundleFileName);
            if (BundleHoldsManifest(delivered, seal.ManifestJson))
            {
                File.Copy(delivered, file, overwrite: true);
            }
            else
            {
                await using var stream = File.Create(file);
                await sealer.WriteBundleAsync(day, stream, cancellationToken);
            }

            using var zip = ZipFileBundle.OpenFile(file);
            var verification = ArchiveVerifier.Verify(zip, []);
            results.Add(new ArchiveDayResult(day, seal.Manifest.Records.Count, verification.IsIntact, verification.Findings.Count, file));
        }

        return results;
    }

    /// <summary>Whether <paramref name="bundle"/> is a zip whose manifest is exactly <paramref name="manifestJson"/>.</summary>
    internal static bool BundleHoldsManifest(string bundle, byte[] manifestJson)
    {
        if (!File.Exists(bundle))
        {
            return false;
        }

        try
        {
            using var zip = ZipFile.OpenRead(bundle);
            var entry = zip.GetEntry(ArchiveFormat.ManifestPath);
            if (entry is null || entry.Length != manifestJson.Length)
            {
                return false;
            }

            using var content = entry.Open();
            using var buffer = new MemoryStream(manifestJson.Length);
            content.CopyTo(buffer);
            return buffer.GetBuffer().AsSpan(0, (int)buffer.Length).SequenceEqual(manifestJson);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Phase at {BusinessTime} published {Published} messages; {Answered} answered so far")]
    private static partial void LogPhase(ILogger logger, DateTimeOffset businessTime, int published, int answered);

    [LoggerMessage(Level = LogLevel.Information, Message = "Summary: {Step} took {Seconds:0.0} s")]
    private static partial void LogSummaryStep(ILogger logger, string step, double seconds);
}

/// <summary>One archive day's seal and offline verification.</summary>
internal sealed record ArchiveDayResult(DateOnly Day, int Records, bool Intact, int Findings, string BundleFile);

/// <summary>One book's ledger at the end of the run.</summary>
internal sealed record BookResult(string Book, int Entries, int Postings, bool Balances, int UnbalancedEntries, IReadOnlyDictionary<string, decimal> NetByAsset, string JournalFile);
