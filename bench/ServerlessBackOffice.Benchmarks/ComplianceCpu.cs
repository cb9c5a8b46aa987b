using System.Diagnostics;
using System.Globalization;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>
/// <c>compliance-cpu [--runs 7]</c>: the <see cref="ComplianceBenchmarks"/> workload (100,000 trades) timed by wall clock and by
/// the process's CPU time. On a machine shared with other work the wall clock counts the time the thread waited for a core;
/// the CPU time does not, so trades per CPU-second is the "one core" figure issue 11 asks for even under load (it includes
/// the GC's own threads, so it is still a lower bound). Prints each run and the medians.
/// </summary>
public static class ComplianceCpu
{
    public static int Run(string[] args)
    {
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(7);
        var benchmark = new ComplianceBenchmarks();
        benchmark.Setup();
        const int Trades = 100_000;
        benchmark.EvaluateRulesAndUpdateWindows(); // warm-up: tiering and the rule book's per-date cache
        benchmark.EvaluateRulesAndUpdateWindows();
        var wall = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var run = 0; run < runs; run++)
        {
            GC.Collect();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var alerts = benchmark.EvaluateRulesAndUpdateWindows();
            watch.Stop();
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            wall.Add(Trades / watch.Elapsed.TotalSeconds);
            cpu.Add(Trades / cpuSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: {watch.Elapsed.TotalMilliseconds:0} ms wall, {cpuSeconds * 1000:0} ms CPU, {alerts} alerts → {wall[^1]:N0} trades/s wall, {cpu[^1]:N0} trades/CPU-s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: {Median(wall):N0} trades/s wall, {Median(cpu):N0} trades per CPU-second; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
