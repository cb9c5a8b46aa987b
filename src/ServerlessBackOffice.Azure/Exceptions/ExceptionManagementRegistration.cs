using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Exceptions;

/// <summary>The exception management registrations: the exceptions view's sources, the repair store and the repair executors.</summary>
public static class ExceptionManagementRegistration
{
    /// <summary>
    /// Registers exception management over the stages' own stores. Call after the stages (AddBackOffice does): the sources
    /// read the reconciliation, settlement, trade and archive stores they registered; the view's cross-partition queries
    /// and the repair store are registered here, and the dead-letter queues through the shared Service Bus client.
    /// </summary>
    public static IServiceCollection AddExceptionManagement(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(ExceptionsQuery)))
        {
            return services;
        }

        services.AddBackOfficeCosmos(configuration);
        services.AddBackOfficeServiceBus(configuration);
        var database = BackOfficeServices.CosmosDatabaseName(configuration);
        services.TryAddSingleton<IRepairStore>(sp => new CosmosRepairStore(sp.GetRequiredService<CosmosClient>().GetContainer(database, Entities.Containers.ExceptionRepairs.Name)));
        services.TryAddSingleton<IExceptionDocumentQuery>(sp => new CosmosExceptionDocumentQuery(
            sp.GetRequiredService<CosmosClient>().GetContainer(database, Entities.Containers.Trades.Name),
            sp.GetRequiredService<CosmosClient>().GetContainer(database, Entities.Containers.Alerts.Name)));
        services.TryAddSingleton<IDeadLetterQueues>(sp => new ServiceBusDeadLetterQueues(sp.GetRequiredService<ServiceBusClient>()));
        AddExceptionSourcesAndRepairs(services);
        return services;
    }

    /// <summary>
    /// The store-independent part: the six exception sources, the view, the four repair executors and the repair service.
    /// An in-process composition (tests) registers its own stores and ports, then calls this.
    /// </summary>
    public static IServiceCollection AddExceptionSourcesAndRepairs(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IExceptionSource>(sp => new CaptureRejectionSource(sp.GetRequiredService<IArchiveStore>(), sp.GetRequiredService<ITradeStore>()));
        services.AddSingleton<IExceptionSource>(sp => new DeadLetterSource(sp.GetRequiredService<IDeadLetterQueues>()));
        services.AddSingleton<IExceptionSource>(sp => new ConfirmationExceptionSource(sp.GetRequiredService<IExceptionDocumentQuery>()));
        services.AddSingleton<IExceptionSource>(sp => new SettlementFailSource(sp.GetRequiredService<ISettlementStore>()));
        services.AddSingleton<IExceptionSource>(sp => new ReconciliationBreakSource(sp.GetRequiredService<IReconciliationStore>()));
        services.AddSingleton<IExceptionSource>(sp => new ComplianceAlertSource(sp.GetRequiredService<IExceptionDocumentQuery>()));
        services.TryAddSingleton<ExceptionsQuery>();
        services.AddSingleton<IRepairExecutor>(sp => new ResubmitMessageExecutor(
            sp.GetRequiredService<IDeadLetterQueues>(), sp.GetRequiredService<IMessagePublisher>(), sp.GetRequiredService<IArchiveStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRepairExecutor>(sp => new ForceMatchExecutor(
            sp.GetRequiredService<IConfirmationStore>(), sp.GetRequiredService<IArchiveStore>(), sp.GetRequiredService<ConfirmationOutbox>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRepairExecutor>(sp => new CancelAndRebookExecutor(sp.GetRequiredService<ITradeStore>(), sp.GetRequiredService<IMessagePublisher>()));
        services.AddSingleton<IRepairExecutor>(sp => new ExplainBreakExecutor(sp.GetRequiredService<IReconciliationStore>()));
        services.TryAddSingleton<RepairService>();
        return services;
    }
}
