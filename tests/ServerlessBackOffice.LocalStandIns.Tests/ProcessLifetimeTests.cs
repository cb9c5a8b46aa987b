using System.Diagnostics;
using System.Globalization;
using ServerlessBackOffice.LocalStandIns;

namespace ServerlessBackOffice.LocalStandIns.Tests;

/// <summary>No stand-in outlives its owner: disposing stops every child, and a dead parent takes its child down.</summary>
public sealed class ProcessLifetimeTests
{
    private readonly CancellationToken ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dispose_StopsEveryChildProcess()
    {
        var standIns = await LocalStandIns.StartAsync(new LocalStandInsOptions(), logger: null, ct);
        var pids = standIns.ProcessIds;
        Assert.Equal(2, pids.Count);
        Assert.All(pids, pid => Assert.True(IsRunning(pid), $"process {pid} should run before dispose"));

        await standIns.DisposeAsync();

        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"process {pid} is still running after dispose"));
    }

    [Fact]
    public async Task Start_PassesThisProcessIdToEveryChildToWatch()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Reads the children's command lines from /proc.");
        await using var standIns = await LocalStandIns.StartAsync(new LocalStandInsOptions { ServiceBus = false }, logger: null, ct);
        var ours = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        foreach (var pid in standIns.ProcessIds)
        {
            var arguments = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline", ct)).Split('\0');
            Assert.Contains(ours, arguments);
        }
    }

    [Fact]
    public async Task CosmosStandIn_WhenItsParentIsKilled_Exits()
    {
        var root = RepositoryLayout.FindRoot();
        await AssertChildDiesWithParentAsync(parentPid =>
        [
            Path.Combine(RepositoryLayout.CosmosStandIn(root), "server.mjs"), "--port", "0", "--parent-pid", parentPid,
        ]);
    }

    [Fact]
    public async Task Azurite_WhenItsParentIsKilled_Exits()
    {
        var root = RepositoryLayout.FindRoot();
        await AssertChildDiesWithParentAsync(parentPid =>
        [
            Path.Combine(RepositoryLayout.CosmosStandIn(root), "run-with-parent.mjs"), parentPid,
            Path.Combine(RepositoryLayout.NodeModules(root), "azurite", "dist", "src", "blob", "main.js"),
            "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
        ]);
    }

    private async Task AssertChildDiesWithParentAsync(Func<string, string[]> childArguments)
    {
        // A stand-in parent (a sleeping process) that the test can kill, as a cancelled test host would die.
        using var parent = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        var child = Process.Start(new ProcessStartInfo("node", childArguments(parent.Id.ToString(CultureInfo.InvariantCulture)))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
            Assert.False(child.HasExited, "the child should run while its parent lives");

            parent.Kill();
            await parent.WaitForExitAsync(ct);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(60)); // it notices within a second or two; more on a loaded machine
            await child.WaitForExitAsync(deadline.Token);

            Assert.True(child.HasExited);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }

            child.Dispose();
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
