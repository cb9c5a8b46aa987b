using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Tests.Ledger;

/// <summary>The ledger stage at its port: load, decide, commit; retry after a lost race; nothing written for a duplicate.</summary>
public sealed class LedgerPostingHandlerTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    internal static LedgerTrade Trade(string id = "T-1", int version = 1, decimal quantity = 100m, string account = "ACC-001") =>
        new(id, version, "US-EQ", account, "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49", "US0378331005", PostingSide.Buy,
            quantity, "USD", 2, quantity * 230.10m, 11.51m, 0.57m, 0m, Day, Day.AddDays(1));

    [Fact]
    public async Task Handle_NewTrade_CommitsItsTradeDateEntryWithoutReadingTheState()
    {
        // A strict mock with no LoadAsync set up: the first version's first attempt creates the state without a read.
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly>());
        store.Setup(s => s.TryCommitAsync(It.Is<LoadedTradeLedger>(l => l.ConcurrencyToken == null),
                It.Is<PostingDecision>(d => d.Outcome.Entries.Single().JournalId == "T-1:v1:trade-date" && d.State.Version == 1), It.IsAny<CancellationToken>()))
            .ReturnsAsync(true);
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        var outcome = await handler.HandleAsync(new PostTradeVersion(Trade()), TestContext.Current.CancellationToken);

        Assert.Equal(PostingResult.Posted, outcome.Result);
        store.VerifyAll();
    }

    [Fact]
    public async Task Handle_WhenTheCommitLosesARace_ReloadsAndDecidesAgain()
    {
        var posted = TradeLedger.PostTrade(TradeLedgerState.Empty("T-1"), Trade(), e => e).State;
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly>());
        store.Setup(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(new LoadedTradeLedger(posted, "1"));
        store.Setup(s => s.TryCommitAsync(It.IsAny<LoadedTradeLedger>(), It.IsAny<PostingDecision>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        // Another delivery of the same event committed first: the unread first attempt's create fails, the reload finds the
        // version posted, and this delivery is a duplicate that writes nothing more.
        var outcome = await handler.HandleAsync(new PostTradeVersion(Trade()), TestContext.Current.CancellationToken);

        Assert.Equal(PostingResult.Duplicate, outcome.Result);
        store.Verify(s => s.TryCommitAsync(It.Is<LoadedTradeLedger>(l => l.ConcurrencyToken == null), It.IsAny<PostingDecision>(), It.IsAny<CancellationToken>()), Times.Once);
        store.Verify(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Handle_AnAmendment_ReadsTheStateFirst()
    {
        var posted = TradeLedger.PostTrade(TradeLedgerState.Empty("T-1"), Trade(), e => e).State;
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly>());
        store.Setup(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(new LoadedTradeLedger(posted, "1"));
        store.Setup(s => s.TryCommitAsync(It.Is<LoadedTradeLedger>(l => l.ConcurrencyToken == "1"), It.IsAny<PostingDecision>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        var outcome = await handler.HandleAsync(new PostTradeVersion(Trade(version: 2, quantity: 120m)), TestContext.Current.CancellationToken);

        Assert.Equal(PostingResult.Posted, outcome.Result);
        store.Verify(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Handle_WhenEveryAttemptLosesARace_ThrowsSoTheMessageIsRetried()
    {
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly>());
        store.Setup(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(new LoadedTradeLedger(TradeLedgerState.Empty("T-1"), null));
        store.Setup(s => s.TryCommitAsync(It.IsAny<LoadedTradeLedger>(), It.IsAny<PostingDecision>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        await Assert.ThrowsAsync<LedgerConcurrencyException>(() => handler.HandleAsync(new PostTradeVersion(Trade()), TestContext.Current.CancellationToken));
        store.Verify(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>()), Times.Exactly(LedgerPostingHandler.MaxAttempts));
    }

    [Fact]
    public async Task Handle_StaleVersion_WritesNothing()
    {
        var posted = TradeLedger.PostTrade(TradeLedgerState.Empty("T-1"), Trade(version: 3), e => e).State;
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly>());
        store.Setup(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(new LoadedTradeLedger(posted, "7"));
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        var outcome = await handler.HandleAsync(new PostTradeVersion(Trade(version: 2)), TestContext.Current.CancellationToken);

        Assert.Equal(PostingResult.Stale, outcome.Result);
    }

    [Fact]
    public async Task Handle_OnAClosedDay_PostsOnTheNextOpenDayWithTheOriginalValueDate()
    {
        PostingDecision? committed = null;
        var store = new Mock<ILedgerStore>(MockBehavior.Strict);
        store.Setup(s => s.ClosedDaysAsync("US-EQ", It.IsAny<CancellationToken>())).ReturnsAsync(new HashSet<DateOnly> { Day });
        store.Setup(s => s.LoadAsync("T-1", It.IsAny<CancellationToken>())).ReturnsAsync(new LoadedTradeLedger(TradeLedgerState.Empty("T-1"), null));
        store.Setup(s => s.TryCommitAsync(It.IsAny<LoadedTradeLedger>(), It.IsAny<PostingDecision>(), It.IsAny<CancellationToken>()))
            .Callback<LoadedTradeLedger, PostingDecision, CancellationToken>((_, d, _) => committed = d).ReturnsAsync(true);
        var handler = new LedgerPostingHandler(store.Object, NullLogger<LedgerPostingHandler>.Instance);

        await handler.HandleAsync(new PostTradeVersion(Trade()), TestContext.Current.CancellationToken);

        var entry = Assert.Single(committed!.Outcome.Entries);
        Assert.Equal(Day.AddDays(1), entry.ValueDate);
        Assert.Equal(Day, entry.OriginalValueDate);
    }
}
