using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// Counts document requests on the wire, as an SDK request handler: point reads, queries and writes (not the SDK's
/// account, container and partition-range metadata requests).
/// </summary>
internal sealed class CosmosRequestCounter : RequestHandler
{
    private int _reads;
    private int _queries;
    private int _writes;

    /// <summary>Point reads (GET of a document).</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Query pages.</summary>
    public int Queries => Volatile.Read(ref _queries);

    /// <summary>Creates, replaces, upserts, patches and deletes.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Every document request.</summary>
    public int Total => Reads + Queries + Writes;

    /// <summary>A stand-in client with the documents' serializer and this counter in its pipeline.</summary>
    public static CosmosClient Client(string connectionString, CosmosRequestCounter counter)
    {
        var options = CosmosSerialization.Apply(LocalCosmos.ClientOptions(connectionString));
        options.CustomHandlers.Add(counter);
        return new CosmosClient(connectionString, options);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _queries, 0);
        Interlocked.Exchange(ref _writes, 0);
    }

    public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
    {
        if (IsDocumentRequest(request))
        {
            if (request.Method == HttpMethod.Get)
            {
                Interlocked.Increment(ref _reads);
            }
            else if (request.Headers["x-ms-documentdb-isquery"] is not null || request.Headers["x-ms-cosmos-is-query-plan-request"] is not null)
            {
                Interlocked.Increment(ref _queries);
            }
            else
            {
                Interlocked.Increment(ref _writes);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }

    // Item operations address ".../colls/<container>/docs/<id>", except a create, which POSTs to the container itself.
    private static bool IsDocumentRequest(RequestMessage request) =>
        request.RequestUri.OriginalString.Contains("/colls/", StringComparison.Ordinal)
        && (request.RequestUri.OriginalString.Contains("/docs", StringComparison.Ordinal) || request.Method == HttpMethod.Post);
}
