using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Cli.LoadRun;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.ServiceBusEmulator.Filters;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests.LoadRun;

/// <summary>
/// The in-memory load run (issue 12, docs/reliability.md "Load") at a small size: every OMS message gets one outcome, every
/// stage's function runs, nothing is left in any consumed entity, the ledger balances, and the same seed gives the same run.
/// The million-trade run is the documented command <c>backoffice load-day --trades 1000000</c>.
/// </summary>
public sealed class LoadRunTests
{
    private static readonly LoadRunOptions Small = new(new DateOnly(2026, 11, 24), Seed: 7, Trades: 150);

    [Fact]
    public async Task SmallDay_AccountsForEveryMessage_LeavesNothingBehind_AndBalances()
    {
        var result = await new InMemoryDayRun(Small).RunAsync(null, TestContext.Current.CancellationToken);

        Assert.True(result.Passed, result.Render());
        Assert.Equal(result.Published, result.Outcomes.Values.Sum());
        Assert.True(result.Outcomes["accepted"] >= Small.Trades * 9 / 10, result.Render());
        Assert.Contains("rejected", result.Outcomes.Keys);
        Assert.Equal(0, result.LeftBehind);
        Assert.Empty(result.DeadLetterReasons);
        Assert.Equal(0, result.OpenInstructions);
        Assert.Equal(0, result.UnbalancedEntries);
        Assert.True(result.LedgerEntries >= result.Outcomes["accepted"], result.Render());
        foreach (var function in new[] { "capture", "confirmation-send", "affirmation-match", "settlement-instruct", "settlement-custodian-status", "ledger-posting", "compliance-surveillance" })
        {
            Assert.True(result.Functions.TryGetValue(function, out var counts) && counts.Invocations > 0, $"{function} never ran:\n{result.Render()}");
        }
    }

    [Fact]
    public async Task SameSeed_GivesTheSameRun()
    {
        var first = await new InMemoryDayRun(Small).RunAsync(null, TestContext.Current.CancellationToken);
        var second = await new InMemoryDayRun(Small).RunAsync(null, TestContext.Current.CancellationToken);

        AssertSameRun(first, second);
    }

    private static void AssertSameRun(LoadRunResult expected, LoadRunResult actual)
    {
        Assert.Equal(expected.Outcomes.OrderBy(o => o.Key), actual.Outcomes.OrderBy(o => o.Key));
        Assert.Equal(expected.Functions.OrderBy(f => f.Key), actual.Functions.OrderBy(f => f.Key));
        Assert.Equal(
            (expected.LedgerEntries, expected.ComplianceAlerts, expected.ArchiveRecords, expected.ArchiveBytes, expected.BusMessages, expected.ArchiveFingerprint),
            (actual.LedgerEntries, actual.ComplianceAlerts, actual.ArchiveRecords, actual.ArchiveBytes, actual.BusMessages, actual.ArchiveFingerprint));
    }

    [Fact]
    public async Task CompactStores_GiveTheSameRunAsStoresOfObjects()
    {
        // Every message published and every record archived passes through the documents the stores return, so equal archive
        // fingerprints mean the compressed Cosmos forms read back as the documents that were written, queries included.
        var compact = await new InMemoryDayRun(Small).RunAsync(null, TestContext.Current.CancellationToken);
        var objects = await new InMemoryDayRun(Small with { CompactStores = false }).RunAsync(null, TestContext.Current.CancellationToken);

        Assert.True(compact.Passed, compact.Render());
        AssertSameRun(objects, compact);
    }

    [Fact]
    public async Task Archive_IsWriteOnce_AndReadsBackOnlyTheInboundRecordsStagesReadBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var archive = new CountingArchiveStore();
        var day = new DateOnly(2026, 11, 24);
        var oms = ArchiveRecordNames.Inbound(Entities.OmsTrades.Name, "m-1");
        var compliance = ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, "T-1:1:TradeCaptured");
        var outbound = ArchiveRecordNames.Outbound(Entities.TradeEvents.Name, "T-1:1:TradeCaptured");
        ArchiveRecord Record(string name, string content) => new(day, name, System.Text.Encoding.UTF8.GetBytes(content), "application/json");

        Assert.Equal(ArchiveWriteResult.Written, await archive.WriteAsync(Record(oms, "{\"a\":1}"), ct));
        Assert.Equal(ArchiveWriteResult.Written, await archive.WriteAsync(Record(compliance, "{\"b\":2}"), ct));
        Assert.Equal(ArchiveWriteResult.Written, await archive.WriteAsync(Record(outbound, "{\"c\":3}"), ct));
        Assert.Equal(ArchiveWriteResult.AlreadyArchived, await archive.WriteAsync(Record(compliance, "{\"b\":2}"), ct));
        Assert.Equal(ArchiveWriteResult.Conflict, await archive.WriteAsync(Record(compliance, "{\"b\":3}"), ct));

        Assert.Equal((3, 1), (archive.Records, archive.Conflicts));
        foreach (var (name, content) in new[] { (oms, "{\"a\":1}"), (compliance, "{\"b\":2}") })
        {
            await using var stream = await archive.OpenAsync(day, name, ct);
            Assert.Equal(content, await new StreamReader(stream!).ReadToEndAsync(ct));
        }

        Assert.Null(await archive.OpenAsync(day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, "never-written"), ct));
        await Assert.ThrowsAsync<NotSupportedException>(() => archive.OpenAsync(day, outbound, ct));
    }

    [Fact]
    public async Task Bus_RoutesByTheTopologysFilters_DropsDuplicatesWithinTheWindow_AndForgetsThemAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero));
        var ledger = InMemoryBus.Path(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Ledger.Name);
        var settlement = InMemoryBus.Path(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Settlement.Name);
        var bus = new InMemoryBus(new TopicRouting(EmulatorConfig.FromTopology(TopologyDocument.Default)), clock, [ledger, settlement]);
        OutboundMessage Event(string id, string type) => new(Entities.TradeEvents.Name, id, type, "corr", new Dictionary<string, string> { ["eventType"] = type }, "{}");

        await bus.PublishAsync(Event("T-1:1:TradeCaptured", "TradeCaptured"), ct);
        await bus.PublishAsync(Event("T-1:1:TradeCaptured", "TradeCaptured"), ct);
        await bus.PublishAsync(Event("T-1:1:TradeAffirmed", "TradeAffirmed"), ct);

        Assert.Equal(1, bus.DroppedAsDuplicates);
        Assert.Equal(1, bus.Depths[ledger]); // the ledger takes TradeCaptured, not TradeAffirmed
        Assert.Equal(1, bus.Depths[settlement]); // settlement takes TradeAffirmed, not TradeCaptured
        var window = TopologyDocument.Default.ServiceBus.Topics.Single(t => t.Name == Entities.TradeEvents.Name).Properties.DuplicateDetectionHistoryTimeWindow;
        clock.Advance(System.Xml.XmlConvert.ToTimeSpan(window!) + TimeSpan.FromSeconds(1));
        await bus.PublishAsync(Event("T-1:1:TradeCaptured", "TradeCaptured"), ct);
        Assert.Equal(2, bus.Depths[ledger]);
    }

    [Fact]
    public void Bus_RedeliversUntilTheMaximumDeliveryCount()
    {
        var clock = new FakeTimeProvider();
        var bus = new InMemoryBus(new TopicRouting(EmulatorConfig.FromTopology(TopologyDocument.Default)), clock, [Entities.OmsTrades.Name]);
        _ = bus.PublishAsync(new OutboundMessage(Entities.OmsTrades.Name, "m-1", string.Empty, null, new Dictionary<string, string>(), "{}"), TestContext.Current.CancellationToken);

        Assert.True(bus.TryReceive(Entities.OmsTrades.Name, out var first));
        Assert.Equal(1, first.DeliveryCount);
        bus.Abandon(Entities.OmsTrades.Name, first);
        Assert.True(bus.TryReceive(Entities.OmsTrades.Name, out var second));
        Assert.Equal(2, second.DeliveryCount);
        Assert.Equal(TopologyDocument.Default.ServiceBus.Queues.Single(q => q.Name == Entities.OmsTrades.Name).Properties.MaxDeliveryCount, bus.MaxDeliveryCount(Entities.OmsTrades.Name));
        bus.DeadLetter(Entities.OmsTrades.Name, second, "Poison", "never readable");
        Assert.Equal("Poison", Assert.Single(bus.DeadLetters).Reason);
        Assert.Equal(0, bus.Waiting);
    }
}
