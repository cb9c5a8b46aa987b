using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Tests.Ledger;

/// <summary>Every journal entry that reaches the books is in the archive first, once, and readable back as the same entry.</summary>
public sealed class ArchivingLedgerStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Posting_ArchivesEachEntryUnderItsJournalIdBeforeTheBooksHaveIt()
    {
        var archive = new InMemoryArchiveStore();
        var store = new ArchivingLedgerStore(new InMemoryLedgerStore(), archive, new FakeTimeProvider(Now));
        var handler = new LedgerPostingHandler(store, NullLogger<LedgerPostingHandler>.Instance);

        await handler.HandleAsync(new PostTradeVersion(LedgerPostingHandlerTests.Trade()), TestContext.Current.CancellationToken);
        await handler.HandleAsync(new PostTradeVersion(LedgerPostingHandlerTests.Trade(version: 2, quantity: 150m)), TestContext.Current.CancellationToken);
        await handler.HandleAsync(new PostTradeVersion(LedgerPostingHandlerTests.Trade(version: 2, quantity: 150m)), TestContext.Current.CancellationToken); // redelivery

        var day = new DateOnly(2026, 11, 24);
        var names = archive.ListAsync(day, TestContext.Current.CancellationToken).ToBlockingEnumerable(TestContext.Current.CancellationToken).Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
        var posted = await store.EntriesAsync("US-EQ", day.AddDays(10), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(posted.Select(e => ArchiveRecordNames.JournalEntry("US-EQ", e.JournalId)).Order(StringComparer.Ordinal), names);
        Assert.Equal(3, names.Count); // v1, its reversal, v2

        foreach (var entry in posted)
        {
            await using var stream = await archive.OpenAsync(day, ArchiveRecordNames.JournalEntry("US-EQ", entry.JournalId), TestContext.Current.CancellationToken);
            using var buffer = new MemoryStream();
            await stream!.CopyToAsync(buffer, TestContext.Current.CancellationToken);
            Assert.True(JournalEntryJson.TryDeserialize(buffer.ToArray(), out var read, out var problem), problem);
            Assert.True(read!.SameContentAs(entry));
        }
    }

    [Fact]
    public async Task Posting_AnEntryArchivedWithOtherContent_StopsAsABrokenInvariant()
    {
        var archive = new InMemoryArchiveStore();
        var entry = TradeLedger.PostTrade(TradeLedgerState.Empty("T-1"), LedgerPostingHandlerTests.Trade(quantity: 999m), e => e).Outcome.Entries.Single();
        await archive.WriteAsync(new ArchiveRecord(new DateOnly(2026, 11, 24), ArchiveRecordNames.JournalEntry("US-EQ", entry.JournalId), JournalEntryJson.Serialize(entry), "application/json"), TestContext.Current.CancellationToken);
        var inner = new InMemoryLedgerStore();
        var handler = new LedgerPostingHandler(new ArchivingLedgerStore(inner, archive, new FakeTimeProvider(Now)), NullLogger<LedgerPostingHandler>.Instance);

        await Assert.ThrowsAsync<System.Diagnostics.UnreachableException>(() => handler.HandleAsync(new PostTradeVersion(LedgerPostingHandlerTests.Trade()), TestContext.Current.CancellationToken));

        Assert.Empty(await inner.EntriesAsync("US-EQ", new DateOnly(2026, 12, 31), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken));
    }
}
