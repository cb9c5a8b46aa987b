using Azure.Identity;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure;

/// <summary>
/// The composition of the back office over Azure: the SDK clients (identity-based in Azure, connection strings locally),
/// the stores and the stage handlers. The function app and the local day run call the same registrations, so the code
/// paths differ only in configuration.
/// </summary>
public static class BackOfficeServices
{
    /// <summary>The setting with a Cosmos connection string (local stand-in, emulator).</summary>
    public const string CosmosConnectionSetting = "CosmosConnection";

    /// <summary>The setting with the Cosmos account endpoint, for managed identity (Azure).</summary>
    public const string CosmosEndpointSetting = "CosmosConnection__accountEndpoint";

    /// <summary>Registers the Cosmos client: a connection string when configured, otherwise the endpoint with DefaultAzureCredential.</summary>
    public static IServiceCollection AddBackOfficeCosmos(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ =>
        {
            var connectionString = configuration[CosmosConnectionSetting];
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                var endpoint = new Uri(new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }["AccountEndpoint"]!.ToString()!);
                // Local stand-ins speak Gateway mode over plain HTTP and must not be redirected to an advertised address.
                return new CosmosClient(connectionString, CosmosSerialization.Apply(new CosmosClientOptions
                {
                    ConnectionMode = ConnectionMode.Gateway,
                    LimitToEndpoint = endpoint.IsLoopback,
                    ApplicationName = "ServerlessBackOffice",
                }));
            }

            var accountEndpoint = configuration[CosmosEndpointSetting]
                ?? throw new InvalidOperationException($"Configure {CosmosConnectionSetting} (a connection string, locally) or {CosmosEndpointSetting} (the account endpoint, with managed identity).");
            return new CosmosClient(accountEndpoint, new DefaultAzureCredential(), CosmosSerialization.Apply(new CosmosClientOptions { ApplicationName = "ServerlessBackOffice" }));
        });
        return services;
    }

    /// <summary>The Cosmos database name, from its topology app setting, defaulting to the topology's name.</summary>
    public static string CosmosDatabaseName(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[Entities.CosmosDatabase.AppSetting] ?? Entities.CosmosDatabase.Name;
    }

    /// <summary>Registers the ledger stage: its Cosmos store and the posting handler.</summary>
    public static IServiceCollection AddLedgerStage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBackOfficeCosmos(configuration);
        services.TryAddSingleton<ILedgerStore>(sp => new CosmosLedgerStore(
            sp.GetRequiredService<CosmosClient>().GetContainer(CosmosDatabaseName(configuration), Entities.Containers.Ledger.Name)));
        services.TryAddSingleton<LedgerPostingHandler>();
        return services;
    }
}
