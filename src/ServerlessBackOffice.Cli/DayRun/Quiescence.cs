using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Knows when a phase of the day is done: every queue and subscription is empty (no active, locked or scheduled message)
/// and nothing is being handled — by the function host or by a simulator — for several consecutive looks. Only then does
/// the run move the business clock, which is what makes the day deterministic.
/// </summary>
internal sealed class Quiescence(ServiceBusEmulatorServer emulator, IReadOnlyCollection<string> consumedPaths, IReadOnlyList<Func<long>> inFlight)
{
    /// <summary>Every queue and subscription path of the topology.</summary>
    public static IReadOnlyList<string> AllPaths { get; } =
    [
        .. TopologyDocument.Default.ServiceBus.Queues.Select(q => q.Name),
        .. TopologyDocument.Default.ServiceBus.Topics.SelectMany(t => t.Subscriptions.Select(s => Path(t.Name, s.Name))),
    ];

    private readonly string[] _paths = [.. consumedPaths];

    /// <summary>The emulator's path of a subscription.</summary>
    public static string Path(string topic, string subscription) => $"{topic}/Subscriptions/{subscription}";

    /// <summary>Messages waiting on entities nobody in this run consumes (a stage not wired in yet), per path.</summary>
    public IReadOnlyDictionary<string, long> Unconsumed() =>
        AllPaths.Except(_paths, StringComparer.Ordinal).Select(p => (Path: p, Count: emulator.GetCounts(p).Active)).Where(p => p.Count > 0)
            .ToDictionary(p => p.Path, p => p.Count, StringComparer.Ordinal);

    /// <summary>Messages waiting or being handled anywhere right now.</summary>
    public long Pending()
    {
        var pending = inFlight.Sum(f => f());
        foreach (var path in _paths)
        {
            var counts = emulator.GetCounts(path);
            pending += counts.Active + counts.Scheduled;
        }

        return pending;
    }

    /// <summary>Dead-lettered messages per entity path (only the non-empty ones).</summary>
    public IReadOnlyDictionary<string, long> DeadLettered() =>
        AllPaths.Select(p => (Path: p, Count: emulator.GetCounts(p).DeadLettered)).Where(p => p.Count > 0).ToDictionary(p => p.Path, p => p.Count, StringComparer.Ordinal);

    /// <summary>Waits until nothing is pending for <paramref name="stableLooks"/> looks in a row.</summary>
    public async Task WaitAsync(TimeSpan timeout, Action<long>? progress, CancellationToken cancellationToken, int stableLooks = 4)
    {
        var deadline = DateTime.UtcNow + timeout;
        var quiet = 0;
        while (quiet < stableLooks)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The pipeline did not settle within {timeout.TotalSeconds:0} s: {Pending()} messages still pending.");
            }

            await Task.Delay(40, cancellationToken);
            var pending = Pending();
            progress?.Invoke(pending);
            quiet = pending == 0 ? quiet + 1 : 0;
        }
    }
}
