using System.Collections.Concurrent;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>
/// One read of a book's holdings at a date, shared by every statement of that book and date that asks while it runs
/// (decision 0068). Custodians send their statements together — one holdings and one cash statement per account at the
/// close — and each used to stream the whole book from the ledger for its one account: a hundred accounts made a hundred
/// cross-partition reads of the same entries at once, which timed the Cosmos stand-in out at 10,000 trades and costs a
/// hundred times the request units in Azure. Now the statements that arrive while a read of their (book, date) is running
/// wait for it; a statement that arrives after it finished starts a new one. Nothing is kept once a read is done, so no
/// result is older than the read it joined; a failed read fails every statement that waited on it, and each is retried.
/// </summary>
public sealed class SharedBookHoldings(ILedgerStore ledger)
{
    private readonly ConcurrentDictionary<(string Book, DateOnly AsOf), Task<BookHoldings>> _running = new();
    private long _reads;

    /// <summary>How many reads of the ledger were made (not how many statements asked).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The book's holdings at the close of <paramref name="asOf"/>: the running read's, or a new read's.</summary>
    public async Task<BookHoldings> ReadAsync(string book, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var key = (book, asOf);
        while (true)
        {
            if (_running.TryGetValue(key, out var running))
            {
                return await running.WaitAsync(cancellationToken);
            }

            var mine = new TaskCompletionSource<BookHoldings>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running.TryAdd(key, mine.Task))
            {
                continue;
            }

            Interlocked.Increment(ref _reads);
            try
            {
                mine.SetResult(await LedgerHoldings.ReadBookAsync(ledger, book, asOf, cancellationToken));
            }
            catch (OperationCanceledException canceled)
            {
                mine.SetCanceled(canceled.CancellationToken);
            }
            catch (Exception failure)
            {
                mine.SetException(failure);
            }
            finally
            {
                _running.TryRemove(new KeyValuePair<(string, DateOnly), Task<BookHoldings>>(key, mine.Task));
            }

            return await mine.Task;
        }
    }
}
