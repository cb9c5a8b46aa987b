using System.CommandLine;
using System.IO.Compression;
using ServerlessBackOffice.Cli.Chaos;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// Issue 12's chaos run, small: a day with crashes, Cosmos DB 429/503/timeouts, Service Bus transient errors, lock loss,
/// duplicate deliveries and reordering injected ends in exactly the state of the clean run of the same seed — trades,
/// ledger, positions, reports and archive, byte for byte — with nothing dead-lettered by chaos.
/// </summary>
public sealed class ChaosDayRunTests
{
    private const string Date = "2026-11-24";

    private static async Task<(int ExitCode, string Output)> RunDayAsync(string outFolder, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["run-day", "--date", Date, "--seed", "11", "--trades", "40", "--out", outFolder, .. extra];
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output + error.ToString());
    }

    [Fact]
    public async Task RunDay_WithChaos_EndsInTheCleanRunsStateByteForByte()
    {
        var root = Directory.CreateTempSubdirectory("day-run-chaos-");
        try
        {
            // Side by side, each with its own stand-ins on their own ports (their logs and traces see both runs' spans; they are not compared).
            var runs = await Task.WhenAll(
                RunDayAsync(Path.Combine(root.FullName, "clean")),
                RunDayAsync(Path.Combine(root.FullName, "chaos"), "--chaos", "--chaos-rate", "0.05", "--chaos-rates", "duplicate=0.1,reorder=0.1"));
            var (clean, chaos) = (runs[0], runs[1]);

            Assert.True(clean.ExitCode == 0, clean.Output);
            Assert.True(chaos.ExitCode == 0, chaos.Output);
            var a = Path.Combine(root.FullName, "clean", Date);
            var b = Path.Combine(root.FullName, "chaos", Date);

            // Faults of every kind were injected, and counted in the summary.
            var chaosSummary = File.ReadAllLines(Path.Combine(b, "summary.txt"));
            foreach (var kind in ChaosOptions.Names.Keys)
            {
                Assert.Contains(chaosSummary, line => line.StartsWith($"chaos {kind}", StringComparison.Ordinal) && !line.EndsWith(": 0", StringComparison.Ordinal));
            }

            Assert.Contains("Chaos: faults injected", chaos.Output, StringComparison.Ordinal);

            // The summary says the same (outcomes, dead letters, books, archive records, reports) once the fault counts are set aside.
            Assert.Equal(File.ReadAllLines(Path.Combine(a, "summary.txt")), chaosSummary.Where(line => !line.StartsWith("chaos ", StringComparison.Ordinal)));
            Assert.DoesNotContain(chaosSummary, line => line.StartsWith("dead-lettered", StringComparison.Ordinal));

            var files = Listing(a);
            Assert.Equal(files, Listing(b));
            Assert.Contains(Path.Combine("journals", "NY-CASH.journal"), files);
            foreach (var file in files.Where(f => !f.EndsWith(".zip", StringComparison.Ordinal)))
            {
                Assert.True(File.ReadAllBytes(Path.Combine(a, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, file))), $"{file} differs between the clean and the chaos run");
            }

            // Every archive bundle holds the same records and manifest; only the ECDSA signature differs (randomised signing).
            var bundles = files.Where(f => f.EndsWith(".zip", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(bundles);
            foreach (var bundle in bundles)
            {
                Assert.Equal(Entries(Path.Combine(a, bundle)), Entries(Path.Combine(b, bundle)));
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("crash=2")]
    [InlineData("earthquake=0.1")]
    [InlineData("crash")]
    public async Task RunDay_WithBadChaosRates_IsRefused(string rates)
    {
        var root = Directory.CreateTempSubdirectory("day-run-chaos-bad-");
        try
        {
            var (exitCode, output) = await RunDayAsync(root.FullName, "--chaos", "--chaos-rates", rates);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("--chaos-rates", output, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void ChaosOptions_PerKindRatesOverrideTheCommonRate()
    {
        var options = ChaosOptions.Create(5, 0.02, "crash=0.5, cosmos-throttle=0");

        Assert.Equal(0.5, options.Rate(ChaosFault.Crash));
        Assert.Equal(0, options.Rate(ChaosFault.CosmosThrottle));
        Assert.Equal(0.02, options.Rate(ChaosFault.Reorder));
        Assert.Equal(5, options.Seed);
    }

    // Every file but the logs (timings, thread interleavings) and the summary (compared without its chaos lines).
    private static List<string> Listing(string folder) =>
        [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f))
            .Where(f => !f.StartsWith("logs", StringComparison.Ordinal) && f != "summary.txt")
            .Order(StringComparer.Ordinal)];

    private static List<(string Name, string Sha256)> Entries(string bundle)
    {
        using var zip = ZipFile.OpenRead(bundle);
        return [.. zip.Entries.Where(e => !e.FullName.EndsWith(".sig", StringComparison.Ordinal))
            .Select(e =>
            {
                using var stream = e.Open();
                return (e.FullName, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)));
            })
            .OrderBy(e => e.FullName, StringComparer.Ordinal)];
    }
}
