using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;
using Xunit;

namespace ServerlessBackOffice.Pipeline.Contracts;

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
        var first = TradeLedger.PostTrade(loaded.State, LedgerTrades.Sample(), e => e);
        Assert.True(await store.TryCommitAsync(loaded, first, ct));

        var second = TradeLedger.PostTrade(loaded.State, LedgerTrades.Sample(version: 2), e => e);

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
        var trades = Enumerable.Range(0, 200).Select(i => LedgerTrades.Sample($"T-{i}", quantity: i + 1)).ToList();
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

    [Fact]
    public async Task ClosedDays_ClosedAgainOutOfOrderAndConcurrently_AreEachRememberedOnce()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var first = new DateOnly(2026, 11, 24);

        await store.CloseDayAsync("US-EQ", first.AddDays(2), ct);
        await store.CloseDayAsync("US-EQ", first, ct);
        await store.CloseDayAsync("US-EQ", first, ct); // a re-closing
        // Eight ends of day of one book at once, two of them for the same day: each day is kept, none lost to a race.
        await Task.WhenAll(Enumerable.Range(3, 7).Append(5).Select(d => store.CloseDayAsync("US-EQ", first.AddDays(d), ct)));

        var closed = await store.ClosedDaysAsync("US-EQ", ct);
        Assert.Equal(Enumerable.Range(0, 10).Where(d => d != 1).Select(first.AddDays), closed.Order());
        Assert.Empty(await store.ClosedDaysAsync("UK-EQ", ct));
    }
}

/// <summary>Sample trade versions for the ledger contracts.</summary>
public static class LedgerTrades
{
    /// <summary>A valid buy of Apple for ACC-001 on 24 November 2026.</summary>
    public static LedgerTrade Sample(string id = "T-1", int version = 1, decimal quantity = 100m, string account = "ACC-001") =>
        new(id, version, "US-EQ", account, "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", "US0378331005", PostingSide.Buy,
            quantity, "USD", 2, quantity * 230.10m, 11.51m, 0.57m, 0m, new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 25));
}
