using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.Azure.Messaging;
using ServerlessBackOffice.Cli.LocalHost;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests.Confirmation;

/// <summary>
/// The confirmation and affirmation functions hosted locally on the Service Bus emulator and the Cosmos stand-in, with the
/// real SDK clients: a trade event becomes a confirmation on the counterparty's filtered subscription, its affirmation a
/// TradeAffirmed; a contract-breaking affirmation is dead-lettered with its reason; a transient store failure is retried.
/// </summary>
public sealed class ConfirmationFunctionsOnStandInsTests
{
    private static TradeEventWire Trade(string tradeId) => new(
        $"{tradeId}:1:TradeCaptured", "TradeCaptured", tradeId, 1, "Live", "US-EQ", "ACC-US-001", "buy", "US0378331005", "Equity", "XNAS",
        "100", "230.10", "perUnit", "USD", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", "23010.00", "11.51", [], "0", "23021.51", "HalfAwayFromZeroToMinorUnits", $"CORR-{tradeId}");

    private static string Affirmation(string tradeId, string quantity = "100") =>
        $$"""{"schemaVersion":1,"affirmationId":"AFF-{{tradeId}}","tradeId":"{{tradeId}}","version":1,"account":"ACC-US-001","counterpartyLei":"W22LROWP2IHZNBB6K528","isin":"US0378331005","side":"Buy","quantity":"{{quantity}}","price":"230.10","currency":"USD","tradeDate":"2026-11-24","settlementDate":"2026-11-25","netAmount":"23021.51"}""";

    private readonly CapturingLogger _hostLog = new();

    [Fact]
    public async Task ConfirmationAndAffirmation_HostedLocally_SettleEveryMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false }, NullLogger.Instance, ct);
        var database = $"confirm-{Guid.NewGuid():N}";
        using (var cosmos = standIns.CreateCosmosClient())
        {
            await StandInProvisioning.ProvisionCosmosAsync(cosmos, TopologyDocument.Default, database, ct);
        }

        var settings = TopologyDocument.Default.AppSettings().ToDictionary(s => s.AppSetting, s => s.Name);
        settings[BackOfficeServices.CosmosConnectionSetting] = standIns.CosmosConnectionString;
        settings[Entities.CosmosDatabase.AppSetting] = database;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();
        await using var client = new ServiceBusClient(standIns.ServiceBusConnectionString);
        var archive = new InMemoryArchiveStore();
        var flaky = new FailOnce("T-flaky");
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<IArchiveStore>(archive)
            .AddSingleton<IMessagePublisher>(sp => new ArchivingMessagePublisher(new ServiceBusMessagePublisher(client), archive, TimeProvider.System))
            .AddSingleton<IReferenceDataSource>(new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()))
            .AddSingleton<IConfirmationStore>(sp => flaky.Wrap(new CosmosConfirmationStore(
                sp.GetRequiredService<Microsoft.Azure.Cosmos.CosmosClient>().GetContainer(database, Entities.Containers.Trades.Name))))
            .AddConfirmationStage(configuration)
            .BuildServiceProvider();
        var functions = ServiceBusFunction.Discover(typeof(ServerlessBackOffice.Functions.HealthFunction).Assembly)
            .Where(f => f.Name is "confirmation-send" or "affirmation-match").ToList();
        Assert.Equal(2, functions.Count);
        await using var counterparty = client.CreateReceiver(Entities.CounterpartyOutbound.Name, Entities.CounterpartyOutbound.Subscription("counterparty-gsi").Name);
        await using (var host = new LocalFunctionHost(client, services, settings, HostJsonSettings.Defaults, _hostLog))
        {
            await host.StartAsync(functions, ct);
            await using var events = client.CreateSender(Entities.TradeEvents.Name);
            await using var affirmations = client.CreateSender(Entities.AffirmationsInbound.Name);
            foreach (var id in new[] { "T-ok", "T-flaky" })
            {
                var trade = Trade(id);
                await events.SendMessageAsync(new ServiceBusMessage(JsonSerializer.SerializeToUtf8Bytes(trade, CaptureJsonContext.Default.TradeEventWire))
                {
                    MessageId = trade.EventId,
                    CorrelationId = trade.CorrelationId,
                    Subject = trade.EventType,
                    ApplicationProperties = { ["eventType"] = trade.EventType },
                }, ct);
            }

            // The confirmations reach Goldman Sachs International's filtered subscription, with the LEI property it filters on.
            var confirmations = new List<ServiceBusReceivedMessage>();
            while (confirmations.Count < 2)
            {
                var received = await counterparty.ReceiveMessageAsync(TimeSpan.FromSeconds(30), ct);
                Assert.NotNull(received);
                confirmations.Add(received);
                await counterparty.CompleteMessageAsync(received, ct);
            }

            Assert.Equal(["CONF-T-flaky-v1", "CONF-T-ok-v1"], confirmations.Select(m => m.MessageId).Order(StringComparer.Ordinal));
            Assert.All(confirmations, m => Assert.Equal("W22LROWP2IHZNBB6K528", m.ApplicationProperties[ConfirmationRules.CounterpartyLeiProperty]));

            await affirmations.SendMessageAsync(new ServiceBusMessage(Encoding.UTF8.GetBytes(Affirmation("T-ok"))) { MessageId = "AFF-MSG-ok" }, ct);
            await affirmations.SendMessageAsync(new ServiceBusMessage(Encoding.UTF8.GetBytes(Affirmation("T-ok", quantity: "1,000"))) { MessageId = "AFF-MSG-bad" }, ct);

            var store = services.GetRequiredService<IConfirmationStore>();
            await using var deadLetters = client.CreateReceiver(Entities.AffirmationsInbound.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
            var deadLettered = await deadLetters.ReceiveMessageAsync(TimeSpan.FromSeconds(30), ct);
            Assert.NotNull(deadLettered);
            Assert.True(deadLettered.DeadLetterReason == AffirmationParser.InvalidFieldReason, string.Join("\n", _hostLog.Lines));
            Assert.Equal("AFF-MSG-bad", deadLettered.MessageId);
            Assert.Contains("quantity", deadLettered.DeadLetterErrorDescription, StringComparison.Ordinal);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && ((await store.GetAsync("T-ok", ct))?.Status != ConfirmationStatus.Affirmed || standIns.ServiceBus!.GetCounts(Entities.AffirmationsInbound.Name).Active > 0))
            {
                await Task.Delay(100, ct);
            }

            Assert.Equal(ConfirmationStatus.Affirmed, (await store.GetAsync("T-ok", ct))!.Status);
            Assert.Equal(ConfirmationStatus.Confirmed, (await store.GetAsync("T-flaky", ct))!.Status);
            var confirmationSubscription = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Confirmation.Name}";
            Assert.Equal(0, standIns.ServiceBus!.GetCounts(confirmationSubscription).Active);
            Assert.Equal(0, standIns.ServiceBus.GetCounts(confirmationSubscription).DeadLettered);
            Assert.Equal(0, standIns.ServiceBus.GetCounts(Entities.AffirmationsInbound.Name).Active);

            // The transient failure was retried: one failed invocation, then the redelivery confirmed the trade.
            Assert.Equal(1L, host.Failures);
            Assert.True(flaky.Failed);
            var day = ArchiveRecordNames.DayOf(TimeProvider.System.GetUtcNow());
            await using var affirmed = await archive.OpenAsync(day, ArchiveRecordNames.Outbound(Entities.TradeEvents.Name, "T-ok:1:TradeAffirmed"), ct);
            Assert.NotNull(affirmed);
        }
    }

    /// <summary>Keeps the host's log lines, so a failed assertion shows why an invocation failed.</summary>
    private sealed class CapturingLogger : Microsoft.Extensions.Logging.ILogger<LocalFunctionHost>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }

    /// <summary>Fails the first read of one trade, as Cosmos does when it times out.</summary>
    private sealed class FailOnce(string tradeId)
    {
        private readonly string _tradeId = tradeId;
        private int _failed;

        public bool Failed => _failed == 1;

        public IConfirmationStore Wrap(IConfirmationStore inner) => new Store(this, inner);

        private sealed class Store(FailOnce owner, IConfirmationStore inner) : IConfirmationStore
        {
            // The trade's first request fails, whichever it is (a first event creates without reading: decision 0075).
            public Task<ConfirmationDocument?> GetAsync(string id, CancellationToken cancellationToken) =>
                FailsNow(id) ? throw new TimeoutException("Cosmos did not answer") : inner.GetAsync(id, cancellationToken);

            public Task<StoreWriteResult> TryWriteAsync(ConfirmationDocument document, string? expectedETag, CancellationToken cancellationToken) =>
                FailsNow(document.TradeId) ? throw new TimeoutException("Cosmos did not answer") : inner.TryWriteAsync(document, expectedETag, cancellationToken);

            private bool FailsNow(string id) => id == owner._tradeId && Interlocked.CompareExchange(ref owner._failed, 1, 0) == 0;

            public IAsyncEnumerable<ConfirmationDocument> DueForCutoffAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
                inner.DueForCutoffAsync(at, cancellationToken);

            public IAsyncEnumerable<ConfirmationDocument> HeldOnlyBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
                inner.HeldOnlyBeforeAsync(before, cancellationToken);

            public Task<bool> TryDeleteAsync(string tradeId, string expectedETag, CancellationToken cancellationToken) =>
                inner.TryDeleteAsync(tradeId, expectedETag, cancellationToken);
        }
    }
}
