using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>
/// Registers the archive's Azure adapters from the app settings infra/main.bicep writes:
/// <c>ArchiveStorage__blobServiceUri</c> (and <c>ArchiveStorage__clientId</c> for the user-assigned identity),
/// <c>KeyVault__vaultUri</c> and <c>ArchiveSigning__secretName</c>. Locally, <c>ArchiveStorage__connectionString</c>
/// (Azurite) replaces the service URI, and without a vault the development key in <c>.local/keys/</c> signs. A host may
/// register <see cref="BlobClientOptions"/> (the local day run does, for its in-process Blob stand-in: decision 0076);
/// without them the SDK's defaults apply.
/// </summary>
public static class ArchiveServiceCollectionExtensions
{
    /// <summary>Registers (each only if not registered yet) <see cref="IArchiveStore"/>, the signing key provider, <see cref="ArchiveDaySealer"/>, read links and the bundle publisher.</summary>
    public static IServiceCollection AddArchiveOnAzure(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => ArchiveClients.From(configuration, sp.GetService<BlobClientOptions>()));
        services.TryAddSingleton<IArchiveStore>(sp => new BlobArchiveStore(sp.GetRequiredService<ArchiveClients>().Container, sp.GetRequiredService<ILogger<BlobArchiveStore>>()));
        services.TryAddSingleton<IArchiveSigningKeyProvider>(sp => SigningKeys(configuration, sp));
        services.TryAddSingleton<ArchiveDaySealer>();
        services.TryAddSingleton<IArchiveReadLinks>(sp =>
        {
            var clients = sp.GetRequiredService<ArchiveClients>();
            return new UserDelegationReadLinks(clients.Service, clients.Container.Name, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<IArchiveBundlePublisher>(sp =>
            new BlobBundlePublisher(sp.GetRequiredService<ArchiveClients>().Container, sp.GetRequiredService<ArchiveDaySealer>()));
        return services;
    }

    private static IArchiveSigningKeyProvider SigningKeys(IConfiguration configuration, IServiceProvider services)
    {
        var vaultUri = configuration["KeyVault:vaultUri"];
        if (string.IsNullOrWhiteSpace(vaultUri))
        {
            var keyFile = configuration["ArchiveSigning:localKeyFile"] ?? LocalDevelopmentSigningKeyProvider.DefaultKeyFile(Environment.CurrentDirectory);
            return new LocalDevelopmentSigningKeyProvider(keyFile);
        }

        var secretName = configuration["ArchiveSigning:secretName"]
            ?? throw new InvalidOperationException("ArchiveSigning:secretName is not set; infra/main.bicep sets ArchiveSigning__secretName.");
        return new KeyVaultSigningKeyProvider(
            new SecretClient(new Uri(vaultUri), Credential(configuration)), secretName,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<KeyVaultSigningKeyProvider>>());
    }

    private static TokenCredential Credential(IConfiguration configuration)
    {
        // The function app runs as a user-assigned identity; its client id must be named, or the system identity is used.
        var clientId = configuration["ArchiveStorage:clientId"];
        return string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }

    /// <summary>The archive account's service client and the archive container (its name from the topology).</summary>
    private sealed record ArchiveClients(BlobServiceClient Service, BlobContainerClient Container)
    {
        public static ArchiveClients From(IConfiguration configuration, BlobClientOptions? options)
        {
            var connectionString = configuration["ArchiveStorage:connectionString"];
            var serviceUri = configuration["ArchiveStorage:blobServiceUri"];
            var service = !string.IsNullOrWhiteSpace(connectionString)
                ? new BlobServiceClient(connectionString, options)
                : new BlobServiceClient(
                    new Uri(serviceUri ?? throw new InvalidOperationException("ArchiveStorage:blobServiceUri is not set; infra/main.bicep sets ArchiveStorage__blobServiceUri.")),
                    Credential(configuration),
                    options);
            return new ArchiveClients(service, service.GetBlobContainerClient(Entities.BlobContainers.Archive.Name));
        }
    }
}
