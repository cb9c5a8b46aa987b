using BenchmarkDotNet.Attributes;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>In-memory posting (target ≥ 1,000,000 journal lines/s on one core) and the trial balance of a large day.</summary>
[MemoryDiagnoser]
public class LedgerBenchmarks
{
    private LedgerTrade[] _trades = [];
    private JournalEntry[] _entries = [];

    [Params(100_000)]
    public int Trades { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var day = new DateOnly(2026, 11, 24);
        _trades = Enumerable.Range(0, Trades).Select(t =>
        {
            var quantity = random.Next(1, 5_000);
            return new LedgerTrade($"T-{t}", 1, "US-EQ", $"ACC-{random.Next(1, 50):D3}", "W22LROWP2IHZNBB6K528", "HPFHU0OQ28E4N0NFVK49",
                $"US{random.Next(0, 200):D10}", random.Next(2) == 0 ? PostingSide.Buy : PostingSide.Sell, quantity, "USD", 2,
                quantity * 123.45m, 12.34m, 0.56m, 0m, day, day.AddDays(1));
        }).ToArray();
        _entries = _trades.Select(PostingRules.TradeDate).ToArray();
    }

    /// <summary>Posting every trade's trade-date entry into a journal; lines per second = lines / time.</summary>
    [Benchmark]
    public int PostTradeDateEntries()
    {
        var journal = new Journal();
        foreach (var trade in _trades)
        {
            journal.PostTrade(trade);
        }

        return journal.Entries.Count;
    }

    /// <summary>The journal lines the posting benchmark posts (for the lines/s figure).</summary>
    public int Lines => _entries.Sum(e => e.Lines.Count);

    [Benchmark]
    public int TrialBalanceOfTheDay() => TrialBalance.From("US-EQ", new DateOnly(2026, 11, 24), _entries).Lines.Count;
}
