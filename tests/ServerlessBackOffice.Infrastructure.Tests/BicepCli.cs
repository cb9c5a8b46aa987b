using System.Diagnostics;
using System.Reflection;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>The Bicep CLI restored by the project's PackageDownload of Azure.Bicep.CommandLine.linux-x64.</summary>
internal static class BicepCli
{
    public static string ExecutablePath { get; } = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepExecutable").Value!;

    public static string InfraFolder { get; } = Path.Combine(RepositoryRoot.Path, "infra");

    /// <summary>Runs the CLI and returns its exit code with everything it printed.</summary>
    public static (int ExitCode, string StandardOutput, string StandardError) Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI is not at {ExecutablePath}: restore this test project (its PackageDownload of Azure.Bicep.CommandLine.linux-x64 brings it; Linux x64 only).",
                ExecutablePath);
        }

        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = InfraFolder,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Offline and quiet: no telemetry, no version check, and the environment variables the .bicepparam files read
        // are set only by the test that asks for them.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("BACKOFFICE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 2 minutes.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
