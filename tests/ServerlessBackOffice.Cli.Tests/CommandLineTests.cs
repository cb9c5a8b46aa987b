using System.CommandLine;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>The `backoffice` command's surface: help, subcommands, option validation and output.</summary>
public sealed class CommandLineTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(configuration, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Help_ListsEverySubcommand()
    {
        var (exitCode, output, _) = await RunAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var subcommand in BackOfficeCommand.Create().Subcommands)
        {
            Assert.Contains(subcommand.Name, output, StringComparison.Ordinal);
        }

        Assert.Contains("run-day", output, StringComparison.Ordinal);
        Assert.Contains("topology", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunDay_WhenTradesIsNotPositive_FailsWithAClearMessage()
    {
        var (exitCode, _, error) = await RunAsync("run-day", "--trades", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--trades must be a positive number", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunDay_WhenDateIsNotADate_Fails()
    {
        var (exitCode, _, error) = await RunAsync("run-day", "--date", "yesterday");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("yesterday", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run-day")]
    [InlineData("emulators")]
    public async Task Blob_WhenNeitherStandInNorAzurite_Fails_AndTheHelpNamesBoth(string command)
    {
        var (exitCode, _, error) = await RunAsync(command, "--blob", "cosmos");
        var (_, help, _) = await RunAsync(command, "--help");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("cosmos", error, StringComparison.Ordinal);
        Assert.Contains("--blob", help, StringComparison.Ordinal);
        Assert.Contains("stand-in", help, StringComparison.Ordinal);
        Assert.Contains("azurite", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Blob_DefaultsToTheStandIn_AndAzuriteOnRequest()
    {
        var runDay = BackOfficeCommand.Create().Subcommands.Single(c => c.Name == "run-day");
        var blob = (Option<string>)runDay.Options.Single(o => o.Name == "--blob");

        Assert.Equal("stand-in", runDay.Parse([]).GetValue(blob));
        Assert.Equal(LocalStandIns.BlobImplementation.StandIn, Commands.BlobOption.Parse(runDay.Parse([]).GetValue(blob)));
        Assert.Equal(LocalStandIns.BlobImplementation.Azurite, Commands.BlobOption.Parse(runDay.Parse(["--blob", "azurite"]).GetValue(blob)));
    }

    [Fact]
    public async Task TopologyShow_ListsEveryEntityWithItsAppSetting()
    {
        var (exitCode, output, _) = await RunAsync("topology", "show");

        Assert.Equal(0, exitCode);
        foreach (var (_, name) in TopologyDocument.Default.AllEntityNames())
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }

        Assert.Contains(Entities.OmsTrades.AppSetting, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopologyEmulatorConfig_WritesMicrosoftEmulatorConfigJson()
    {
        var (exitCode, output, _) = await RunAsync("topology", "emulator-config");

        Assert.Equal(0, exitCode);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        var ns = document.RootElement.GetProperty("UserConfig").GetProperty("Namespaces")[0];
        Assert.Equal(TopologyDocument.Default.ServiceBus.Queues.Count, ns.GetProperty("Queues").GetArrayLength());
        Assert.Equal(TopologyDocument.Default.ServiceBus.Topics.Count, ns.GetProperty("Topics").GetArrayLength());
    }

    [Fact]
    public async Task TopologyMermaid_WritesTheDiagramTheReadmeEmbeds()
    {
        var (exitCode, output, _) = await RunAsync("topology", "mermaid");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("flowchart LR", output, StringComparison.Ordinal);
        Assert.Contains(Entities.TradeEvents.Name, output, StringComparison.Ordinal);
    }
}
