using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.Azure.EndOfDay;
using ServerlessBackOffice.Azure.Exceptions;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.Azure.Messaging;
using ServerlessBackOffice.Azure.Reconciliation;
using ServerlessBackOffice.Azure.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
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

    /// <summary>
    /// Registers everything the stages share — the clock, the Service Bus client and publisher (archiving every outbound
    /// message first), the archive — and every stage. The function app's Program.cs and the local day run both call this;
    /// the day run registers its simulated <see cref="TimeProvider"/> first, which wins because every registration here
    /// is a TryAdd.
    /// </summary>
    public static IServiceCollection AddBackOffice(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddBackOfficeServiceBus(configuration);
        services.AddArchiveOnAzure(configuration);
        services.TryAddSingleton<IMessagePublisher>(sp => new ArchivingMessagePublisher(
            new ServiceBusMessagePublisher(sp.GetRequiredService<ServiceBusClient>()),
            sp.GetRequiredService<IArchiveStore>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddCaptureStage(configuration);
        services.AddConfirmationStage(configuration);
        services.AddSettlementStage(configuration);
        services.AddLedgerStage(configuration);
        services.AddComplianceStage(configuration);
        services.AddReconciliationStage(configuration);
        services.AddEndOfDayStage(configuration);
        services.AddExceptionManagement(configuration);
        return services;
    }

    /// <summary>
    /// Registers the Service Bus client from the trigger's own connection setting: a connection string locally, or
    /// <c>&lt;setting&gt;__fullyQualifiedNamespace</c> with the managed identity in Azure (what infra/main.bicep writes).
    /// </summary>
    public static IServiceCollection AddBackOfficeServiceBus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var setting = TopologyDocument.Default.ServiceBus.NamespaceAppSetting;
        services.TryAddSingleton(_ =>
        {
            var options = new ServiceBusClientOptions { Identifier = "ServerlessBackOffice" };
            var connectionString = configuration[setting];
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                return new ServiceBusClient(connectionString, options);
            }

            var ns = configuration[$"{setting}:fullyQualifiedNamespace"]
                ?? throw new InvalidOperationException($"Configure {setting} (a connection string, locally) or {setting}__fullyQualifiedNamespace (with managed identity).");
            return new ServiceBusClient(ns, Credential(configuration, setting), options);
        });
        return services;
    }

    /// <summary>
    /// The identity a connection uses in Azure: the user-assigned managed identity named by <c>&lt;section&gt;__clientId</c>
    /// (what infra/main.bicep writes), otherwise <see cref="DefaultAzureCredential"/> (a developer's own login).
    /// </summary>
    public static TokenCredential Credential(IConfiguration configuration, string section)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var clientId = configuration[$"{section}:clientId"];
        return string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }

    /// <summary>Registers the Cosmos client: a connection string when configured, otherwise the endpoint with the managed identity.</summary>
    public static IServiceCollection AddBackOfficeCosmos(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(sp =>
        {
            // A benchmark registers a request counter first; nothing else does.
            var counter = sp.GetService<CosmosRequestCounter>();
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
                }.WithCounter(counter)));
            }

            var accountEndpoint = configuration[CosmosEndpointSetting] ?? configuration[$"{CosmosConnectionSetting}:accountEndpoint"]
                ?? throw new InvalidOperationException($"Configure {CosmosConnectionSetting} (a connection string, locally) or {CosmosEndpointSetting} (the account endpoint, with managed identity).");
            return new CosmosClient(accountEndpoint, Credential(configuration, CosmosConnectionSetting), CosmosSerialization.Apply(new CosmosClientOptions
            {
                ApplicationName = "ServerlessBackOffice",
                // 429s are retried by the SDK honouring retry-after; what is left surfaces as a transient failure and the message is redelivered.
                MaxRetryAttemptsOnRateLimitedRequests = 9,
                MaxRetryWaitTimeOnRateLimitedRequests = TimeSpan.FromSeconds(30),
            }.WithCounter(counter)));
        });
        return services;
    }

    private static CosmosClientOptions WithCounter(this CosmosClientOptions options, CosmosRequestCounter? counter)
    {
        if (counter is not null)
        {
            options.CustomHandlers.Add(counter);
        }

        return options;
    }

    /// <summary>The Cosmos database name, from its topology app setting, defaulting to the topology's name.</summary>
    public static string CosmosDatabaseName(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[Entities.CosmosDatabase.AppSetting] ?? Entities.CosmosDatabase.Name;
    }

    /// <summary>Registers the ledger stage: its Cosmos store (archiving every entry it posts) and the posting handler.</summary>
    public static IServiceCollection AddLedgerStage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBackOfficeCosmos(configuration);
        services.TryAddSingleton<ILedgerStore>(sp => new ArchivingLedgerStore(
            new CosmosLedgerStore(sp.GetRequiredService<CosmosClient>().GetContainer(CosmosDatabaseName(configuration), Entities.Containers.Ledger.Name)),
            sp.GetRequiredService<IArchiveStore>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<LedgerPostingHandler>();
        return services;
    }
}
