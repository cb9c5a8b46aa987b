using System.Globalization;
using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Knows when a phase of the day is done: every queue and subscription is empty (no active, locked or scheduled message)
/// and nothing is being handled — by the function host or by a simulator — for several consecutive looks. Only then does
/// the run move the business clock, which is what makes the day deterministic.
/// </summary>
/// <remarks>
/// A phase may take as long as its volume needs: the wait fails only when the pipeline stops moving — the pending count has
/// not changed for the stall timeout — or after an absolute cap far beyond any day this machine runs. A loaded machine
/// slows a phase down; it does not fail it. The failure names every entity still holding messages.
/// </remarks>
internal sealed class Quiescence(Func<string, ServiceBusEntityCounts> counts, IReadOnlyCollection<string> consumedPaths, IReadOnlyList<Func<long>> inFlight, TimeProvider? time = null)
{
    /// <summary>How long a phase may wait in all, whatever progress it makes.</summary>
    public static readonly TimeSpan AbsoluteCap = TimeSpan.FromHours(12);

    public Quiescence(ServiceBusEmulatorServer emulator, IReadOnlyCollection<string> consumedPaths, IReadOnlyList<Func<long>> inFlight)
        : this(emulator.GetCounts, consumedPaths, inFlight)
    {
    }

    /// <summary>Every queue and subscription path of the topology.</summary>
    public static IReadOnlyList<string> AllPaths { get; } =
    [
        .. TopologyDocument.Default.ServiceBus.Queues.Select(q => q.Name),
        .. TopologyDocument.Default.ServiceBus.Topics.SelectMany(t => t.Subscriptions.Select(s => Path(t.Name, s.Name))),
    ];

    private readonly string[] _paths = [.. consumedPaths];
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The emulator's path of a subscription.</summary>
    public static string Path(string topic, string subscription) => $"{topic}/Subscriptions/{subscription}";

    /// <summary>Messages waiting on entities nobody in this run consumes (a stage not wired in yet), per path.</summary>
    public IReadOnlyDictionary<string, long> Unconsumed() =>
        AllPaths.Except(_paths, StringComparer.Ordinal).Select(p => (Path: p, Count: counts(p).Active)).Where(p => p.Count > 0)
            .ToDictionary(p => p.Path, p => p.Count, StringComparer.Ordinal);

    /// <summary>Messages waiting or being handled anywhere right now.</summary>
    public long Pending()
    {
        var pending = inFlight.Sum(f => f());
        foreach (var path in _paths)
        {
            var c = counts(path);
            pending += c.Active + c.Scheduled;
        }

        return pending;
    }

    /// <summary>Where the pending messages are: each consumed entity holding some, and what handlers and simulators hold.</summary>
    public string DescribePending()
    {
        var parts = new List<string>();
        foreach (var path in _paths)
        {
            var c = counts(path);
            if (c.Active + c.Scheduled > 0)
            {
                parts.Add(c.Scheduled > 0 ? $"{path} {c.Active} active, {c.Scheduled} scheduled" : $"{path} {c.Active} active");
            }
        }

        var handling = inFlight.Sum(f => f());
        if (handling > 0)
        {
            parts.Add($"{handling} being handled");
        }

        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }

    /// <summary>Dead-lettered messages per entity path (only the non-empty ones).</summary>
    public IReadOnlyDictionary<string, long> DeadLettered() =>
        AllPaths.Select(p => (Path: p, Count: counts(p).DeadLettered)).Where(p => p.Count > 0).ToDictionary(p => p.Path, p => p.Count, StringComparer.Ordinal);

    /// <summary>
    /// Waits until nothing is pending for <paramref name="stableLooks"/> looks in a row. Fails when the pending count has
    /// not changed for <paramref name="stallTimeout"/> (the pipeline is stuck), or after <see cref="AbsoluteCap"/>.
    /// </summary>
    public async Task WaitAsync(TimeSpan stallTimeout, Action<long>? progress, CancellationToken cancellationToken, int stableLooks = 4, TimeSpan? look = null)
    {
        var interval = look ?? TimeSpan.FromMilliseconds(40);
        var started = _time.GetTimestamp();
        var lastChange = started;
        long? last = null;
        var quiet = 0;
        while (quiet < stableLooks)
        {
            if (_time.GetElapsedTime(lastChange) > stallTimeout)
            {
                throw new TimeoutException($"The pipeline made no progress for {stallTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: {Pending()} messages still pending ({DescribePending()}).");
            }

            if (_time.GetElapsedTime(started) > AbsoluteCap)
            {
                throw new TimeoutException($"The pipeline did not settle within {AbsoluteCap.TotalHours:0} h: {Pending()} messages still pending ({DescribePending()}).");
            }

            await Task.Delay(interval, _time, cancellationToken);
            var pending = Pending();
            if (pending != last)
            {
                last = pending;
                lastChange = _time.GetTimestamp();
            }

            progress?.Invoke(pending);
            quiet = pending == 0 ? quiet + 1 : 0;
        }
    }
}
