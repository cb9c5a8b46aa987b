using System.Diagnostics;
using System.Globalization;
using System.Text;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>
/// Measurements too large for BenchmarkDotNet's repetitions (issue 7), run by scripts/ledger-vs-hledger.sh:
/// <list type="bullet">
/// <item><c>ledger-scale trial-balance --entries 1000000</c>: the trial balance of a day of that many trade-date entries,
/// held in memory, timed with a stopwatch over 5 runs after a warm-up (median and each run printed).</item>
/// <item><c>ledger-scale prepare --entries 100000 --out DIR</c>: writes the same day as <c>DIR/journal.ledger</c> (the hledger
/// export, <see cref="HledgerJournal"/>) and <c>DIR/entries.jsonl</c> (one archived journal-entry record per line).</item>
/// <item><c>ledger-scale balance DIR/entries.jsonl</c>: reads the records, computes the trial balance, prints
/// <c>account,balance</c> lines (non-zero, ordinal order) — the side run under <c>/usr/bin/time</c> beside hledger.</item>
/// <item><c>ledger-scale compare OURS HLEDGER_CSV</c>: exit 0 when hledger's <c>balance --flat -O csv</c> has the same numbers.</item>
/// </list>
/// </summary>
public static class LedgerScale
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    public static int Run(string[] args)
    {
        var mode = args.Length > 1 ? args[1] : string.Empty;
        var entries = Option(args, "--entries") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        switch (mode)
        {
            case "trial-balance":
                return TrialBalanceOfADay(entries);
            case "prepare":
                return Prepare(entries, Option(args, "--out") ?? "out/ledger-scale");
            case "balance" when args.Length > 2:
                return Balance(args[2]);
            case "compare" when args.Length > 3:
                return Compare(args[2], args[3]);
            default:
                Console.Error.WriteLine("usage: ledger-scale trial-balance|prepare|balance|compare (see scripts/ledger-vs-hledger.sh)");
                return 2;
        }
    }

    /// <summary>The day's trade-date entries: one per trade, 50 accounts, 200 instruments, 6 lines each (the benchmark's day).</summary>
    public static IEnumerable<JournalEntry> TradeDateEntries(int count)
    {
        var random = new Random(1);
        for (var t = 0; t < count; t++)
        {
            var quantity = random.Next(1, 5_000);
            yield return PostingRules.TradeDate(new LedgerTrade($"T-{t}", 1, "US-EQ", $"ACC-{random.Next(1, 50):D3}", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
                $"US{random.Next(0, 200):D10}", random.Next(2) == 0 ? PostingSide.Buy : PostingSide.Sell, quantity, "USD", 2,
                quantity * 123.45m, 12.34m, 0.56m, 0m, Day, Day.AddDays(1)));
        }
    }

    private static int TrialBalanceOfADay(int count)
    {
        var entries = TradeDateEntries(count).ToArray();
        var lines = entries.Sum(e => e.Lines.Count);
        TrialBalance.From("US-EQ", Day, entries);
        var times = new List<double>();
        long allocated = 0;
        TrialBalance? result = null;
        for (var run = 0; run < 5; run++)
        {
            GC.Collect();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            result = TrialBalance.From("US-EQ", Day, entries);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trial balance of {count:N0} entries ({lines:N0} lines, {result!.Lines.Count:N0} accounts, balances: {result.Balances}): median {times[2]:F0} ms; runs {string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms; allocated {allocated / 1_048_576.0:F1} MiB per run; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1_048_576.0:F0} MiB"));
        return 0;
    }

    private static int Prepare(int count, string folder)
    {
        Directory.CreateDirectory(folder);
        var entries = TradeDateEntries(count).ToList();
        using (var journal = new StreamWriter(Path.Combine(folder, "journal.ledger"), false, new UTF8Encoding(false), 1 << 16))
        {
            HledgerJournal.Write(journal, entries);
        }

        using (var records = new FileStream(Path.Combine(folder, "entries.jsonl"), FileMode.Create))
        {
            foreach (var entry in entries)
            {
                var json = JournalEntryJson.Serialize(entry);
                if (json.Contains((byte)'\n'))
                {
                    throw new InvalidOperationException("A journal-entry record spans lines; entries.jsonl needs one per line.");
                }

                records.Write(json);
                records.WriteByte((byte)'\n');
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {count:N0} entries ({entries.Sum(e => e.Lines.Count):N0} lines) to {folder}"));
        return 0;
    }

    private static int Balance(string path)
    {
        var entries = new List<JournalEntry>();
        foreach (var line in File.ReadLines(path))
        {
            if (!JournalEntryJson.TryDeserialize(Encoding.UTF8.GetBytes(line), out var entry, out var problem))
            {
                Console.Error.WriteLine(problem);
                return 1;
            }

            entries.Add(entry!);
        }

        var balance = TrialBalance.From("US-EQ", Day, entries);
        var output = new StringBuilder();
        foreach (var line in balance.Lines.OrderBy(l => l.Account.ToString(), StringComparer.Ordinal))
        {
            output.Append(line.Account.ToString()).Append(',').Append(line.Balance.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        Console.Out.Write(output.ToString());
        return 0;
    }

    private static int Compare(string oursPath, string theirsPath)
    {
        var ours = File.ReadAllLines(oursPath).Where(l => l.Length > 0)
            .ToDictionary(l => l[..l.LastIndexOf(',')], l => decimal.Parse(l[(l.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var theirs = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(theirsPath).Skip(1).Where(l => l.Length > 0))
        {
            // "account","amount COMMODITY"
            var split = line.IndexOf("\",\"", StringComparison.Ordinal);
            var amount = line[(split + 3)..].Split(' ')[0];
            theirs[line[1..split]] = decimal.Parse(amount, NumberStyles.Number, CultureInfo.InvariantCulture);
        }

        var differences = ours.Keys.Union(theirs.Keys).Where(k => ours.GetValueOrDefault(k) != theirs.GetValueOrDefault(k)).Order(StringComparer.Ordinal).ToList();
        foreach (var account in differences.Take(20))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"differs: {account}: ours {ours.GetValueOrDefault(account)}, hledger {theirs.GetValueOrDefault(account)}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ours.Count:N0} accounts ours, {theirs.Count:N0} hledger, {differences.Count} differ"));
        return differences.Count == 0 ? 0 : 1;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
