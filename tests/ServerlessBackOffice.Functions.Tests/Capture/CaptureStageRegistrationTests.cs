using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Functions.Capture;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.Functions.Tests.Capture;

/// <summary>AddCaptureStage wires everything the capture function needs from the app settings (no call is made to Cosmos).</summary>
public sealed class CaptureStageRegistrationTests
{
    private const string StandInConnection =
        "AccountEndpoint=http://127.0.0.1:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;";

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? first = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();

        // What the composition root (AddBackOffice) provides to every stage.
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new Mock<IArchiveStore>(MockBehavior.Strict).Object);
        services.AddSingleton(new Mock<IMessagePublisher>(MockBehavior.Strict).Object);
        first?.Invoke(services);
        services.AddCaptureStage(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void OnTheStandIns_TheCaptureFunctionResolves_WithCosmosTradesArchiveAndReferenceData()
    {
        using var provider = Build(new() { ["CosmosConnection"] = StandInConnection, ["CosmosDatabase"] = "backoffice-test" });

        var function = ActivatorUtilities.CreateInstance<CaptureFunction>(provider);

        Assert.NotNull(function);
        Assert.NotNull(provider.GetRequiredService<CaptureHandler>());
        Assert.IsType<CosmosTradeStore>(provider.GetRequiredService<ITradeStore>());
        Assert.IsType<ArchiveCaptureArchive>(provider.GetRequiredService<ICaptureArchive>());
        Assert.IsType<CosmosReferenceDataSource>(provider.GetRequiredService<IReferenceDataSource>());
        Assert.Equal(TimeSpan.FromMinutes(5), provider.GetRequiredService<ReferenceDataCacheOptions>().Expiry);
    }

    [Fact]
    public void InAzure_TheAccountEndpointWithTheManagedIdentityIsEnough()
    {
        using var provider = Build(new()
        {
            ["CosmosConnection__accountEndpoint"] = "https://cosmos-backoffice.documents.azure.com:443/",
            ["CosmosConnection:clientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.NotNull(provider.GetRequiredService<CaptureHandler>());
    }

    [Fact]
    public void TheCacheExpiry_ComesFromSettings()
    {
        using var provider = Build(new() { ["CosmosConnection"] = StandInConnection, ["ReferenceDataCache:Expiry"] = "00:01:30" });

        Assert.Equal(TimeSpan.FromSeconds(90), provider.GetRequiredService<ReferenceDataCacheOptions>().Expiry);
    }

    [Fact]
    public void AReferenceDataSourceRegisteredFirst_Wins()
    {
        var sample = new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded());
        using var provider = Build(new() { ["CosmosConnection"] = StandInConnection }, s => s.AddSingleton<IReferenceDataSource>(sample));

        Assert.Same(sample, provider.GetRequiredService<IReferenceDataSource>());
        Assert.NotNull(provider.GetRequiredService<CaptureHandler>());
    }

    [Fact]
    public void AMalformedExpiry_SaysWhichSettingIsWrong()
    {
        using var provider = Build(new() { ["CosmosConnection"] = StandInConnection, ["ReferenceDataCache:Expiry"] = "five minutes" });

        var error = Assert.Throws<FormatException>(() => provider.GetRequiredService<ReferenceDataCacheOptions>());

        Assert.Contains("ReferenceDataCache__Expiry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTradeDateAgeLimit_ComesFromSettings_DefaultingToContractV1s()
    {
        using var configured = Build(new() { ["CosmosConnection"] = StandInConnection, ["Capture:MaximumTradeDateAgeDays"] = "45" });
        using var defaulted = Build(new() { ["CosmosConnection"] = StandInConnection });

        Assert.Equal(45, configured.GetRequiredService<CapturePolicy>().MaximumTradeDateAgeDays);
        Assert.Equal(CapturePolicy.Default, defaulted.GetRequiredService<CapturePolicy>());
    }
}
