using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<(string Container, string Kind), long> _byContainer = new();

    /// <summary>The counts so far.</summary>
    public CosmosRequestCounts Snapshot() => new(
        Interlocked.Read(ref _pointReads), Interlocked.Read(ref _writes), Interlocked.Read(ref _queries), Interlocked.Read(ref _crossPartition), Interlocked.Read(ref _throttled));

    /// <summary>
    /// Requests so far by container and kind ("read", "query", "cross-partition query", and writes by operation: "write create or upsert",
    /// "write batch", "write replace &lt;id&gt;", "write delete &lt;id&gt;", "write patch &lt;id&gt;" — the id
    /// when it is a fixed per-partition document id such as <c>capture</c> or <c>state</c>, else <c>item</c>), sorted; and, beside
    /// each kind, "&lt;kind&gt; answered 404", "… 409" or "… 412": how many of those requests found no document, a document
    /// that already existed, or a changed ETag.
    /// </summary>
    public IReadOnlyList<(string Container, string Kind, long Count)> ByContainer() =>
        [.. _byContainer.Select(pair => (pair.Key.Container, pair.Key.Kind, pair.Value)).OrderBy(row => row.Container, StringComparer.Ordinal).ThenBy(row => row.Kind, StringComparer.Ordinal)];

    /// <inheritdoc />
    public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kind = Classify(request);
        string? name = null;
        string? container = null;
        if (kind is { } known)
        {
            name = known == RequestKind.Write ? WriteKindName(request) : KindName(known);
            container = ContainerOf(request.RequestUri.OriginalString);
            _byContainer.AddOrUpdate((container, name), 1, (_, count) => count + 1);
        }

        switch (kind)
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

        if (name is not null && container is not null
            && response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed)
        {
            // A miss or a lost race is an expected answer on the per-trade path; counting it says how much of the traffic it is.
            _byContainer.AddOrUpdate((container, $"{name} answered {(int)response.StatusCode}"), 1, (_, count) => count + 1);
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

    private static string KindName(RequestKind kind) => kind switch
    {
        RequestKind.PointRead => "read",
        RequestKind.Write => "write",
        RequestKind.Query => "query",
        _ => "cross-partition query",
    };

    private static string WriteKindName(RequestMessage request)
    {
        if (request.Method == HttpMethod.Post)
        {
            return string.Equals(request.Headers["x-ms-cosmos-is-batch-request"], "True", StringComparison.OrdinalIgnoreCase) ? "write batch"
                : "write create or upsert";
        }

        var path = request.RequestUri.OriginalString.TrimEnd('/');
        var id = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        var fixedId = id.Length <= 32 && id.All(c => char.IsAsciiLetterLower(c) || c == '-') ? id : "item";
        var operation = request.Method == HttpMethod.Put ? "replace" : request.Method == HttpMethod.Delete ? "delete" : "patch";
        return $"write {operation} {fixedId}";
    }

    private static string ContainerOf(string path)
    {
        var start = path.IndexOf("/colls/", StringComparison.Ordinal);
        if (start < 0)
        {
            return "?";
        }

        start += "/colls/".Length;
        var end = path.IndexOf('/', start);
        return end < 0 ? path[start..] : path[start..end];
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
