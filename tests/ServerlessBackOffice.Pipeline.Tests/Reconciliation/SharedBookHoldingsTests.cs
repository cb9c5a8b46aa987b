using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Reconciliation;
using static ServerlessBackOffice.Pipeline.Tests.Reconciliation.ReconciliationHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Reconciliation;

/// <summary>
/// Statements of one book and date share one read of the book's entries (decision 0068): the book-wide read gives each
/// account exactly what the per-account read gives, concurrent askers share one read, and nothing outlives it.
/// </summary>
public sealed class SharedBookHoldingsTests
{
    private static readonly string[] Owners = ["ACC-US-004", "ACC-US-005", "ACC-US-006", Custodian];
    private static readonly string[] Assets = [Apple, Msft, "USD", "EUR"];
    private static readonly AccountKind[] Kinds =
        [AccountKind.PositionSettled, AccountKind.PositionPending, AccountKind.CashSettled, AccountKind.CashPending, AccountKind.AccruedInterest, AccountKind.SettlementDue];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task TheBookWideRead_GivesEveryAccountWhatItsOwnReadGives(int seed)
    {
        var stage = new ReconciliationHarness();
        var random = new Random(seed);
        for (var i = 0; i < 200; i++)
        {
            var amount = decimal.Round((decimal)(random.NextDouble() * 20_000 - 10_000), random.Next(0, 4));
            await stage.PostAsync(Kinds[random.Next(Kinds.Length)], Assets[random.Next(Assets.Length)], amount, Day.AddDays(random.Next(-3, 3)), Owners[random.Next(Owners.Length)]);
        }

        foreach (var asOf in new[] { Day.AddDays(-1), Day, Day.AddDays(5) })
        {
            var book = await LedgerHoldings.ReadBookAsync(stage.Ledger, Book, asOf, TestContext.Current.CancellationToken);
            foreach (var owner in Owners.Append("ACC-NOBODY"))
            {
                foreach (var kind in new[] { HoldingKind.Securities, HoldingKind.Cash })
                {
                    var alone = await ReadOneAccountAsync(stage.Ledger, owner, kind, asOf);
                    var shared = book.Of(owner, kind);
                    Assert.Equal(alone.Settled, shared.Settled);
                    Assert.Equal(alone.Pending, shared.Pending);
                }
            }
        }
    }

    // The reference: the per-account read the handler made before decision 0068, kept here to hold the book-wide read to it.
    private static async Task<OurHoldings> ReadOneAccountAsync(ILedgerStore ledger, string account, HoldingKind kind, DateOnly asOf)
    {
        var (settledKind, pendingKinds) = kind == HoldingKind.Securities
            ? (AccountKind.PositionSettled, new[] { AccountKind.PositionPending })
            : (AccountKind.CashSettled, new[] { AccountKind.CashPending, AccountKind.AccruedInterest });
        var settled = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var pending = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await foreach (var entry in ledger.EntriesAsync(Book, asOf, TestContext.Current.CancellationToken))
        {
            foreach (var line in entry.Lines.Where(l => l.Account.Owner == account))
            {
                if (line.Account.Kind == settledKind)
                {
                    settled[line.Asset] = settled.GetValueOrDefault(line.Asset) + line.Amount;
                }
                else if (pendingKinds.Contains(line.Account.Kind))
                {
                    pending[line.Asset] = pending.GetValueOrDefault(line.Asset) + line.Amount;
                }
            }
        }

        static List<Holding> Holdings(Dictionary<string, decimal> balances, string account, HoldingKind kind) =>
            [.. balances.Where(b => b.Value != 0m).OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new Holding(account, kind, b.Key, b.Value))];

        return new OurHoldings(Holdings(settled, account, kind), Holdings(pending, account, kind));
    }

    [Fact]
    public async Task ReadsAskedWhileOneRuns_ShareIt_AndALaterAskReadsAgain()
    {
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        var ledger = new GatedLedger(stage.Ledger);
        var shared = new SharedBookHoldings(ledger);

        var asks = Enumerable.Range(0, 5).Select(_ => shared.ReadAsync(Book, Day, TestContext.Current.CancellationToken)).ToList();
        await ledger.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        ledger.Open();
        var results = await Task.WhenAll(asks);

        Assert.Equal(1, ledger.Reads);
        Assert.Equal(1, shared.Reads);
        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Equal(100m, Assert.Single(results[0].Of(Account, HoldingKind.Securities).Settled).Amount);

        // Nothing is kept: an entry posted after the read is seen by the next ask, which reads again.
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 5m);
        var later = await shared.ReadAsync(Book, Day, TestContext.Current.CancellationToken);

        Assert.Equal(2, ledger.Reads);
        Assert.Equal(105m, Assert.Single(later.Of(Account, HoldingKind.Securities).Settled).Amount);
    }

    [Fact]
    public async Task AFailedRead_FailsEveryAskerThatWaitedOnIt_AndTheNextAskReadsAfresh()
    {
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        var ledger = new GatedLedger(stage.Ledger) { FailNext = true };
        var shared = new SharedBookHoldings(ledger);

        var asks = Enumerable.Range(0, 3).Select(_ => shared.ReadAsync(Book, Day, TestContext.Current.CancellationToken)).ToList();
        await ledger.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        ledger.Open();

        foreach (var ask in asks)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => ask);
        }

        var retried = await shared.ReadAsync(Book, Day, TestContext.Current.CancellationToken);
        Assert.Equal(2, ledger.Reads);
        Assert.Equal(100m, Assert.Single(retried.Of(Account, HoldingKind.Securities).Settled).Amount);
    }

    [Fact]
    public async Task ReadsOfAnotherBookOrDate_AreNotShared()
    {
        var stage = new ReconciliationHarness();
        var ledger = new GatedLedger(stage.Ledger);
        ledger.Open();
        var shared = new SharedBookHoldings(ledger);

        await Task.WhenAll(
            shared.ReadAsync(Book, Day, TestContext.Current.CancellationToken),
            shared.ReadAsync(Book, Day.AddDays(1), TestContext.Current.CancellationToken),
            shared.ReadAsync("LDN-CASH", Day, TestContext.Current.CancellationToken));

        Assert.Equal(3, ledger.Reads);
    }

    [Fact]
    public async Task TheHoldingsAndCashStatementsOfABook_ArrivingTogether_ReadTheLedgerOnce_AndDecideAsAlone()
    {
        var stage = new ReconciliationHarness();
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await stage.PostAsync(AccountKind.CashSettled, "USD", -18725.00m);
        var ledger = new GatedLedger(stage.Ledger);
        var handler = new ReconciliationHandler(new InMemoryReconciliationStore(), ledger, new InMemoryReferenceDataSource(SampleData.ReferenceData),
            new InMemoryArchiveStore(), new FakeTimeProvider(SampleData.Now), NullLogger<ReconciliationHandler>.Instance);

        var holdings = handler.HandleHoldingsAsync(new InboundMessage("M-H", Holdings("S-1", Day, (Apple, "90")), 1), TestContext.Current.CancellationToken);
        var cash = handler.HandleCashAsync(new InboundMessage("M-C", Cash("C-1", Day, ("USD", "-18725.00")), 1), TestContext.Current.CancellationToken);
        await ledger.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => ledger.Waiting == 1 && holdings.IsCompleted == false && cash.IsCompleted == false);
        // Give the second statement the time to reach the shared read; then let the read finish.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        ledger.Open();
        var (h, c) = (await holdings, await cash);

        Assert.Equal(1, handler.LedgerReads);
        Assert.Equal((ReconciliationOutcomes.Applied, 1), (h.Outcome, h.Opened));
        Assert.Equal((ReconciliationOutcomes.Applied, 0), (c.Outcome, c.Opened));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    /// <summary>A ledger whose book reads wait for a gate, counted; the first can be made to fail.</summary>
    private sealed class GatedLedger(ILedgerStore inner) : ILedgerStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;
        private int _waiting;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailNext { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        public int Waiting => Volatile.Read(ref _waiting);

        public void Open() => _gate.TrySetResult();

        public Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken) => inner.LoadAsync(tradeId, cancellationToken);

        public Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken) => inner.TryCommitAsync(loaded, decision, cancellationToken);

        public Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken) => inner.ClosedDaysAsync(book, cancellationToken);

        public Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken) => inner.CloseDayAsync(book, day, cancellationToken);

        public async IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            Interlocked.Increment(ref _waiting);
            Started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _waiting);
            if (FailNext)
            {
                FailNext = false;
                throw new TimeoutException("The ledger read timed out.");
            }

            await foreach (var entry in inner.EntriesAsync(book, asOf, cancellationToken))
            {
                yield return entry;
            }
        }
    }
}
