using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Azure.Archive;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>Registers the auditor API and the archive adapters it reads through.</summary>
public static class AuditorApiServiceCollectionExtensions
{
    /// <summary>
    /// The auditor API: the archive on Blob Storage with its signing keys (<see cref="ArchiveServiceCollectionExtensions.AddArchiveOnAzure"/>),
    /// the access recorder and the gate. Call once from the composition root (Program.cs).
    /// </summary>
    public static IServiceCollection AddAuditorApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddArchiveOnAzure(configuration);
        services.TryAddSingleton<AccessRecorder>();
        services.TryAddSingleton<AuditorGate>();
        return services;
    }
}
