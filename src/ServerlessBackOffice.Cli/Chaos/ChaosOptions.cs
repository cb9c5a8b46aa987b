using System.Globalization;

namespace ServerlessBackOffice.Cli.Chaos;

/// <summary>The kinds of fault a chaos run injects; each has its own rate (<see cref="ChaosOptions.Rates"/>).</summary>
internal enum ChaosFault
{
    /// <summary>The function host dies before the handler runs, or after it ran but before the message is settled.</summary>
    Crash,

    /// <summary>Cosmos DB answers 429 with <c>x-ms-retry-after-ms</c> (before the request reaches the store).</summary>
    CosmosThrottle,

    /// <summary>Cosmos DB answers 503, before the request reached the store or after it was applied there.</summary>
    CosmosUnavailable,

    /// <summary>The Cosmos request times out, before it reached the store or after it was applied there.</summary>
    CosmosTimeout,

    /// <summary>A transient Service Bus error on a publish or on a settle call, before or after the operation took effect.</summary>
    BusTransient,

    /// <summary>The message's lock lapses while the handler runs: Service Bus delivers it again at once, and the settle call fails.</summary>
    LockLoss,

    /// <summary>The same delivery is handled twice: concurrently, or again after it was settled.</summary>
    Duplicate,

    /// <summary>The delivery is held back for a while, so later messages overtake it.</summary>
    Reorder,
}

/// <summary>
/// What a chaos run injects: a seed (every decision is a pure function of it and the message, delivery and request it is
/// about), a rate per fault kind, and the cap that keeps chaos from dead-lettering anything on its own: only the first
/// <see cref="MaximumFaultedDeliveries"/> deliveries of a message may fail by chaos (docs/decisions/0090-chaos-runs.md).
/// </summary>
internal sealed record ChaosOptions(int Seed, IReadOnlyDictionary<ChaosFault, double> Rates)
{
    /// <summary>The default rate of every kind.</summary>
    public const double DefaultRate = 0.02;

    /// <summary>
    /// Deliveries of one message that chaos may fail. The entities' MaxDeliveryCount is 10, capture dead-letters on its 10th
    /// delivery and an unknown custodian instruction on its 5th: 3 leaves room for the pipeline's own retries.
    /// </summary>
    public const int MaximumFaultedDeliveries = 3;

    /// <summary>Consecutive 429s on one Cosmos request, well under the SDK's nine retries on throttling.</summary>
    public const int MaximumConsecutiveThrottles = 2;

    /// <summary>The command-line names of the kinds.</summary>
    public static IReadOnlyDictionary<string, ChaosFault> Names { get; } = new Dictionary<string, ChaosFault>(StringComparer.OrdinalIgnoreCase)
    {
        ["crash"] = ChaosFault.Crash,
        ["cosmos-throttle"] = ChaosFault.CosmosThrottle,
        ["cosmos-unavailable"] = ChaosFault.CosmosUnavailable,
        ["cosmos-timeout"] = ChaosFault.CosmosTimeout,
        ["bus-transient"] = ChaosFault.BusTransient,
        ["lock-loss"] = ChaosFault.LockLoss,
        ["duplicate"] = ChaosFault.Duplicate,
        ["reorder"] = ChaosFault.Reorder,
    };

    /// <summary>The command-line name of a kind.</summary>
    public static string NameOf(ChaosFault fault) => Names.First(pair => pair.Value == fault).Key;

    /// <summary>The rate of a kind.</summary>
    public double Rate(ChaosFault fault) => Rates.TryGetValue(fault, out var rate) ? rate : 0;

    /// <summary>
    /// Every kind at <paramref name="rate"/>, then the overrides of <paramref name="perKind"/>: <c>kind=rate</c> pairs
    /// separated by commas (<c>crash=0.05,reorder=0.1</c>).
    /// </summary>
    /// <exception cref="FormatException">An unknown kind or a rate outside [0, 1].</exception>
    public static ChaosOptions Create(int seed, double rate, string? perKind)
    {
        CheckRate(rate, "--chaos-rate");
        var rates = Enum.GetValues<ChaosFault>().ToDictionary(f => f, _ => rate);
        foreach (var pair in (perKind ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Names.TryGetValue(parts[0], out var fault))
            {
                throw new FormatException($"'{pair}' is not kind=rate with a kind among {string.Join(", ", Names.Keys)}.");
            }

            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"'{parts[1]}' is not a rate.");
            }

            CheckRate(value, parts[0]);
            rates[fault] = value;
        }

        return new ChaosOptions(seed, rates);
    }

    private static void CheckRate(double rate, string name)
    {
        if (double.IsNaN(rate) || rate < 0 || rate > 1)
        {
            throw new FormatException($"The rate of {name} must be between 0 and 1.");
        }
    }
}
