using System.Net;
using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.Azure;

/// <summary>Document requests a Cosmos client made, by kind.</summary>
/// <param name="PointReads">Reads of one document by id and partition key.</param>
/// <param name="Writes">Creates, replaces, upserts, patches, deletes and transactional batches.</param>
/// <param name="Queries">Query pages (and read-feed pages) within one partition.</param>
/// <param name="CrossPartitionQueries">Query or read-feed pages without a partition key.</param>
/// <param name="Throttled">Responses with status 429 (each is retried by the SDK and counted again).</param>
public sealed record CosmosRequestCounts(long PointReads, long Writes, long Queries, long CrossPartitionQueries, long Throttled)
{
    /// <summary>Every document request.</summary>
    public long Total => PointReads + Writes + Queries + CrossPartitionQueries;
}

/// <summary>
/// A Cosmos client handler that counts document requests (not the SDK's account, container and partition-range metadata
/// requests). The benchmark registers one before <see cref="BackOfficeServices.AddBackOffice"/>; the Cosmos client
/// registration adds it to <see cref="CosmosClientOptions.CustomHandlers"/> when present.
/// </summary>
public sealed class CosmosRequestCounter : RequestHandler
{
    private long _pointReads;
    private long _writes;
    private long _queries;
    private long _crossPartition;
    private long _throttled;

    /// <summary>The counts so far.</summary>
    public CosmosRequestCounts Snapshot() => new(
        Interlocked.Read(ref _pointReads), Interlocked.Read(ref _writes), Interlocked.Read(ref _queries), Interlocked.Read(ref _crossPartition), Interlocked.Read(ref _throttled));

    /// <inheritdoc />
    public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (Classify(request))
        {
            case RequestKind.PointRead:
                Interlocked.Increment(ref _pointReads);
                break;
            case RequestKind.Write:
                Interlocked.Increment(ref _writes);
                break;
            case RequestKind.Query:
                Interlocked.Increment(ref _queries);
                break;
            case RequestKind.CrossPartitionQuery:
                Interlocked.Increment(ref _crossPartition);
                break;
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _throttled);
        }

        return response;
    }

    private enum RequestKind
    {
        PointRead,
        Write,
        Query,
        CrossPartitionQuery,
    }

    // Item operations address ".../colls/<container>/docs/<id>"; creates, queries and batches POST to ".../docs".
    private static RequestKind? Classify(RequestMessage request)
    {
        var path = request.RequestUri.OriginalString;
        var docs = path.IndexOf("/docs", StringComparison.Ordinal);
        if (!path.Contains("/colls/", StringComparison.Ordinal) || (docs < 0 && request.Method != HttpMethod.Post))
        {
            return null;
        }

        var isQuery = string.Equals(request.Headers["x-ms-documentdb-isquery"], "True", StringComparison.OrdinalIgnoreCase)
            || (request.Method == HttpMethod.Get && docs >= 0 && path.AsSpan(docs).TrimEnd('/').Length == "/docs".Length);
        if (isQuery)
        {
            var partitioned = !string.IsNullOrEmpty(request.Headers["x-ms-documentdb-partitionkey"]) || !string.IsNullOrEmpty(request.Headers["x-ms-documentdb-partitionkeyrangeid"]);
            return partitioned ? RequestKind.Query : RequestKind.CrossPartitionQuery;
        }

        return request.Method == HttpMethod.Get ? RequestKind.PointRead : RequestKind.Write;
    }
}
