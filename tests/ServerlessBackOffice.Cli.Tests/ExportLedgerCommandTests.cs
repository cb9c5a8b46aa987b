using System.CommandLine;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Ledger;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>`backoffice export-ledger` reads the book's entries from Cosmos and writes the journal hledger reads.</summary>
public sealed class ExportLedgerCommandTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"sbo-export-{Guid.NewGuid():N}.journal");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task ExportLedger_WritesEveryEntryOfTheBookUpToTheDate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions { Blob = false, ServiceBus = false }, NullLogger.Instance, ct);
        var database = $"export-{Guid.NewGuid():N}";
        using var client = new CosmosClient(standIns.CosmosConnectionString, CosmosSerialization.Apply(LocalCosmos.ClientOptions(standIns.CosmosConnectionString)));
        await StandInProvisioning.ProvisionCosmosAsync(client, TopologyDocument.Default, database, ct);
        var handler = new LedgerPostingHandler(new CosmosLedgerStore(client.GetContainer(database, Entities.Containers.Ledger.Name)), NullLogger<LedgerPostingHandler>.Instance);
        var day = new DateOnly(2026, 11, 24);
        foreach (var i in Enumerable.Range(1, 5))
        {
            await handler.HandleAsync(new PostTradeVersion(new LedgerTrade($"T-{i}", 1, "US-EQ", "ACC-001", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
                "US0378331005", PostingSide.Buy, 10m * i, "USD", 2, 2_301.00m * i, 1.15m, 0.02m, 0m, i == 5 ? day.AddDays(1) : day, day.AddDays(1))), ct);
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create()
            .Parse(["export-ledger", "--book", "US-EQ", "--date", "2026-11-24", "--cosmos", standIns.CosmosConnectionString, "--database", database, "--out", _file])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);

        Assert.True(exitCode == 0, error.ToString());
        Assert.Contains("4 entries", output.ToString(), StringComparison.Ordinal);
        var journal = await File.ReadAllTextAsync(_file, ct);
        Assert.Equal(4, journal.Split('\n').Count(l => l.StartsWith("2026-11-24 * ", StringComparison.Ordinal)));
        Assert.Contains("journal:T-1:v1:trade-date", journal, StringComparison.Ordinal);
        Assert.DoesNotContain("T-5", journal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportLedger_WithoutACosmosConnection_SaysWhatIsMissing()
    {
        if (Environment.GetEnvironmentVariable(BackOfficeServices.CosmosConnectionSetting) is not null)
        {
            Assert.Skip("CosmosConnection is set in this environment.");
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create()
            .Parse(["export-ledger", "--book", "US-EQ", "--date", "2026-11-24", "--out", _file])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("--cosmos", error.ToString(), StringComparison.Ordinal);
    }
}
