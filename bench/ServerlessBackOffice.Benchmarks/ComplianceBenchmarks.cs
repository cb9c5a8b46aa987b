using BenchmarkDotNet.Attributes;
using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Pipeline.Compliance;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>
/// The compliance rules on 100,000 trades (target ≥ 200,000 trades/s on one core): per trade what the compliance handler does
/// in memory — the rules in force, the (beneficial owner, ISIN) window's context with 60 recent closes, every rule of the
/// sample configuration (restricted list, wash trade, position limit, large trade, price reasonability, late booking), and
/// the window updated with the trade and its alerts. Store I/O is not included. 50 accounts (25 owners) × 200 ISINs, so
/// windows grow to about 20 trades in the run; one trade in 200 is on the restricted list and captures follow executions by
/// 1 to 60 s, so alerts are the exception, as in a normal day.
/// </summary>
[MemoryDiagnoser]
public class ComplianceBenchmarks
{
    private const int Trades = 100_000;
    private readonly ComplianceConfiguration _configuration = SampleComplianceConfiguration.Load();
    private SurveillanceTrade[] _trades = [];
    private Dictionary<string, decimal[]> _closes = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        var isins = Enumerable.Range(0, 200).Select(i => i == 0 ? "US17275R1023" : $"US{i:D9}0").ToArray();
        _closes = isins.ToDictionary(i => i, _ => Enumerable.Range(0, 60).Select(_ => 100m + (random.Next(-300, 300) / 100m)).ToArray(), StringComparer.Ordinal);
        var start = new DateTimeOffset(2026, 11, 24, 14, 30, 0, TimeSpan.Zero);
        _trades = Enumerable.Range(0, Trades).Select(i =>
        {
            var account = $"ACC-US-{i % 50:D3}";
            var isin = isins[random.Next(isins.Length)];
            var executed = start.AddMilliseconds(i * 200);
            var price = 100m + (random.Next(-200, 200) / 100m);
            var quantity = random.Next(1, 5_000);
            return new SurveillanceTrade($"T-{i}", 1, "NY-CASH", account, _configuration.OwnerOf($"ACC-US-{i % 25:D3}"), isin, random.Next(2) == 0, quantity, price, "USD",
                quantity * price, executed, executed.AddSeconds(random.Next(1, 60)), new DateOnly(2026, 11, 24));
        }).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Trades)]
    public int EvaluateRulesAndUpdateWindows()
    {
        var windows = new Dictionary<(string Owner, string Isin), SurveillanceWindow>();
        var alerts = 0;
        foreach (var trade in _trades)
        {
            var key = (trade.BeneficialOwner, trade.Isin);
            var window = windows.TryGetValue(key, out var existing) ? existing : SurveillanceWindow.Empty(trade.BeneficialOwner, trade.Isin);
            var closes = _closes[trade.Isin];
            var rules = _configuration.Rules.InForce(trade.TradeDate);
            var raised = Surveillance.Evaluate(trade, window.ContextFor(trade, closes, closes[0]), rules);
            alerts += raised.Count;
            windows[key] = window.Apply(WindowTrade.From(trade), raised.Select(a => a.AlertId), _configuration.Limits);
        }

        return alerts;
    }
}
