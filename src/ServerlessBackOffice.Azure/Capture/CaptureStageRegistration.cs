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
    /// <summary>The setting that overrides the oldest trade date capture accepts, in calendar days (default 30): <c>Capture__MaximumTradeDateAgeDays</c>.</summary>
    public const string MaximumTradeDateAgeSetting = "Capture:MaximumTradeDateAgeDays";

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
        services.TryAddSingleton(_ => Policy(configuration));
        services.TryAddSingleton<CaptureHandler>();
        return services;
    }

    /// <summary>Contract v1's defaults, with the configured trade-date age when set.</summary>
    /// <exception cref="FormatException">The setting is not a positive whole number of days.</exception>
    public static CapturePolicy Policy(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[MaximumTradeDateAgeSetting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return CapturePolicy.Default;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days > 0
            ? CapturePolicy.Default with { MaximumTradeDateAgeDays = days }
            : throw new FormatException($"Capture__MaximumTradeDateAgeDays = '{text}' is not a positive whole number of days.");
    }
}
