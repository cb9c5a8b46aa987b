using System.Diagnostics;
using System.Globalization;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The ledger export is read by hledger, a tool we did not write, and hledger's balances equal ours. Runs when hledger
/// is on PATH (Debian package `hledger`) and says it skipped otherwise; ./test.sh does not need it.
/// </summary>
public sealed class HledgerCrossCheckTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"sbo-ledger-{Guid.NewGuid():N}.journal");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task HledgerBalances_EqualTheLedgersBalances()
    {
        var hledger = FindOnPath("hledger");
        Assert.SkipWhen(hledger is null, "hledger is not on PATH (apt-get install hledger); the cross-check did not run.");

        var journal = SampleJournal(trades: 300, seed: 11);
        await using (var writer = new StreamWriter(_file))
        {
            HledgerJournal.Write(writer, journal.Entries);
        }

        var output = await RunAsync(hledger!, "-f", _file, "balance", "--flat", "--no-total", "-O", "csv");
        var theirs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var account = line[1..line.IndexOf("\",\"", StringComparison.Ordinal)];
            var amount = line[(line.IndexOf("\",\"", StringComparison.Ordinal) + 3)..].Split(' ')[0];
            theirs[account] = decimal.Parse(amount, NumberStyles.Number, CultureInfo.InvariantCulture);
        }

        var ours = journal.Balances.Where(b => b.Value != 0m).ToDictionary(b => b.Key.ToString(), b => b.Value, StringComparer.Ordinal);
        Assert.Equal(ours.OrderBy(b => b.Key, StringComparer.Ordinal), theirs.OrderBy(b => b.Key, StringComparer.Ordinal));
    }

    internal static Journal SampleJournal(int trades, int seed)
    {
        var random = new Random(seed);
        var journal = new Journal();
        var day = new DateOnly(2026, 11, 24);
        for (var t = 0; t < trades; t++)
        {
            var quantity = random.Next(1, 5_000);
            var trade = new LedgerTrade($"T-{t}", 1, "US-EQ", $"ACC-{random.Next(1, 20):D3}", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
                random.Next(2) == 0 ? "US0378331005" : "US5949181045", random.Next(2) == 0 ? PostingSide.Buy : PostingSide.Sell,
                quantity, "USD", 2, quantity * (random.Next(1_000, 50_000) / 100m), random.Next(0, 5_000) / 100m, random.Next(0, 300) / 100m, 0m, day, day.AddDays(1));
            journal.PostTrade(trade);
            if (random.Next(3) > 0)
            {
                journal.PostSettlement(new LedgerSettlement($"S-{t}", trade.TradeId, 1, day.AddDays(1), random.Next(1, quantity + 1)));
            }
        }

        return journal;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"hledger failed: {error}");
        return output;
    }
}
