using System.Data.Common;
using Microsoft.Azure.Cosmos;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// Builds Cosmos clients that work against the stand-in, Microsoft's emulator and a real account alike.
/// </summary>
public static class LocalCosmos
{
    /// <summary>The well-known key of Microsoft's Cosmos DB emulator (public; the stand-in accepts any key).</summary>
    public const string EmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    /// <summary>A connection string for an endpoint with the emulator's key.</summary>
    public static string ConnectionString(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return $"AccountEndpoint={endpoint};AccountKey={EmulatorKey};";
    }

    /// <summary>Whether a connection string points at a loopback address (the stand-in or a local emulator).</summary>
    public static bool IsLoopback(string connectionString)
    {
        var endpoint = Endpoint(connectionString);
        return endpoint.IsLoopback;
    }

    /// <summary>The AccountEndpoint of a connection string.</summary>
    public static Uri Endpoint(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return builder.TryGetValue("AccountEndpoint", out var value) && value is string text
            ? new Uri(text)
            : throw new ArgumentException("The Cosmos connection string has no AccountEndpoint.", nameof(connectionString));
    }

    /// <summary>
    /// Options that the stand-in needs and a real account tolerates: Gateway mode (the stand-in has no direct-mode
    /// replicas) and, over plain HTTP, <see cref="CosmosClientOptions.LimitToEndpoint"/> (otherwise the SDK follows the
    /// account's advertised https:// address and hangs).
    /// </summary>
    public static CosmosClientOptions ClientOptions(string connectionString, bool allowBulkExecution = false)
    {
        var endpoint = Endpoint(connectionString);
        var options = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = endpoint.IsLoopback,
            AllowBulkExecution = allowBulkExecution,
            ApplicationName = "ServerlessBackOffice",
            // The stand-in reports 1 RU and never throttles; keep retries short so a bug fails fast instead of waiting.
            MaxRetryAttemptsOnRateLimitedRequests = endpoint.IsLoopback ? 3 : 9,
        };
        return options;
    }

    /// <summary>A client configured by <see cref="ClientOptions"/>.</summary>
    public static CosmosClient CreateClient(string connectionString, bool allowBulkExecution = false) =>
        new(connectionString, ClientOptions(connectionString, allowBulkExecution));
}
