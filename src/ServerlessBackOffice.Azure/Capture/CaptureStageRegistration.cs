using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Capture;

/// <summary>The capture stage's registrations: its Cosmos trade store, its archive, reference data from Cosmos and the handler.</summary>
public static class CaptureStageRegistration
{
    /// <summary>
    /// Registers the capture stage. Expects the composition root to register <c>IArchiveStore</c>, <c>IMessagePublisher</c>
    /// and <c>TimeProvider</c> (as <see cref="BackOfficeServices.AddBackOffice"/> does). Every registration is a TryAdd, so a
    /// composition can put another <see cref="IReferenceDataSource"/> (or policy) in first.
    /// </summary>
    public static IServiceCollection AddCaptureStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddBackOfficeCosmos(configuration);
        var database = BackOfficeServices.CosmosDatabaseName(configuration);
        services.TryAddSingleton<ITradeStore>(sp => new CosmosTradeStore(
            sp.GetRequiredService<CosmosClient>().GetContainer(database, Entities.Containers.Trades.Name)));
        services.TryAddSingleton<ICaptureArchive>(sp => new ArchiveCaptureArchive(
            sp.GetRequiredService<IArchiveStore>(), sp.GetRequiredService<ILogger<ArchiveCaptureArchive>>()));
        services.TryAddSingleton(_ => ReferenceDataCacheOptions.From(configuration));
        services.TryAddSingleton(sp => new CosmosReferenceDataSource(
            sp.GetRequiredService<CosmosClient>().GetContainer(database, Entities.Containers.ReferenceData.Name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ReferenceDataCacheOptions>(),
            sp.GetRequiredService<ILogger<CosmosReferenceDataSource>>()));
        services.TryAddSingleton<IReferenceDataSource>(sp => sp.GetRequiredService<CosmosReferenceDataSource>());
        services.TryAddSingleton(CapturePolicy.Default);
        services.TryAddSingleton<CaptureHandler>();
        return services;
    }
}
