using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Confirmation;

/// <summary>The confirmation stage's registrations: its Cosmos store, its cut-off table and its three handlers.</summary>
public static class ConfirmationStageRegistration
{
    /// <summary>
    /// The configuration section of per-market cut-off overrides: <c>AffirmationCutoffs__US-EQUITY = "T+0 20:00 America/New_York"</c>.
    /// Markets without an override keep <see cref="AffirmationCutoffSchedule.Default"/>.
    /// </summary>
    public const string CutoffOverridesSection = "AffirmationCutoffs";

    /// <summary>
    /// Registers the confirmation stage. Expects the composition root to register <c>IArchiveStore</c>,
    /// <c>IMessagePublisher</c> (wrapped in ArchivingMessagePublisher), <c>TimeProvider</c> and <c>IReferenceDataSource</c>.
    /// </summary>
    public static IServiceCollection AddConfirmationStage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddBackOfficeCosmos(configuration);
        services.TryAddSingleton<IConfirmationStore>(sp => new CosmosConfirmationStore(
            sp.GetRequiredService<CosmosClient>().GetContainer(BackOfficeServices.CosmosDatabaseName(configuration), Entities.Containers.Trades.Name)));
        services.TryAddSingleton(_ => CutoffSchedule(configuration));
        services.TryAddSingleton<ConfirmationOutbox>();
        // Shared by both handlers: what one wrote and published, the other may start from (decision 0075).
        services.TryAddSingleton(_ => new WrittenDocuments<ConfirmationDocument>());
        services.TryAddSingleton<ConfirmationHandler>();
        services.TryAddSingleton<AffirmationHandler>();
        services.TryAddSingleton<AffirmationCutoffHandler>();
        return services;
    }

    /// <summary>The default cut-off table with the configured per-market overrides.</summary>
    /// <exception cref="FormatException">An override is not <c>T+&lt;days&gt; &lt;HH:mm&gt; &lt;IANA zone&gt;</c>.</exception>
    public static AffirmationCutoffSchedule CutoffSchedule(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var overrides = configuration.GetSection(CutoffOverridesSection).GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .Select(c => new KeyValuePair<string, string>(c.Key, c.Value!));
        return AffirmationCutoffSchedule.Default.WithOverrides(overrides);
    }
}
