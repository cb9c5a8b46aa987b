using System.CommandLine;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>`backoffice load-reference-data` checks a set from its files and loads it into Cosmos, once.</summary>
public sealed class LoadReferenceDataCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sbo-refdata-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void WriteSampleFiles()
    {
        foreach (var name in ReferenceDataJson.FileNames)
        {
            using var resource = typeof(ReferenceDataJson).Assembly.GetManifestResourceStream("ReferenceData." + name)!;
            using var file = File.Create(Path.Combine(_folder, name));
            resource.CopyTo(file);
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create().Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task LoadReferenceData_LoadsTheFolderOnce_AndTheFunctionsSourceServesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false, ServiceBus = false }, NullLogger.Instance, ct);
        var database = $"refdata-{Guid.NewGuid():N}";
        using var client = new CosmosClient(standIns.CosmosConnectionString, CosmosSerialization.Apply(LocalCosmos.ClientOptions(standIns.CosmosConnectionString)));
        await StandInProvisioning.ProvisionCosmosAsync(client, TopologyDocument.Default, database, ct);
        WriteSampleFiles();

        var first = await RunAsync("load-reference-data", "--file", _folder, "--cosmos", standIns.CosmosConnectionString, "--database", database);
        var again = await RunAsync("reference", "load", "--file", Path.Combine(_folder, "securities.json"), "--cosmos", standIns.CosmosConnectionString, "--database", database);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("in force from the start", first.Output, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("nothing written", again.Output, StringComparison.Ordinal);
        var source = new CosmosReferenceDataSource(
            client.GetContainer(database, Entities.Containers.ReferenceData.Name), TimeProvider.System, new ReferenceDataCacheOptions(), NullLogger<CosmosReferenceDataSource>.Instance);
        var set = await source.GetCurrentAsync(ct);
        Assert.Equal(ReferenceDataJson.LoadEmbedded().Securities.Count, set.Securities.Count);
        Assert.Contains(source.CurrentVersion!, first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadReferenceData_WhenAFileIsMissing_SaysWhichAndLoadsNothing()
    {
        WriteSampleFiles();
        File.Delete(Path.Combine(_folder, "fees.json"));

        var (exitCode, _, error) = await RunAsync("load-reference-data", "--file", _folder, "--cosmos", "AccountEndpoint=http://127.0.0.1:9/;AccountKey=a2V5;");

        Assert.Equal(1, exitCode);
        Assert.Contains("fees.json is missing", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadReferenceData_WithoutACosmosConnection_SaysWhatIsMissing()
    {
        if (Environment.GetEnvironmentVariable(BackOfficeServices.CosmosConnectionSetting) is not null)
        {
            Assert.Skip("CosmosConnection is set in this environment.");
        }

        var (exitCode, _, error) = await RunAsync("load-reference-data");

        Assert.Equal(2, exitCode);
        Assert.Contains("--cosmos", error, StringComparison.Ordinal);
    }
}
