using System.Runtime.CompilerServices;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.InMemory;

namespace ServerlessBackOffice.Pipeline.Ledger;

/// <summary>
/// The ledger store in memory, with the same concurrency semantics as the Cosmos store (a commit presents the token it
/// loaded; a stale token fails). Used by unit tests, benchmarks and the in-memory load runs. Given codecs it keeps trade
/// states and journal entries encoded (see <see cref="IDocumentCodec{T}"/>), with each entry's book and value date beside
/// it for the entry query.
/// </summary>
/// <param name="stateCodec">How trade states are kept; null keeps the objects themselves.</param>
/// <param name="entryCodec">How journal entries are kept; null keeps the objects themselves.</param>
public sealed class InMemoryLedgerStore(IDocumentCodec<TradeLedgerState>? stateCodec = null, IDocumentCodec<JournalEntry>? entryCodec = null) : ILedgerStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (StoredDocument<TradeLedgerState> State, long Version)> _trades = new(StringComparer.Ordinal);
    private readonly HashSet<string> _journalIds = new(StringComparer.Ordinal);
    private readonly List<(string Book, DateOnly ValueDate, StoredDocument<JournalEntry> Entry)> _ordered = [];
    private readonly Dictionary<string, HashSet<DateOnly>> _closedDays = new(StringComparer.Ordinal);

    /// <summary>How many commits were refused for a stale token (for tests of the race).</summary>
    public int Conflicts { get; private set; }

    public Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_trades.TryGetValue(tradeId, out var stored)
                ? new LoadedTradeLedger(stored.State.Read(stateCodec), stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : new LoadedTradeLedger(TradeLedgerState.Empty(tradeId), null));
        }
    }

    public Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(decision);
        lock (_gate)
        {
            var current = _trades.TryGetValue(loaded.State.TradeId, out var stored) ? stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            if (current != loaded.ConcurrencyToken || decision.Outcome.Entries.Any(e => _journalIds.Contains(e.JournalId)))
            {
                Conflicts++;
                return Task.FromResult(false);
            }

            foreach (var entry in decision.Outcome.Entries)
            {
                _journalIds.Add(entry.JournalId);
                _ordered.Add((entry.Book, entry.ValueDate, new StoredDocument<JournalEntry>(entry, entryCodec)));
            }

            _trades[decision.State.TradeId] = (new StoredDocument<TradeLedgerState>(decision.State, stateCodec), stored.Version + 1);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlySet<DateOnly>>(_closedDays.TryGetValue(book, out var days) ? days.ToHashSet() : []);
        }
    }

    public Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_closedDays.TryGetValue(book, out var days))
            {
                _closedDays[book] = days = [];
            }

            days.Add(day);
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<StoredDocument<JournalEntry>> snapshot;
        lock (_gate)
        {
            snapshot = _ordered.Where(e => e.Book == book && e.ValueDate <= asOf).Select(e => e.Entry).ToList();
        }

        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry.Read(entryCodec);
        }

        await Task.CompletedTask;
    }
}
