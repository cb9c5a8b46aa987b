using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>The Cosmos DB stand-in, started once per test class of the capture stage; each test makes its own database.</summary>
public sealed class CaptureCosmosFixture : IAsyncLifetime
{
    private LocalStandIns.LocalStandIns? _standIns;

    /// <summary>The stand-in's connection string, for tests that build a client with options of their own.</summary>
    public string ConnectionString => _standIns!.CosmosConnectionString;

    /// <summary>A client with the documents' serializer.</summary>
    public CosmosClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false, ServiceBus = false }, NullLogger.Instance, TestContext.Current.CancellationToken);
        Client = new CosmosClient(ConnectionString, CosmosSerialization.Apply(LocalCosmos.ClientOptions(ConnectionString)));
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_standIns is not null)
        {
            await _standIns.DisposeAsync();
        }
    }
}
