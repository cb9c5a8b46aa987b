using BenchmarkDotNet.Attributes;
using ServerlessBackOffice.Domain.Risk;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>VaR for 10,000 positions × 250 scenarios (target ≤ 1 s).</summary>
[MemoryDiagnoser]
public class RiskBenchmarks
{
    private RiskPosition[] _positions = [];
    private Dictionary<string, decimal[]> _returns = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _positions = Enumerable.Range(0, 10_000).Select(i => new RiskPosition($"ACC-{i % 50}", "US-EQ", $"US{i:D10}", RiskAssetClass.Equity, 100m, random.Next(1_000, 1_000_000), "USD", 1m, 0m)).ToArray();
        _returns = _positions.ToDictionary(p => p.Instrument, _ => Enumerable.Range(0, 250).Select(_ => (random.Next(-500, 500)) / 10_000m).ToArray());
    }

    [Benchmark]
    public decimal HistoricalVar10kPositions250Scenarios() => HistoricalVar.Compute(_positions, _returns, 0.99m).ValueAtRisk;
}
