using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Settlement;

/// <summary>The settlement stage's registrations: its Cosmos store and its two handlers.</summary>
public static class SettlementStageRegistration
{
    /// <summary>
    /// Registers the settlement stage. Expects the composition root to register <c>ITradeStore</c>, <c>IMessagePublisher</c>
    /// (wrapped in ArchivingMessagePublisher, so every instruction and settlement event is archived), <c>TimeProvider</c>
    /// and <c>IReferenceDataSource</c>.
    /// </summary>
    public static IServiceCollection AddSettlementStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddBackOfficeCosmos(configuration);
        services.TryAddSingleton<ISettlementStore>(sp =>
        {
            var client = sp.GetRequiredService<CosmosClient>();
            var database = BackOfficeServices.CosmosDatabaseName(configuration);
            return new CosmosSettlementStore(
                client.GetContainer(database, Entities.Containers.Trades.Name),
                client.GetContainer(database, Entities.Containers.SettlementInstructions.Name));
        });
        // Shared by both handlers: the instruction one issued, the other may start from (decision 0075).
        services.TryAddSingleton(_ => new WrittenDocuments<SettlementInstructionDocument>());
        services.TryAddSingleton<SettlementInstructionHandler>();
        services.TryAddSingleton<CustodianStatusHandler>();
        return services;
    }
}
