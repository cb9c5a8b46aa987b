using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Azure.Ledger;

/// <summary>
/// The ledger in Cosmos DB. Each trade is a logical partition holding its state document and its journal entries; a
/// commit is one TransactionalBatch in that partition — create the entries, create or replace (If-Match) the state — so
/// it is atomic and a concurrent commit for the same trade fails instead of being lost. No document is ever updated by two
/// trades, so there is no hot spot even for the book-wide accounts every trade touches; balances are computed by
/// streaming entries. Partitioning by trade id spreads a million-trade day across partitions evenly.
/// </summary>
public sealed class CosmosLedgerStore(Container container) : ILedgerStore
{
    /// <summary>The logical partition of a trade's ledger documents: the trade id (see docs/ledger.md, "Storage").</summary>
    public static string PartitionKeyFor(string tradeId) => tradeId;

    public async Task<LoadedTradeLedger> LoadAsync(string tradeId, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<StateDocument>(container, LedgerDocuments.StateId, new PartitionKey(PartitionKeyFor(tradeId)), cancellationToken);
        if (response is null)
        {
            return new LoadedTradeLedger(TradeLedgerState.Empty(tradeId), null);
        }

        return new LoadedTradeLedger(response.Resource.ToState(), response.ETag);
    }

    public async Task<bool> TryCommitAsync(LoadedTradeLedger loaded, PostingDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(decision);
        var tradeId = decision.State.TradeId;
        var batch = container.CreateTransactionalBatch(new PartitionKey(PartitionKeyFor(tradeId)));
        var sequence = loaded.State.EntryCount;
        foreach (var entry in decision.Outcome.Entries)
        {
            batch.CreateItem(EntryDocument.From(entry, ++sequence));
        }

        var state = StateDocument.From(decision.State);
        batch = loaded.ConcurrencyToken is null
            ? batch.CreateItem(state)
            : batch.ReplaceItem(LedgerDocuments.StateId, state, new TransactionalBatchItemRequestOptions { IfMatchEtag = loaded.ConcurrencyToken });

        using var response = await batch.ExecuteAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        // 409 (an entry or the state already exists) and 412 (the state changed) mean another delivery committed first.
        if (response.Any(r => r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed))
        {
            return false;
        }

        throw new CosmosBatchException($"The ledger commit for trade {tradeId} failed with {(int)response.StatusCode}: {response.ErrorMessage}");
    }

    /// <summary>How many times closing a day re-reads the book's closed days after another writer changed them first.</summary>
    public const int MaximumCloseAttempts = 10;

    public async Task<IReadOnlySet<DateOnly>> ClosedDaysAsync(string book, CancellationToken cancellationToken)
    {
        var document = await CosmosPointReads.TryReadAsync<ClosedDaysDocument>(container, LedgerDocuments.ClosedDaysId, new PartitionKey(LedgerDocuments.ClosedDaysPartition(book)), cancellationToken);
        return document is null ? new HashSet<DateOnly>() : document.Resource.Days.Select(EntryDocument.ParseDate).ToHashSet();
    }

    public async Task CloseDayAsync(string book, DateOnly day, CancellationToken cancellationToken)
    {
        var partitionKey = new PartitionKey(LedgerDocuments.ClosedDaysPartition(book));
        var date = EntryDocument.Date(day);
        for (var attempt = 1; attempt <= MaximumCloseAttempts; attempt++)
        {
            var current = await CosmosPointReads.TryReadAsync<ClosedDaysDocument>(container, LedgerDocuments.ClosedDaysId, partitionKey, cancellationToken);
            var days = current?.Resource.Days ?? [];
            if (days.Contains(date, StringComparer.Ordinal))
            {
                return;
            }

            // yyyy-MM-dd text sorts as the dates do.
            var next = new ClosedDaysDocument(
                LedgerDocuments.ClosedDaysId, LedgerDocuments.ClosedDaysPartition(book), LedgerDocuments.ClosedDaysType, book,
                [.. days.Append(date).Order(StringComparer.Ordinal)]);
            try
            {
                if (current is null)
                {
                    await container.CreateItemAsync(next, partitionKey, cancellationToken: cancellationToken);
                }
                else
                {
                    await container.ReplaceItemAsync(next, LedgerDocuments.ClosedDaysId, partitionKey, new ItemRequestOptions { IfMatchEtag = current.ETag }, cancellationToken);
                }

                return;
            }
            catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed)
            {
                // Another end of day closed a day of this book first: read again.
            }
        }

        throw new LedgerConcurrencyException($"Closing {date} of book {book}: {MaximumCloseAttempts} attempts lost a race with other closes.");
    }

    public async IAsyncEnumerable<JournalEntry> EntriesAsync(string book, DateOnly asOf, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A cross-partition read, for end of day only: the per-trade path never queries across partitions.
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND c.book = @book AND c.valueDate <= @asOf")
            .WithParameter("@type", LedgerDocuments.EntryType).WithParameter("@book", book).WithParameter("@asOf", EntryDocument.Date(asOf));
        using var iterator = container.GetItemQueryIterator<EntryDocument>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var document in await iterator.ReadNextAsync(cancellationToken))
            {
                yield return document.ToEntry();
            }
        }
    }
}

/// <summary>A ledger batch failed for a reason other than a concurrency conflict (transient: the message is retried).</summary>
public sealed class CosmosBatchException : Exception
{
    public CosmosBatchException(string message) : base(message)
    {
    }

    public CosmosBatchException()
    {
    }

    public CosmosBatchException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
