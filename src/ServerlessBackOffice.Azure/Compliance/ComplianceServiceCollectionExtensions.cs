using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Risk;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Compliance;

/// <summary>Registers the compliance stage over Azure.</summary>
public static class ComplianceServiceCollectionExtensions
{
    /// <summary>The setting naming the rules file (app setting <c>Compliance__RulesPath</c>); without it, the built-in sample.</summary>
    public const string RulesPathSetting = "Compliance:RulesPath";

    /// <summary>The setting naming a <c>date,isin,close</c> CSV (app setting <c>Risk__PriceHistoryPath</c>); without it, the sample history.</summary>
    public const string PriceHistoryPathSetting = "Risk:PriceHistoryPath";

    /// <summary>
    /// Registers the compliance stage: its Cosmos store (alerts container), the configuration, the price history and the
    /// handler. Expects the composition root to register CosmosClient (or calls <see cref="BackOfficeServices.AddBackOfficeCosmos"/>),
    /// IArchiveStore, IMessagePublisher (wrapped in ArchivingMessagePublisher), TimeProvider and IReferenceDataSource.
    /// </summary>
    public static IServiceCollection AddComplianceStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddBackOfficeCosmos(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IComplianceStore>(sp => new CosmosComplianceStore(
            sp.GetRequiredService<CosmosClient>().GetContainer(BackOfficeServices.CosmosDatabaseName(configuration), Entities.Containers.Alerts.Name)));
        services.TryAddSingleton(_ => configuration[RulesPathSetting] is { Length: > 0 } path
            ? ComplianceConfiguration.Load(path)
            : SampleComplianceConfiguration.Load());
        services.AddPriceHistory(configuration);
        services.TryAddSingleton<ComplianceHandler>();
        return services;
    }

    /// <summary>
    /// Registers the price history compliance and the end of day's risk share: the CSV named by <see cref="PriceHistoryPathSetting"/>,
    /// otherwise the deterministic sample. Expects IReferenceDataSource and TimeProvider.
    /// </summary>
    public static IServiceCollection AddPriceHistory(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton<IPriceHistorySource>(sp =>
        {
            if (configuration[PriceHistoryPathSetting] is { Length: > 0 } path)
            {
                using var reader = File.OpenText(path);
                return new FixedPriceHistorySource(PriceHistory.ParseCsv(reader));
            }

            return new SamplePriceHistorySource(sp.GetRequiredService<IReferenceDataSource>(), sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
