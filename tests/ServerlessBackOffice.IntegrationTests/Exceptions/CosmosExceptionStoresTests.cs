using System.Diagnostics;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.Azure.Exceptions;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Exceptions;

/// <summary>
/// The repair store and the exceptions view's cross-partition queries against the Cosmos stand-in with the real SDK:
/// If-Match decides which approval wins; the queries find mismatched and unaffirmed confirmations among many, and alerts by date.
/// </summary>
public sealed class CosmosExceptionStoresTests(CosmosStandInFixture fixture) : IClassFixture<CosmosStandInFixture>
{
    private async Task<Container> ContainerAsync(CosmosContainerDefinition definition)
    {
        var ct = TestContext.Current.CancellationToken;
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"exc-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        return (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: ct)).Container;
    }

    [Fact]
    public async Task RepairStore_CreatesOnce_ReplacesOnlyWithTheCurrentETag_AndLists()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new CosmosRepairStore(await ContainerAsync(Entities.Containers.ExceptionRepairs));
        var at = new DateTimeOffset(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
        var repair = Repair.Propose("R-1", RepairKind.ExplainBreak, "break:BRK:A:Cash:USD", "{\"ours\":\"1\"}", "fee", "reason", "alice", at);

        Assert.True((await store.TryWriteAsync(repair, null, ct)).Written);
        Assert.False((await store.TryWriteAsync(repair, null, ct)).Written);
        var stored = (await store.GetAsync("R-1", ct))!;
        var (approved, _) = MakerChecker.Approve(stored.Repair, "bob", at.AddMinutes(5), "ok");
        var (rejected, _) = MakerChecker.Reject(stored.Repair, "carol", at.AddMinutes(5), "no");
        var first = await store.TryWriteAsync(approved, stored.ETag, ct);
        var second = await store.TryWriteAsync(rejected, stored.ETag, ct);

        Assert.True(first.Written);
        Assert.False(second.Written);
        var now = (await store.GetAsync("R-1", ct))!.Repair;
        Assert.Equal((RepairState.Approved, "bob"), (now.State, now.Checker));
        Assert.Equal(["proposed", "approved"], now.History.Select(h => h.Action));
        Assert.Equal(at.AddMinutes(5), now.History[1].At);
        Assert.Equal("R-1", Assert.Single(await store.ListAsync(ct).ToListAsync(ct)).RepairId);
        Assert.Null(await store.GetAsync("R-2", ct));
    }

    [Fact]
    public async Task ExceptionQuery_FindsMismatchedAndUnaffirmedConfirmationsAmongMany_AndAlertsSinceADate()
    {
        var ct = TestContext.Current.CancellationToken;
        var trades = await ContainerAsync(Entities.Containers.Trades);
        var alerts = await ContainerAsync(Entities.Containers.Alerts);
        var confirmations = new CosmosConfirmationStore(trades);
        const int Affirmed = 500;
        await Parallel.ForEachAsync(Enumerable.Range(0, Affirmed), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, token) =>
            await confirmations.TryWriteAsync(ConfirmationSamples.Confirmed($"T-ok-{i}") with { Status = ConfirmationStatus.Affirmed }, null, token));
        var reported = ConfirmationSamples.Confirmed("T-late");
        await confirmations.TryWriteAsync(ConfirmationSamples.Confirmed("T-mis") with { Status = ConfirmationStatus.Mismatched, AffirmationId = "AFF-9" }, null, ct);
        await confirmations.TryWriteAsync(reported with { CutoffReportedVersion = reported.ConfirmedVersion }, null, ct);
        await confirmations.TryWriteAsync(ConfirmationSamples.Confirmed("T-waiting"), null, ct);
        var compliance = new CosmosComplianceStore(alerts);
        await compliance.StoreAlertAsync(Alert("AL-old", "2026-11-10"), ct);
        await compliance.StoreAlertAsync(Alert("AL-new", "2026-11-24"), ct);
        var query = new CosmosExceptionDocumentQuery(trades, alerts);

        var watch = Stopwatch.StartNew();
        var found = await query.ConfirmationExceptionsAsync(ct).Select(d => (d.TradeId, d.Status)).OrderBy(d => d.TradeId, StringComparer.Ordinal).ToListAsync(ct);
        watch.Stop();
        var since = await query.AlertsSinceAsync(new DateOnly(2026, 11, 20), ct).Select(a => a.AlertId).ToListAsync(ct);

        Assert.Equal([("T-late", ConfirmationStatus.Confirmed), ("T-mis", ConfirmationStatus.Mismatched)], found);
        Assert.Equal(["AL-new"], since);
        TestContext.Current.TestOutputHelper?.WriteLine($"confirmation exceptions among {Affirmed + 3} documents: {watch.ElapsedMilliseconds} ms");
        var view = new ExceptionsQuery([new ConfirmationExceptionSource(query), new ComplianceAlertSource(query)], new InMemoryRepairStore());
        var cases = await view.ListAsync(new DateOnly(2026, 11, 25), null, ct);
        Assert.Equal(["alert:AL-new", "mismatch:T-mis", "unaffirmed:T-late"], cases.Select(c => c.Case.CaseId).Order(StringComparer.Ordinal));
    }

    private static ComplianceAlertRaised Alert(string id, string tradeDate) => new(
        $"{id}:event", ComplianceAlertRaised.EventTypeName, id, "WashTrade", "high", "buy and sell within 60 s", new Dictionary<string, string> { ["window"] = "60" },
        ["T-1", "T-2"], "T-1", 1, "US-EQ", "ACC-US-001", "OWNER-1", "US0378331005", tradeDate, $"{tradeDate}T15:00:00Z", "C-1");
}
