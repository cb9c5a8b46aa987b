using BenchmarkDotNet.Attributes;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Benchmarks;

/// <summary>
/// The end-of-day reports builder on a day of records already in memory (the generator of <see cref="ReportsScale"/>, run
/// once in the setup), its files written to a sink that discards them: the builder's own cost per day, for comparing one
/// change with the next. The million-trade figure of issue 8 is <c>reports-scale reports</c>.
/// </summary>
[MemoryDiagnoser]
public class ReportsBenchmarks
{
    private (string Name, byte[] Content)[] _records = [];

    [Params(50_000)]
    public int Trades { get; set; }

    [GlobalSetup]
    public void Setup() => _records = [.. ReportsScale.DayRecords(Trades).Select(r => (r.Name, r.Content.ToArray()))];

    /// <summary>Every report of the book from 4 records per trade.</summary>
    [Benchmark]
    public int BuildDayReports()
    {
        var sink = new DiscardingSink();
        using (var builder = new DayReportBuilder(ReportsScale.Parameters, ReportsScale.Folders, sink))
        {
            foreach (var (name, content) in _records)
            {
                builder.Add(name, content);
            }
        }

        return sink.Files;
    }

    private sealed class DiscardingSink : IReportFileSink
    {
        public int Files { get; private set; }

        public TextWriter Create(string fileName)
        {
            Files++;
            return TextWriter.Null;
        }
    }
}
