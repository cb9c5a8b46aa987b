using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Pipeline.Compliance;
using Xunit;

namespace ServerlessBackOffice.Pipeline.Contracts.Compliance;

/// <summary>
/// What every compliance store must do, whatever its technology: the in-memory store runs these in Pipeline.Tests, the
/// Cosmos store runs the same class against the Cosmos stand-in in IntegrationTests.
/// </summary>
public abstract class ComplianceStoreContract
{
    protected abstract Task<IComplianceStore> CreateStoreAsync();

    private static WindowTrade Trade(string id, decimal quantity, int minutes = 0, int version = 1, string account = "ACC-US-001") =>
        new(id, version, account, true, quantity, 187.123456m, ComplianceEvents.Executed.AddMinutes(minutes));

    [Fact]
    public async Task LoadWindow_WhenNothingIsStored_IsEmptyWithoutAToken()
    {
        var store = await CreateStoreAsync();

        var loaded = await store.LoadWindowAsync("OWNER-1", ComplianceEvents.Isin, TestContext.Current.CancellationToken);

        Assert.Null(loaded.ETag);
        Assert.Empty(loaded.Document.Window.Trades);
        Assert.Equal("OWNER-1", loaded.Document.Window.BeneficialOwner);
    }

    [Fact]
    public async Task WriteWindow_RoundTripsEveryFieldExactly()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var alert = ComplianceAlertRaised.From(
            ComplianceAlert.Create("LargeTrade", "T-1", "Medium", "Large.", new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" }, ["T-1"]),
            new SurveillanceTrade("T-1", 1, "NY-CASH", "ACC-US-001", "OWNER-1", ComplianceEvents.Isin, true, 1m, 1m, "USD", 1m, ComplianceEvents.Executed, ComplianceEvents.Executed, new DateOnly(2026, 11, 24)),
            ComplianceEvents.Executed, "CORR-1");
        var window = SurveillanceWindow.Empty("OWNER-1", ComplianceEvents.Isin)
            .Apply(Trade("T-1", 1234567.891234m), [alert.AlertId], WindowLimits.Default) with
        {
            FoldedPositions = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["ACC-US-002"] = -0.000001m },
        };
        var document = new ComplianceWindowDocument(window, [alert], [new AppliedInbound("M-1", [alert.AlertId])]);

        Assert.NotNull(await store.TryWriteWindowAsync(document, null, ct));
        var loaded = await store.LoadWindowAsync("OWNER-1", ComplianceEvents.Isin, ct);

        Assert.NotNull(loaded.ETag);
        Assert.Equal(window.Trades, loaded.Document.Window.Trades);
        Assert.Equal(-0.000001m, loaded.Document.Window.FoldedPositions["ACC-US-002"]);
        Assert.Equal(1234567.891234m - 0.000001m, loaded.Document.Window.Position("ACC-US-001", null) + loaded.Document.Window.Position("ACC-US-002", null));
        Assert.Equal([alert.AlertId], loaded.Document.Window.RaisedAlertIds);
        Assert.Equal(alert.ToJson(), Assert.Single(loaded.Document.Outbox).ToJson());
        Assert.Equal("M-1", Assert.Single(loaded.Document.RecentInbound).MessageId);
    }

    [Fact]
    public async Task WriteWindow_WithAStaleTokenOrASecondCreate_IsRefusedAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var empty = ComplianceWindowDocument.Empty("OWNER-1", ComplianceEvents.Isin);
        var first = empty with { Window = empty.Window.Apply(Trade("T-1", 10m), [], WindowLimits.Default) };
        var firstToken = await store.TryWriteWindowAsync(first, null, ct);
        Assert.NotNull(firstToken);

        Assert.Null(await store.TryWriteWindowAsync(empty with { Window = empty.Window.Apply(Trade("T-9", 99m), [], WindowLimits.Default) }, null, ct));
        var second = first with { Window = first.Window.Apply(Trade("T-2", 20m, 1), [], WindowLimits.Default) };
        Assert.NotNull(await store.TryWriteWindowAsync(second, firstToken, ct));
        Assert.Null(await store.TryWriteWindowAsync(first with { Window = first.Window.Apply(Trade("T-3", 30m, 2), [], WindowLimits.Default) }, firstToken, ct));

        var loaded = await store.LoadWindowAsync("OWNER-1", ComplianceEvents.Isin, ct);
        Assert.Equal(["T-1", "T-2"], loaded.Document.Window.Trades.Select(t => t.TradeId));
    }

    [Fact]
    public async Task StoreAlert_StoresOnceAndKeepsTheFirst()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var trade = new SurveillanceTrade("T-1", 1, "NY-CASH", "ACC-US-001", "OWNER-1", ComplianceEvents.Isin, true, 1m, 1m, "USD", 1m, ComplianceEvents.Executed, ComplianceEvents.Executed, new DateOnly(2026, 11, 24));
        var alert = ComplianceAlertRaised.From(ComplianceAlert.Create("LateBooking", "T-1", "Low", "Late.", new Dictionary<string, string>(), ["T-1"]), trade, ComplianceEvents.Executed, null);

        Assert.Null(await store.GetAlertAsync(alert.AlertId, ct));
        Assert.True(await store.StoreAlertAsync(alert, ct));
        Assert.False(await store.StoreAlertAsync(alert with { Summary = "Something else." }, ct));

        Assert.Equal(alert.ToJson(), (await store.GetAlertAsync(alert.AlertId, ct))!.ToJson());
    }

    [Fact]
    public async Task ParallelRedeliveredTradesOfOneWindow_CountEachTradeOnce()
    {
        // 60 trades of one owner and instrument, each delivered twice, 8 in flight: every trade is applied once, the
        // position is their sum, and each delivery got exactly one archived outcome.
        var kit = new ComplianceKit(await CreateStoreAsync());
        var events = Enumerable.Range(1, 60).Select(i => ComplianceEvents.Event($"T-{i}", quantity: i, minutes: i % 20)).ToList();
        var deliveries = events.Concat(events).OrderBy(e => e.TradeId.GetHashCode(StringComparison.Ordinal)).ToList();

        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken },
            async (wire, _) => await kit.HandleAsync(wire));

        var window = (await kit.Store.LoadWindowAsync("ACC-US-003", ComplianceEvents.Isin, TestContext.Current.CancellationToken)).Document.Window;
        Assert.Equal(60, window.Trades.Count);
        Assert.Equal(Enumerable.Range(1, 60).Sum(), window.Position("ACC-US-003", null));
        foreach (var wire in events)
        {
            Assert.NotNull(await kit.ArchivedAsync(new DateOnly(2026, 11, 24), Archive.ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, wire.EventId)));
        }
    }
}
