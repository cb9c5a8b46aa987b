using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Cli.LocalHost;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The function app's own Service Bus functions hosted locally, end to end on the stand-ins: trade events published to the
/// real topic reach the ledger function through the filtered subscription, post to the Cosmos stand-in, duplicates do not
/// double-book, and every message is settled.
/// </summary>
public sealed class LocalFunctionHostTests
{
    private static TradeEventWire Event(int i, string eventType = "TradeCaptured") => new(
        $"T-{i}:1:{eventType}", eventType, $"T-{i}", 1, "Live", "US-EQ", "ACC-001", i % 3 == 0 ? "sell" : "buy", "US0378331005", "Equity", "XNAS",
        (10 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), "230.10", "perUnit", "USD", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
        "2026-11-24T15:30:00.0000000Z", "2026-11-24", "2026-11-25", ((10 + i) * 230.10m).ToString(System.Globalization.CultureInfo.InvariantCulture), "1.00",
        [], "0", "0", "HalfAwayFromZeroToMinorUnits", $"CORR-{i}");

    [Fact]
    public async Task LedgerFunction_HostedLocally_PostsEveryTradeEventOnceThroughTheFilteredSubscription()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false }, NullLogger.Instance, ct);
        var database = $"host-{Guid.NewGuid():N}";
        using (var cosmos = standIns.CreateCosmosClient())
        {
            await StandInProvisioning.ProvisionCosmosAsync(cosmos, TopologyDocument.Default, database, ct);
        }

        var settings = TopologyDocument.Default.AppSettings().ToDictionary(s => s.AppSetting, s => s.Name);
        settings[BackOfficeServices.CosmosConnectionSetting] = standIns.CosmosConnectionString;
        settings[Entities.CosmosDatabase.AppSetting] = database;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();
        // The ledger stage archives every entry before it posts it: an in-memory archive is enough here.
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddSingleton<IArchiveStore, InMemoryArchiveStore>()
            .AddLedgerStage(configuration).BuildServiceProvider();
        await using var client = new ServiceBusClient(standIns.ServiceBusConnectionString);
        var functions = ServiceBusFunction.Discover(typeof(ServerlessBackOffice.Functions.HealthFunction).Assembly).Where(f => f.Name == "ledger-posting").ToList();
        await using (var host = new LocalFunctionHost(client, services, settings, HostJsonSettings.Defaults, NullLogger<LocalFunctionHost>.Instance))
        {
            await host.StartAsync(functions, ct);

            // 30 trade events, each published twice with the same message id and once more with a new id (a redelivery
            // beyond the duplicate-detection window), plus events the ledger subscription filters out.
            await using var sender = client.CreateSender(Entities.TradeEvents.Name);
            var events = Enumerable.Range(0, 30).Select(i => Event(i)).ToList();
            foreach (var (e, copy) in events.SelectMany(e => new[] { (e, e.EventId), (e, e.EventId), (e, e.EventId + ":again") }))
            {
                await sender.SendMessageAsync(Message(e, copy), ct);
            }

            await sender.SendMessageAsync(Message(Event(99, "TradeAffirmed"), "T-99:1:TradeAffirmed"), ct);

            var store = services.GetRequiredService<ILedgerStore>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && await CountPostedAsync(store, ct) < events.Count)
            {
                await Task.Delay(200, ct);
            }

            var ledgerSubscription = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Ledger.Name}";
            while (DateTime.UtcNow < deadline && standIns.ServiceBus!.GetCounts(ledgerSubscription).Active > 0)
            {
                await Task.Delay(200, ct);
            }

            Assert.Equal(events.Count, await CountPostedAsync(store, ct));
            var entries = new List<JournalEntry>();
            await foreach (var entry in store.EntriesAsync("US-EQ", new DateOnly(2026, 11, 24), ct))
            {
                entries.Add(entry);
            }

            Assert.Equal(events.Count, entries.Count);
            Assert.True(TrialBalance.From("US-EQ", new DateOnly(2026, 11, 24), entries).Balances);
            var counts = standIns.ServiceBus!.GetCounts(ledgerSubscription);
            Assert.Equal(0, counts.Active);
            Assert.Equal(0, counts.DeadLettered);
            Assert.Equal(0L, host.Failures);
            Assert.Null((await store.LoadAsync("T-99", ct)).State.Trade);
        }
    }

    private static ServiceBusMessage Message(TradeEventWire e, string messageId) =>
        new(JsonSerializer.SerializeToUtf8Bytes(e, CaptureJsonContext.Default.TradeEventWire))
        {
            MessageId = messageId,
            CorrelationId = e.CorrelationId,
            Subject = e.EventType,
            ContentType = "application/json",
            ApplicationProperties = { ["eventType"] = e.EventType },
        };

    private static async Task<int> CountPostedAsync(ILedgerStore store, CancellationToken ct)
    {
        var posted = 0;
        for (var i = 0; i < 30; i++)
        {
            if ((await store.LoadAsync($"T-{i}", ct)).State.Trade is not null)
            {
                posted++;
            }
        }

        return posted;
    }
}
