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

    [Fact]
    public async Task RunDay_TradesOfOneSurveillanceWindowInOnePhase_AreEvaluatedInTheOmsOrder()
    {
        // Twelve buys of one account and a sell of another account of the same beneficial owner, all in one instrument and
        // one phase: without the phase's waves they would be evaluated concurrently, in arrival order, and the positions the
        // alerts state and the trade a wash-trade pair is attributed to would change from run to run.
        var root = Directory.CreateTempSubdirectory("day-run-window-");
        try
        {
            var input = Path.Combine(root.FullName, "input.ndjson");
            var lines = Enumerable.Range(1, 12).Select(k => OmsTrade($"W-BUY-{k:00}", "ACC-US-001", "buy", "100000", "187.25", new TimeOnly(15, 30 + k)))
                .Append(OmsTrade("W-SELL-01", "ACC-US-002", "sell", "100000", "187.30", new TimeOnly(15, 50)));
            File.WriteAllLines(input, lines);

            var (exitCode, output) = await RunDayAsync(Path.Combine(root.FullName, "out"), "--input", input);

            Assert.True(exitCode == 0, output);
            var alerts = File.ReadAllLines(Path.Combine(root.FullName, "out", "2026-11-24", "reports", "NY-CASH.compliance-alerts.csv")).Skip(1)
                .Select(l => l.Split(',', 5)).ToList();
            var positions = alerts.Where(a => a[1] == "PositionLimit").Select(a => (a[3], a[4])).Order().ToList();
            Assert.Equal(Enumerable.Range(3, 10).Select(k => ($"W-BUY-{k:00}", $"\"ACC-US-001 holds {k * 100_000} of US0378331005, over its limit of 250000.\"")).Order().ToList(), positions);

            // The sell comes last in the file: every buy executed within 30 minutes of it pairs with it, and each pair is
            // raised by the sell's evaluation, the second of the two.
            var washes = alerts.Where(a => a[1] == "WashTrade").Select(a => a[3]).ToList();
            Assert.Equal(12, washes.Count);
            Assert.All(washes, trade => Assert.Equal("W-SELL-01", trade));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string OmsTrade(string tradeId, string account, string side, string quantity, string price, TimeOnly executedAt) =>
        $$"""{"schemaVersion":"1","tradeId":"{{tradeId}}","version":1,"action":"new","executionTimestamp":"2026-11-24T{{executedAt:HH\:mm}}:00.000Z","tradeDate":"2026-11-24","account":"{{account}}","side":"{{side}}","isin":"US0378331005","mic":"XNAS","quantity":"{{quantity}}","price":"{{price}}","priceType":"perUnit","currency":"USD","counterpartyLei":"W22LROWP2IHZNBB6K528","correlationId":"C-{{tradeId}}"}""";

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
