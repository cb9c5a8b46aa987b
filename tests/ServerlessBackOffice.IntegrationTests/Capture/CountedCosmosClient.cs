using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// A stand-in client with the documents' serializer and a <see cref="CosmosRequestCounter"/> in its pipeline, counting the
/// document requests made since the last <see cref="Reset"/>.
/// </summary>
internal sealed class CountedCosmosClient : IDisposable
{
    private readonly CosmosRequestCounter _counter = new();
    private CosmosRequestCounts _baseline = new(0, 0, 0, 0, 0);

    public CountedCosmosClient(string connectionString)
    {
        var options = CosmosSerialization.Apply(LocalCosmos.ClientOptions(connectionString));
        options.CustomHandlers.Add(_counter);
        Client = new CosmosClient(connectionString, options);
    }

    public CosmosClient Client { get; }

    /// <summary>The handler itself, for its counts by container and kind.</summary>
    public CosmosRequestCounter Counter => _counter;

    /// <summary>Point reads.</summary>
    public int Reads => (int)(_counter.Snapshot().PointReads - _baseline.PointReads);

    /// <summary>Query and read-feed pages, in one partition or across.</summary>
    public int Queries
    {
        get
        {
            var now = _counter.Snapshot();
            return (int)(now.Queries + now.CrossPartitionQueries - _baseline.Queries - _baseline.CrossPartitionQueries);
        }
    }

    /// <summary>Creates, replaces, upserts, patches, deletes and batches.</summary>
    public int Writes => (int)(_counter.Snapshot().Writes - _baseline.Writes);

    /// <summary>Every document request.</summary>
    public int Total => (int)(_counter.Snapshot().Total - _baseline.Total);

    public void Reset() => _baseline = _counter.Snapshot();

    public void Dispose() => Client.Dispose();
}
