using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Azure.EndOfDay;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Functions.EndOfDay;
using ServerlessBackOffice.Functions.Tests.Auditing;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Functions.Tests.EndOfDay;

/// <summary>The on-demand end of day: only the Operations role runs it; AddEndOfDayStage wires the handler and the report sinks.</summary>
public sealed class EndOfDayFunctionsTests : IDisposable
{
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private readonly InMemoryArchiveStore _archive = new();

    public void Dispose() => _key.Dispose();

    private static ReferenceDataSet OneBook() => new([], [], [], [new Book("PAR-CASH", "Paris", "Europe/Paris", "EUR")], [], [], [], [], [], []);

    private EndOfDayFunctions Functions()
    {
        var referenceData = new Mock<IReferenceDataSource>(MockBehavior.Strict);
        referenceData.Setup(r => r.GetCurrentAsync(It.IsAny<CancellationToken>())).ReturnsAsync(OneBook());
        var options = new EndOfDayOptions();
        var handler = new EndOfDayHandler(_archive, new ArchiveDaySealer(_archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [],
            referenceData.Object, options, NullLogger<EndOfDayHandler>.Instance);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 20, 0, 0, TimeSpan.Zero));
        return new EndOfDayFunctions(new EndOfDayScheduler(handler, referenceData.Object, _archive, options, clock), NullLogger<EndOfDayFunctions>.Instance);
    }

    private static HttpRequest Request(string? principal)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        if (principal is not null)
        {
            context.Request.Headers[ClientPrincipal.HeaderName] = principal;
        }

        return context.Request;
    }

    [Fact]
    public async Task RunOnDemand_WithoutAPrincipal_Is401AndRunsNothing()
    {
        var result = Assert.IsType<ObjectResult>(await Functions().RunOnDemandAsync(Request(null), "2026-11-24", TestContext.Current.CancellationToken));

        Assert.Equal(401, result.StatusCode);
        Assert.Null(await _archive.ReadSealAsync(new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunOnDemand_WithoutTheOperationsRole_Is403AndRunsNothing()
    {
        var result = Assert.IsType<ObjectResult>(await Functions().RunOnDemandAsync(Request(Principals.Header("auditor@example.com", "Auditor")), "2026-11-24", TestContext.Current.CancellationToken));

        Assert.Equal(403, result.StatusCode);
        Assert.Null(await _archive.ReadSealAsync(new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunOnDemand_ByOperations_ClosesTheBookAndSealsTheDay()
    {
        var result = Assert.IsType<OkObjectResult>(await Functions().RunOnDemandAsync(Request(Principals.Header("ops@example.com", EndOfDayFunctions.OperationsRole)), "2026-11-24", TestContext.Current.CancellationToken));

        Assert.NotNull(result.Value);
        Assert.NotNull(await _archive.ReadSealAsync(new DateOnly(2026, 11, 24), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunOnDemand_WithABadDate_Is400()
    {
        var result = await Functions().RunOnDemandAsync(Request(Principals.Header("ops@example.com", EndOfDayFunctions.OperationsRole)), "24/11/2026", TestContext.Current.CancellationToken);

        Assert.IsType<BadRequestObjectResult>(result);
    }

    [Fact]
    public void AddEndOfDayStage_ReadsCloseTimesAndRegistersTheBlobAndFolderSinks()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ArchiveStorage:connectionString"] = "UseDevelopmentStorage=true",
            ["EndOfDay:FirmLei"] = "5493001KJTIIGC8Y1R12",
            ["EndOfDay:DefaultCloseTime"] = "18:00",
            ["EndOfDay:BookCloseTimes:NY-CASH"] = "17:15",
            ["EndOfDay:ReportsFolder"] = Path.GetTempPath(),
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IArchiveStore>(_archive);
        services.AddSingleton<IArchiveSigningKeyProvider>(new FixedSigningKeyProvider(_key));
        services.AddSingleton<ArchiveDaySealer>();
        services.AddSingleton(Mock.Of<IReferenceDataSource>());
        services.AddSingleton(TimeProvider.System);

        services.AddEndOfDayStage(configuration);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var options = provider.GetRequiredService<EndOfDayOptions>();
        Assert.Equal("5493001KJTIIGC8Y1R12", options.FirmLei);
        Assert.Equal(new TimeOnly(17, 15), options.CloseTimeOf("NY-CASH"));
        Assert.Equal(new TimeOnly(18, 0), options.CloseTimeOf("PAR-CASH"));
        Assert.Equal([typeof(BlobReportSink), typeof(FolderReportSink)], provider.GetServices<IReportSink>().Select(s => s.GetType()));
        Assert.NotNull(ActivatorUtilities.CreateInstance<EndOfDayFunctions>(provider));
    }

    [Fact]
    public void AddEndOfDayStage_WithAMalformedCloseTime_FailsNamingTheSetting()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["BookCloseTimes:NY-CASH"] = "5pm" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => EndOfDayServiceCollectionExtensions.Options(section));

        Assert.Contains("EndOfDay:BookCloseTimes:NY-CASH", error.Message, StringComparison.Ordinal);
    }
}
