using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Reconciliation;

/// <summary>The reconciliation stage's registrations: its Cosmos store and its handler.</summary>
public static class ReconciliationStageRegistration
{
    /// <summary>
    /// Registers the reconciliation stage. It reads the ledger (registered here through
    /// <see cref="BackOfficeServices.AddLedgerStage"/> if not yet), and expects the composition root to register
    /// <c>IArchiveStore</c>, <c>TimeProvider</c> and <c>IReferenceDataSource</c>.
    /// </summary>
    public static IServiceCollection AddReconciliationStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddBackOfficeCosmos(configuration);
        services.AddLedgerStage(configuration);
        services.TryAddSingleton<IReconciliationStore>(sp => new CosmosReconciliationStore(
            sp.GetRequiredService<CosmosClient>().GetContainer(BackOfficeServices.CosmosDatabaseName(configuration), Entities.Containers.ReconciliationBreaks.Name)));
        services.TryAddSingleton<ReconciliationHandler>();
        return services;
    }
}
