using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The benchmark's instruments for a day run (<c>backoffice bench</c>): wall-clock marks per trade (keyed by the OMS
/// correlation id, which every stage carries), the Cosmos client's document requests and the Service Bus emulator's
/// operations. Latencies are wall-clock: the business clock stands still while a 15-minute slot's messages are processed,
/// so they measure how long the pipeline takes to work through a burst, not business time.
/// </summary>
internal sealed class BenchRecorder
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<(string Mark, string CorrelationId), long> _marks = new();
    private long _tradeDateStart;
    private long _tradeDateEnd;

    public CosmosRequestCounter Cosmos { get; } = new();

    /// <summary>Marks, in pipeline order, whose first occurrence per trade is recorded.</summary>
    public static readonly string[] Marks = ["published", "captured", "confirmation sent", "affirmed", "instructed", "settled"];

    public void Mark(string mark, string? correlationId)
    {
        if (!string.IsNullOrEmpty(correlationId))
        {
            _marks.TryAdd((mark, correlationId), _wall.ElapsedTicks);
        }
    }

    /// <summary>How many trades reached a mark.</summary>
    public int Count(string mark) => _marks.Keys.Count(k => k.Mark == mark);

    public void TradeDateStarted() => Interlocked.CompareExchange(ref _tradeDateStart, _wall.ElapsedTicks, 0);

    public void TradeDateProcessed() => Interlocked.Exchange(ref _tradeDateEnd, _wall.ElapsedTicks);

    /// <summary>Wraps the composition's publisher so every message the stages publish marks its trade.</summary>
    public void Instrument(IServiceCollection services)
    {
        services.AddSingleton(Cosmos);
        var descriptor = services.Last(d => d.ServiceType == typeof(IMessagePublisher));
        services.Remove(descriptor);
        services.AddSingleton<IMessagePublisher>(sp => new TimingPublisher(Resolve(sp, descriptor), this));
    }

    private static IMessagePublisher Resolve(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as IMessagePublisher
        ?? (descriptor.ImplementationFactory is { } factory ? (IMessagePublisher)factory(sp) : (IMessagePublisher)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));

    /// <summary>
    /// The report: throughput, latencies, requests per trade, and the CPU time this process and each stand-in process
    /// (<paramref name="standIns"/>: name and PID, still running) used — the machine's budget is cores × wall time.
    /// </summary>
    public string Report(ServiceBusOperationCounts serviceBus, TimeSpan total, IReadOnlyList<(string Name, int ProcessId)> standIns)
    {
        ArgumentNullException.ThrowIfNull(standIns);
        var acceptedTrades = Count("captured");
        var text = new StringBuilder();
        var tradeDate = TimeSpan.FromSeconds((double)(_tradeDateEnd - _tradeDateStart) / Stopwatch.Frequency);
        var cosmos = Cosmos.Snapshot();
        var per = Math.Max(1, acceptedTrades);
        text.AppendLine(CultureInfo.InvariantCulture, $"trades accepted: {acceptedTrades:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"trade date (publish -> every stage quiet, cut-off and end of day excluded): {tradeDate.TotalSeconds:N1} s = {acceptedTrades / Math.Max(0.001, tradeDate.TotalSeconds):N0} trades/s");
        text.AppendLine(CultureInfo.InvariantCulture, $"whole run (stand-ins, trade date, cut-offs, settlement days, end of day, sealing): {total.TotalSeconds:N1} s");
        foreach (var (from, to) in new[] { ("published", "captured"), ("published", "confirmation sent"), ("affirmed", "instructed"), ("published", "instructed") })
        {
            var latencies = Latencies(from, to);
            text.AppendLine(latencies.Count == 0
                ? $"latency {from} -> {to}: no trades"
                : string.Create(CultureInfo.InvariantCulture, $"latency {from} -> {to}: p50 {Percentile(latencies, 0.50):N0} ms, p99 {Percentile(latencies, 0.99):N0} ms, max {latencies[^1]:N0} ms ({latencies.Count:N0} trades)"));
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"cosmos document requests: {cosmos.Total:N0} = {(double)cosmos.Total / per:N2} per trade (point reads {(double)cosmos.PointReads / per:N2}, writes {(double)cosmos.Writes / per:N2}, single-partition query pages {(double)cosmos.Queries / per:N2}, cross-partition query pages {cosmos.CrossPartitionQueries:N0} in all, throttled {cosmos.Throttled:N0})");
        foreach (var (container, kind, count) in Cosmos.ByContainer())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  cosmos {container} {kind}: {count:N0} = {(double)count / per:N2} per trade");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"service bus operations (pipeline and simulators): {serviceBus.Total:N0} = {(double)serviceBus.Total / per:N2} per trade (messages sent {(double)serviceBus.MessagesSent / per:N2}, delivered {(double)serviceBus.MessagesDelivered / per:N2}, settled {(double)serviceBus.Settlements / per:N2}, management {(double)serviceBus.ManagementRequests / per:N2})");
        text.AppendLine(CultureInfo.InvariantCulture, $"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MiB");
        text.AppendLine(CpuTime(total, standIns));
        text.AppendLine(RuntimeWork());
        return text.ToString();
    }

    /// <summary>
    /// What the runtime spent besides the run's own code: methods compiled and the time the JIT took (all threads), and
    /// the garbage collector's pause time and collections by generation.
    /// </summary>
    private static string RuntimeWork() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"runtime: {System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods compiled in {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:N1} s of JIT; garbage collection paused {GC.GetTotalPauseDuration().TotalSeconds:N1} s over {GC.CollectionCount(0):N0} gen0, {GC.CollectionCount(1):N0} gen1, {GC.CollectionCount(2):N0} gen2 collections; {GC.GetTotalAllocatedBytes() / (1024d * 1024 * 1024):N1} GiB allocated");

    private static string CpuTime(TimeSpan total, IReadOnlyList<(string Name, int ProcessId)> standIns)
    {
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"this process {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:N1} s") };
        foreach (var (name, processId) in standIns)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} (process {processId}) {process.TotalProcessorTime.TotalSeconds:N1} s"));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                parts.Add($"{name} (process {processId}) not readable: {ex.Message}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"cpu time: {string.Join("; ", parts)}; the machine offers {Environment.ProcessorCount} cores × {total.TotalSeconds:N1} s = {Environment.ProcessorCount * total.TotalSeconds:N1} s");
    }

    private List<double> Latencies(string from, string to)
    {
        var result = new List<double>();
        foreach (var ((mark, correlation), end) in _marks)
        {
            if (mark == to && _marks.TryGetValue((from, correlation), out var start) && end >= start)
            {
                result.Add((end - start) * 1000d / Stopwatch.Frequency);
            }
        }

        result.Sort();
        return result;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class TimingPublisher(IMessagePublisher inner, BenchRecorder recorder) : IMessagePublisher
    {
        public async Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            await inner.PublishAsync(message, cancellationToken);
            var mark = message.Destination == Entities.CounterpartyOutbound.Name ? "confirmation sent"
                : message.Destination == Entities.CustodianOutbound.Name ? "instructed"
                : message.ApplicationProperties.TryGetValue(CaptureHandler.EventTypeProperty, out var type) ? type switch
                {
                    "TradeCaptured" => "captured",
                    "TradeAffirmed" => "affirmed",
                    "TradeSettled" => "settled",
                    _ => null,
                }
                : null;
            if (mark is not null)
            {
                recorder.Mark(mark, message.CorrelationId);
            }
        }
    }
}
