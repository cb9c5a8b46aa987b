using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Tests.Ledger;

/// <summary>
/// What every ledger store must do, whatever its technology: the in-memory store runs these here, the Cosmos store runs
/// the same class against the Cosmos stand-in (or a real account).
/// </summary>
public abstract class LedgerStoreContract
{
    protected abstract Task<ILedgerStore> CreateStoreAsync();

    [Fact]
    public async Task Commit_WithAStaleToken_IsRefusedAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var loaded = await store.LoadAsync("T-1", ct);
        var first = TradeLedger.PostTrade(loaded.State, LedgerPostingHandlerTests.Trade(), e => e);
        Assert.True(await store.TryCommitAsync(loaded, first, ct));

        var second = TradeLedger.PostTrade(loaded.State, LedgerPostingHandlerTests.Trade(version: 2), e => e);

        Assert.False(await store.TryCommitAsync(loaded, second, ct));
        Assert.Equal(1, (await store.LoadAsync("T-1", ct)).State.Version);
    }

    [Fact]
    public async Task ParallelPostingsToOneAccount_LoseNothing()
    {
        // 200 trades of one account posted with 16 in flight, each delivered twice: every trade posts once, and the
        // account's pending position is the sum of all of them.
        var store = await CreateStoreAsync();
        var handler = new LedgerPostingHandler(store, NullLogger<LedgerPostingHandler>.Instance);
        var trades = Enumerable.Range(0, 200).Select(i => LedgerPostingHandlerTests.Trade($"T-{i}", quantity: i + 1)).ToList();
        var deliveries = trades.Concat(trades).OrderBy(t => t.TradeId.GetHashCode(StringComparison.Ordinal)).ToList();

        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = TestContext.Current.CancellationToken },
            async (trade, ct) => await handler.HandleAsync(new PostTradeVersion(trade), ct));

        var entries = new List<JournalEntry>();
        await foreach (var entry in store.EntriesAsync("US-EQ", new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken))
        {
            entries.Add(entry);
        }

        Assert.Equal(200, entries.Count);
        var position = entries.SelectMany(e => e.Lines).Where(l => l.Account.Kind == AccountKind.PositionPending && l.Account.Owner == "ACC-001").Sum(l => l.Amount);
        Assert.Equal(Enumerable.Range(1, 200).Sum(), position);
        Assert.True(TrialBalance.From("US-EQ", new DateOnly(2026, 11, 24), entries).Balances);
    }

    [Fact]
    public async Task ClosedDays_AreRemembered()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;

        await store.CloseDayAsync("US-EQ", new DateOnly(2026, 11, 24), ct);

        Assert.Contains(new DateOnly(2026, 11, 24), await store.ClosedDaysAsync("US-EQ", ct));
        Assert.Empty(await store.ClosedDaysAsync("UK-EQ", ct));
    }
}

/// <summary>The contract, against the in-memory store.</summary>
public sealed class InMemoryLedgerStoreTests : LedgerStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync() => Task.FromResult<ILedgerStore>(new InMemoryLedgerStore());
}
