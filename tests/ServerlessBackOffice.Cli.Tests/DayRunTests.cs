using System.CommandLine;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The main job, small: `backoffice run-day` starts its own stand-ins, runs a simulated day through every wired stage and
/// exits 0 only when every OMS message is accounted for and the books balance; the same seed gives the same files.
/// </summary>
public sealed class DayRunTests
{
    private static async Task<(int ExitCode, string Output)> RunDayAsync(string outFolder, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["run-day", "--date", "2026-11-24", "--seed", "7", "--out", outFolder, .. extra];
        var exitCode = await BackOfficeCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exitCode, output + error.ToString());
    }

    [Fact]
    public async Task RunDay_SameSeedTwice_AccountsForEveryMessageAndWritesIdenticalFiles()
    {
        var root = Directory.CreateTempSubdirectory("day-run-");
        try
        {
            var first = await RunDayAsync(Path.Combine(root.FullName, "a"), "--trades", "60");
            var second = await RunDayAsync(Path.Combine(root.FullName, "b"), "--trades", "60");

            Assert.True(first.ExitCode == 0, first.Output);
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Contains("Every message accounted for", first.Output, StringComparison.Ordinal);
            var a = Path.Combine(root.FullName, "a", "2026-11-24");
            var b = Path.Combine(root.FullName, "b", "2026-11-24");
            var summary = File.ReadAllText(Path.Combine(a, "summary.txt"));
            Assert.Contains("accounted: yes", summary, StringComparison.Ordinal);
            Assert.Contains("result: OK", summary, StringComparison.Ordinal);
            Assert.Matches("rejected: [1-9]", summary); // the simulated OMS sends a few invalid messages on purpose
            Assert.Matches("open exceptions RejectedOmsMessage [^:]+: [1-9]", summary); // and they stay open for a person
            Assert.Contains("Open exceptions: ", first.Output, StringComparison.Ordinal);

            // The in-memory load run (backoffice load-day) drives the same functions with in-memory adapters: for the same
            // seed it must reach the same outcomes and the same ledger as the day on the stand-ins.
            var load = await new ServerlessBackOffice.Cli.LoadRun.InMemoryDayRun(new(new DateOnly(2026, 11, 24), Seed: 7, Trades: 60)).RunAsync(null, TestContext.Current.CancellationToken);
            Assert.True(load.Passed, load.Render());
            foreach (var outcome in new[] { "accepted", "duplicate", "stale", "rejected" })
            {
                Assert.Contains($"{outcome}: {load.Outcomes.GetValueOrDefault(outcome)}\n", summary.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            }

            var ledgerEntries = System.Text.RegularExpressions.Regex.Matches(summary, @"^book [^:]+: (\d+) entries", System.Text.RegularExpressions.RegexOptions.Multiline).Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(ledgerEntries, load.LedgerEntries);

            var files = Directory.GetFiles(a, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(a, f))
                .Where(f => !f.StartsWith("logs", StringComparison.Ordinal) && !f.StartsWith("archive-bundles", StringComparison.Ordinal))
                .Where(f => !f.EndsWith(".zip", StringComparison.Ordinal)) // the end of day's bundle: compared by manifest below
                .Order(StringComparer.Ordinal)
                .ToList();
            Assert.Contains(Path.Combine("journals", "NY-CASH.journal"), files);
            Assert.Contains(Path.Combine("reports", "NY-CASH.blotter.csv"), files);
            Assert.Contains(Path.Combine("reports", "NY-CASH.dashboard.html"), files);
            Assert.Contains("end of day 2026-11-24: ", summary, StringComparison.Ordinal);
            Assert.Equal(Manifest(Path.Combine(a, "reports", "archive-bundle.zip")), Manifest(Path.Combine(b, "reports", "archive-bundle.zip")));
            foreach (var file in files)
            {
                Assert.True(File.ReadAllBytes(Path.Combine(a, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, file))), $"{file} differs between two runs of the same seed");
            }

            // The archive's content is the same too: every record and the chain over them (the manifest). Only the ECDSA
            // signature differs, because ECDSA signing is randomised.
            Assert.Contains("intact: yes", summary, StringComparison.Ordinal);
            var bundles = Directory.GetFiles(Path.Combine(a, "archive-bundles"), "*.zip").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(bundles);
            foreach (var bundle in bundles)
            {
                Assert.Equal(Manifest(Path.Combine(a, "archive-bundles", bundle!)), Manifest(Path.Combine(b, "archive-bundles", bundle!)));
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunDay_WithAnInputFile_AnswersEveryLineAndToleratesRejections()
    {
        var root = Directory.CreateTempSubdirectory("day-run-input-");
        try
        {
            var input = Path.Combine(root.FullName, "input.ndjson");
            var valid = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "contracts", "samples", "oms-trade-v1", "valid", "us-equity-buy.json"));
            var compact = System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(valid).RootElement);
            File.WriteAllLines(input,
            [
                compact,
                "{\"messageId\":\"ENV-1\",\"correlationId\":\"c-1\",\"applicationProperties\":{\"source\":\"test\"},\"body\":" + compact.Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal).Replace("\"action\":\"new\"", "\"action\":\"amend\"", StringComparison.Ordinal) + "}",
                "{\"messageId\":\"ENV-2\",\"bodyBase64\":\"" + Convert.ToBase64String([0xFF, 0x00, 0x41]) + "\"}",
                "this is not json",
            ]);

            var (exitCode, output) = await RunDayAsync(Path.Combine(root.FullName, "out"), "--input", input);

            Assert.True(exitCode == 0, output);
            var summary = File.ReadAllText(Path.Combine(root.FullName, "out", "2026-11-24", "summary.txt"));
            Assert.Contains("published: 4", summary, StringComparison.Ordinal);
            Assert.Contains("accounted: yes", summary, StringComparison.Ordinal);
            Assert.Contains("rejected: 2", summary, StringComparison.Ordinal);
            Assert.Matches("open exceptions RejectedOmsMessage [^:]+: 2", summary);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string Manifest(string bundle)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(bundle);
        using var reader = new StreamReader(zip.GetEntry("manifest.json")!.Open());
        return reader.ReadToEnd();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessBackOffice.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
    }
}
