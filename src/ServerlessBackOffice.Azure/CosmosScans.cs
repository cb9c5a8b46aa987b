using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.Azure;

/// <summary>
/// Options for the queries that stream many documents across partitions (the end of day's ledger reads, the netting run,
/// the cut-off watch, the exception and reconciliation lists), none of which is on the per-message path.
/// </summary>
public static class CosmosScans
{
    /// <summary>
    /// Documents asked for per page. The SDK's default is 1,000. Cosmos DB still ends a page at 4 MB or its time budget, so
    /// in Azure a larger page only saves round trips; the local stand-in evaluates the whole query again for every page,
    /// so there a book's ledger of 30,000 entries took 30 passes over the container instead of 3.
    /// </summary>
    public const int PageSize = 10_000;

    /// <summary>New options for a cross-partition scan (a fresh instance: request options are mutable).</summary>
    public static QueryRequestOptions Options() => new() { MaxItemCount = PageSize };
}
