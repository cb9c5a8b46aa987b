using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Ledger;

/// <summary>The Cosmos DB stand-in, started once for the ledger store's tests; each test gets its own database.</summary>
public sealed class CosmosStandInFixture : IAsyncLifetime
{
    private LocalStandIns.LocalStandIns? _standIns;

    public CosmosClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false, ServiceBus = false }, NullLogger.Instance, TestContext.Current.CancellationToken);
        Client = new CosmosClient(_standIns.CosmosConnectionString, CosmosSerialization.Apply(LocalCosmos.ClientOptions(_standIns.CosmosConnectionString)));
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_standIns is not null)
        {
            await _standIns.DisposeAsync();
        }
    }
}

/// <summary>The ledger store contract against the Cosmos stand-in with the real SDK: one partition per trade, batches with If-Match.</summary>
public sealed class CosmosLedgerStoreTests(CosmosStandInFixture fixture) : LedgerStoreContract, IClassFixture<CosmosStandInFixture>
{
    protected override async Task<ILedgerStore> CreateStoreAsync()
    {
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"ledger-{Guid.NewGuid():N}", cancellationToken: TestContext.Current.CancellationToken)).Database;
        var definition = Entities.Containers.Ledger;
        var container = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: TestContext.Current.CancellationToken)).Container;
        return new CosmosLedgerStore(container);
    }

    [Fact]
    public async Task Amounts_RoundTripExactlyThroughCosmos()
    {
        // Money is stored as strings: a quantity and amounts that a double would not represent exactly survive unchanged.
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var trade = LedgerTrades.Sample(quantity: 1234567.891234m) with { Gross = 9_876_543_210.12m, Commission = 0.01m };
        var loaded = await store.LoadAsync(trade.TradeId, ct);

        Assert.True(await store.TryCommitAsync(loaded, ServerlessBackOffice.Domain.Ledger.TradeLedger.PostTrade(loaded.State, trade, e => e), ct));

        var reloaded = (await store.LoadAsync(trade.TradeId, ct)).State;
        Assert.Equal(trade, reloaded.Trade);
        Assert.Equal(1234567.891234m, reloaded.TradeDateEntry!.Lines.Single(l => l.Account.Kind == ServerlessBackOffice.Domain.Ledger.AccountKind.PositionPending).Amount);
    }
}
