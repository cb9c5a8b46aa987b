using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>A trade's ledger state as loaded, with the concurrency token the commit must present.</summary>
/// <param name="State">The state (empty for a trade the ledger has not seen).</param>
/// <param name="ConcurrencyToken">The store's version of the state (a Cosmos ETag); null when the trade is new.</param>
public sealed record LoadedTradeLedger(TradeLedgerState State, string? ConcurrencyToken);

/// <summary>
/// The ledger's storage port. A trade's state and its entries live together (in Cosmos, one logical partition per
/// trade), so a commit writes the new entries and the new state atomically and fails, rather than losing an update, when
/// someone else committed first.
/// </summary>
public interface ILedgerStore
{
    /// <summary>Loads a trade's ledger state.</summary>
    Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the decision's entries and state if the state is still the one loaded. Returns false on a concurrency
    /// conflict (the caller reloads and decides again); transient failures throw so the message is retried.
    /// </summary>
    Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken);

    /// <summary>The book's closed business days (no entry takes those value dates).</summary>
    Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken);

    /// <summary>Closes a book's business day.</summary>
    Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken);

    /// <summary>Streams every entry of a book with a value date up to <paramref name="asOf"/> (for balances and the trial balance).</summary>
    IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, CancellationToken cancellationToken);
}
