using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>
/// Archives every journal entry a commit is about to post (<see cref="JournalEntryJson"/> under
/// <see cref="ArchiveRecordNames.JournalEntry"/>) before the commit, so nothing is ever in the books and missing from the
/// archive. A commit that then loses its race is decided again from the same event and archives the same bytes
/// (AlreadyArchived). An archived entry that differs from the one now being posted under the same journal id means the
/// decision is not deterministic: that is our bug, so it throws and the message ends dead-lettered with the reason.
/// </summary>
public sealed class ArchivingLedgerStore(ILedgerStore inner, IArchiveStore archive, TimeProvider clock) : ILedgerStore
{
    public Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken) => inner.LoadAsync(tradeId, cancellationToken);

    public async Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var day = ArchiveRecordNames.DayOf(clock.GetUtcNow());
        foreach (var entry in decision.Outcome.Entries)
        {
            var record = new ArchiveRecord(day, ArchiveRecordNames.JournalEntry(entry.Book, entry.JournalId), JournalEntryJson.Serialize(entry), "application/json");
            if (await archive.WriteAsync(record, cancellationToken) == ArchiveWriteResult.Conflict)
            {
                throw new System.Diagnostics.UnreachableException(
                    $"Journal entry {entry.JournalId} of book {entry.Book} is archived with different content than the entry now being posted under the same id.");
            }
        }

        return await inner.TryCommitAsync(loaded, decision, cancellationToken);
    }

    public Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken) => inner.ClosedDaysAsync(book, cancellationToken);

    public Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken) => inner.CloseDayAsync(book, day, cancellationToken);

    public IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, CancellationToken cancellationToken) => inner.EntriesAsync(book, asOf, cancellationToken);
}
