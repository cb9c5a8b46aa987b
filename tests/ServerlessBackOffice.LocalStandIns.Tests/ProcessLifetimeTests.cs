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
        var standIns = await LocalStandIns.StartAsync(new LocalStandInsOptions { BlobImplementation = BlobImplementation.Azurite }, logger: null, ct);
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

    [Fact]
    public async Task Azurite_AsStarted_CollectsExtentsOnceADayNotEveryTenMinutes()
    {
        // AzuriteProcess starts Azurite through azurite-blob.mjs, which stretches the extent collector's interval: each pass
        // blocks Azurite for minutes once the day's archive holds 100,000 blobs. Azurite's debug log says how long it sleeps.
        var root = RepositoryLayout.FindRoot();
        var debugLog = Path.Combine(Path.GetTempPath(), $"azurite-debug-{Guid.NewGuid():N}.log");
        var (azurite, _) = await NodeProcess.StartAsync(
            "Azurite",
            [
                Path.Combine(RepositoryLayout.CosmosStandIn(root), "run-with-parent.mjs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                Path.Combine(RepositoryLayout.CosmosStandIn(root), "azurite-blob.mjs"),
                Path.Combine(RepositoryLayout.NodeModules(root), "azurite", "dist", "src", "blob", "main.js"),
                "--blobHost", "127.0.0.1", "--blobPort", "0",
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--debug", debugLog,
            ],
            new System.Text.RegularExpressions.Regex("successfully listens on"),
            NodeProcess.StartTimeout,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
            ct);
        try
        {
            var sleep = string.Empty;
            for (var look = 0; look < 300 && sleep.Length == 0; look++)
            {
                await Task.Delay(100, ct);
                sleep = File.Exists(debugLog)
                    ? (await File.ReadAllLinesAsync(debugLog, ct)).FirstOrDefault(l => l.Contains("markSweepLoop() Sleep for", StringComparison.Ordinal)) ?? string.Empty
                    : string.Empty;
            }

            Assert.Contains("Sleep for 86400000ms", sleep, StringComparison.Ordinal);
        }
        finally
        {
            await azurite.DisposeAsync();
            File.Delete(debugLog);
        }
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
