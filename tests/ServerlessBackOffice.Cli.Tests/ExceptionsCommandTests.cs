using System.CommandLine;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>`backoffice exceptions`: its subcommands and what it says without connections.</summary>
public sealed class ExceptionsCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Help_ListsListShowRepairsProposeApproveReject()
    {
        var (exitCode, output, _) = await RunAsync("exceptions", "--help");

        Assert.Equal(0, exitCode);
        foreach (var name in new[] { "list", "show", "repairs", "propose", "approve", "reject" })
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task List_WithoutConnections_SaysWhichToGive()
    {
        var (exitCode, _, error) = await RunAsync("exceptions", "list", "--cosmos", " ", "--service-bus", " ", "--storage", " ");

        Assert.Equal(2, exitCode);
        Assert.Contains("backoffice emulators", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Propose_NeedsAKindAndAReason()
    {
        var (exitCode, _, error) = await RunAsync("exceptions", "propose", "dlq:oms-trades:1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--kind", error, StringComparison.Ordinal);
    }
}
