using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Functions.Tests.Auditing;

/// <summary>AddAuditorApi wires everything the auditor functions need from the app settings (no call is made to Azure).</summary>
public sealed class AuditorApiRegistrationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"auditor-api-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAuditorApi(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void InAzure_TheArchiveIsOnBlobStorage_AndKeysComeFromKeyVault()
    {
        using var provider = Build(new()
        {
            ["ArchiveStorage:blobServiceUri"] = "https://starchive.blob.core.windows.net/",
            ["ArchiveStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
            ["KeyVault:vaultUri"] = "https://kv-backoffice.vault.azure.net/",
            ["ArchiveSigning:secretName"] = "archive-signing-key",
        });

        var functions = ActivatorUtilities.CreateInstance<AuditorFunctions>(provider);

        Assert.NotNull(functions);
        Assert.IsType<BlobArchiveStore>(provider.GetRequiredService<IArchiveStore>());
        Assert.IsType<KeyVaultSigningKeyProvider>(provider.GetRequiredService<IArchiveSigningKeyProvider>());
        Assert.IsType<UserDelegationReadLinks>(provider.GetRequiredService<IArchiveReadLinks>());
    }

    [Fact]
    public async Task Locally_WithoutAVault_TheDevelopmentKeyFileSigns()
    {
        var keyFile = Path.Combine(_folder, "archive-signing.dev-key.pem");
        using var provider = Build(new()
        {
            ["ArchiveStorage:connectionString"] = "UseDevelopmentStorage=true",
            ["ArchiveSigning:localKeyFile"] = keyFile,
        });

        var keys = provider.GetRequiredService<IArchiveSigningKeyProvider>();
        await keys.GetSigningKeyAsync(TestContext.Current.CancellationToken);

        Assert.IsType<LocalDevelopmentSigningKeyProvider>(keys);
        Assert.True(File.Exists(keyFile));
    }

    [Fact]
    public void WithoutAnArchiveAccount_ResolvingTheStoreSaysWhichSettingIsMissing()
    {
        using var provider = Build(new() { ["ArchiveSigning:localKeyFile"] = Path.Combine(_folder, "k.dev-key.pem") });

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IArchiveStore>());

        Assert.Contains("ArchiveStorage__blobServiceUri", error.Message, StringComparison.Ordinal);
    }
}
