using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Azure.Settlement;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Settlement;

/// <summary>
/// The settlement stage on the Cosmos stand-in with the real SDK: trade documents in the trades container, instructions in
/// settlement-instructions (one partition each), If-Match replaces, amounts that survive the round trip exactly, and the
/// netting run's cross-partition queries.
/// </summary>
public sealed class CosmosSettlementStoreTests(CosmosStandInFixture fixture) : IClassFixture<CosmosStandInFixture>
{
    private const string Gross = "7LTWFZYICNSX8D621K86";
    private const string Nets = "W22LROWP2IHZNBB6K528";
    private readonly InMemoryMessagePublisher _bus = new();
    private Container? _trades;
    private Container? _instructions;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<CosmosSettlementStore> CreateStoreAsync()
    {
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"settle-{Guid.NewGuid():N}", cancellationToken: Ct)).Database;
        var trades = Entities.Containers.Trades;
        var instructions = Entities.Containers.SettlementInstructions;
        _trades = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(trades.Name, trades.PartitionKeyPath), cancellationToken: Ct)).Container;
        _instructions = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(instructions.Name, instructions.PartitionKeyPath), cancellationToken: Ct)).Container;
        return new CosmosSettlementStore(_trades, _instructions);
    }

    private (SettlementInstructionHandler Instructions, CustodianStatusHandler Statuses) Stage(ISettlementStore store)
    {
        var referenceData = new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded());
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 21, 0, 0, TimeSpan.Zero));
        // Trades arrive with their amendment here, so capture's store holds none: an affirmation that first guesses the trade has
        // no settlement document (decision 0075) finds no captured trade either, and reads the settlement document instead.
        var tradeStore = new Mock<ITradeStore>(MockBehavior.Strict);
        tradeStore.Setup(t => t.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((TradeDocument?)null);
        return (new SettlementInstructionHandler(store, tradeStore.Object, referenceData, _bus, clock, NullLogger<SettlementInstructionHandler>.Instance),
            new CustodianStatusHandler(store, _bus, clock, NullLogger<CustodianStatusHandler>.Instance));
    }

    private static TradeEventWire Trade(string tradeId, string counterparty, string side, string quantity, string net) => new(
        $"{tradeId}:2:TradeAmended", "TradeAmended", tradeId, 2, "Live", "US-EQ", "ACC-US-001", side, "US0378331005", "Equity", "XNAS",
        quantity, "230.10", "perUnit", "USD", counterparty, "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", net, "11.51", [], "0", net, "HalfAwayFromZeroToMinorUnits", "CORR-" + tradeId);

    private static async Task AmendThenAffirmAsync(SettlementInstructionHandler handler, TradeEventWire trade)
    {
        await handler.HandleAsync(new InboundMessage(trade.EventId, JsonSerializer.SerializeToUtf8Bytes(trade, CaptureJsonContext.Default.TradeEventWire), 1), Ct);
        var affirmed = new TradeAffirmedWire($"{trade.TradeId}:2:TradeAffirmed", "TradeAffirmed", trade.TradeId, 2, trade.CounterpartyLei, "AFF", "2026-11-24T21:00:00Z", trade.CorrelationId);
        await handler.HandleAsync(new InboundMessage(affirmed.EventId, JsonSerializer.SerializeToUtf8Bytes(affirmed, ConfirmationJsonContext.Default.TradeAffirmedWire), 1), Ct);
    }

    private static InboundMessage Status(string instructionId, string statusId, string status, int minute, string? quantity = null, string? cash = null) =>
        new(statusId, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
            new CustodianStatusWire(1, statusId, instructionId, status, $"2026-11-25T10:{minute:00}:00Z", quantity, cash), SettlementJsonContext.Default.CustodianStatusWire)), 1);

    [Fact]
    public async Task GrossTrade_InstructsAndSettles_WithExactAmountsThroughCosmos()
    {
        var store = await CreateStoreAsync();
        var (instructions, statuses) = Stage(store);

        await AmendThenAffirmAsync(instructions, Trade("T-1", Gross, "buy", "100", "23021.51"));
        var instructionId = (await store.GetTradeAsync("T-1", Ct))!.InstructionId!;
        await statuses.HandleAsync(Status(instructionId, "S-1", "PartiallySettled", 1, "33", "7597.10"), Ct);
        var settled = await statuses.HandleAsync(Status(instructionId, "S-2", "Settled", 2, "100", "23021.51"), Ct);

        Assert.Equal(SettlementOutcomes.StatusApplied, settled.Outcome);
        var document = (await store.GetInstructionAsync(instructionId, Ct))!;
        Assert.Equal((SettlementStatus.Settled, 100m, 23021.51m), (document.Lifecycle.Status, document.Lifecycle.SettledQuantity, document.Lifecycle.SettledCash));
        Assert.Equal(23021.51m, document.Instruction.CashAmount);
        Assert.Equal(2, document.Lifecycle.History.Count);
        var raw = (await _instructions!.ReadItemAsync<JsonElement>(instructionId, new PartitionKey(instructionId), cancellationToken: Ct)).Resource;
        Assert.Equal(("Live", "Settled", true), (raw.GetProperty("phase").GetString(), raw.GetProperty("status").GetString(), raw.GetProperty("isFinal").GetBoolean()));
        Assert.Contains("\"23021.51\"", raw.GetProperty("state").GetString()!, StringComparison.Ordinal);
        Assert.Single(_bus.Delivered, m => m.Destination == Entities.CustodianOutbound.Name);
    }

    [Fact]
    public async Task NettingRun_QueriesAcrossPartitions_AndIssuesOneNetInstruction()
    {
        var store = await CreateStoreAsync();
        var (instructions, _) = Stage(store);
        await AmendThenAffirmAsync(instructions, Trade("T-1", Nets, "buy", "100", "23021.51"));
        await AmendThenAffirmAsync(instructions, Trade("T-2", Nets, "sell", "40", "9192.49"));

        var issued = await instructions.RunNettingAsync(new DateOnly(2026, 11, 25), Ct);
        var again = await instructions.RunNettingAsync(new DateOnly(2026, 11, 25), Ct);

        Assert.Equal((1, 0), (issued, again));
        var message = Assert.Single(_bus.Delivered, m => m.Destination == Entities.CustodianOutbound.Name);
        var wire = JsonSerializer.Deserialize(message.Body, SettlementJsonContext.Default.SettlementInstructionWire)!;
        Assert.Equal(("60", "13829.02", "DBIT"), (wire.Quantity, wire.SettlementAmount, wire.CreditDebit));
        Assert.Equal(wire.InstructionId, (await store.GetTradeAsync("T-2", Ct))!.InstructionId);
        Assert.Single(_bus.Published, m => m.Destination == Entities.CustodianOutbound.Name);
        Assert.Equal(1, (await store.GetInstructionAsync(wire.InstructionId, Ct))!.NettingRun);
        Assert.Equal(2, (await store.GetNettingRunMarkerAsync(Ct))!.CompletedRuns);
    }

    [Fact]
    public async Task NettingRunMarker_IsCreatedOnce_ThenReplacedOnlyWithItsETag_AndIsNoInstruction()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetNettingRunMarkerAsync(Ct));

        var first = await store.TryWriteNettingRunMarkerAsync(new NettingRunMarker(1, null), null, Ct);
        var again = await store.TryWriteNettingRunMarkerAsync(new NettingRunMarker(1, null), null, Ct);
        var next = await store.TryWriteNettingRunMarkerAsync(new NettingRunMarker(2, null), first.ETag, Ct);
        var stale = await store.TryWriteNettingRunMarkerAsync(new NettingRunMarker(3, null), first.ETag, Ct);

        Assert.Equal((true, false, true, false), (first.Written, again.Written, next.Written, stale.Written));
        Assert.Equal(new NettingRunMarker(2, next.ETag), await store.GetNettingRunMarkerAsync(Ct));
        var open = new List<SettlementInstructionDocument>();
        await foreach (var document in store.OpenInstructionsAsync(Ct))
        {
            open.Add(document);
        }

        Assert.Empty(open);
    }

    [Fact]
    public async Task Writes_WithAStaleETag_LoseTheRace()
    {
        var store = await CreateStoreAsync();
        var document = new TradeSettlementDocument("T-9", 1, 1, TradeSettlementStatus.AwaitingAffirmation, null, new DateOnly(2026, 11, 25), null, [], [], null);

        var first = await store.TryWriteTradeAsync(document, null, Ct);
        var again = await store.TryWriteTradeAsync(document, null, Ct);
        var replaced = await store.TryWriteTradeAsync(document with { Version = 2 }, first.ETag, Ct);
        var stale = await store.TryWriteTradeAsync(document with { Version = 3 }, first.ETag, Ct);

        Assert.True(first.Written);
        Assert.False(again.Written);
        Assert.True(replaced.Written);
        Assert.False(stale.Written);
        Assert.Equal(2, (await store.GetTradeAsync("T-9", Ct))!.Version);
    }
}
