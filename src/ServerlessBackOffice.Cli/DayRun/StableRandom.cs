using System.Text;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Deterministic pseudo-randomness for the simulators: every draw is a pure function of the seed and a key (a trade id, a
/// purpose), never of the order in which messages arrive, so the same seed gives the same day byte for byte.
/// FNV-1a over the key's UTF-8 bytes, finished with SplitMix64; not for anything but simulation.
/// </summary>
internal static class StableRandom
{
    /// <summary>A 64-bit value for the seed and the key's parts.</summary>
    public static ulong Hash(int seed, params ReadOnlySpan<string> parts)
    {
        var h = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (var part in parts)
        {
            foreach (var b in Encoding.UTF8.GetBytes(part))
            {
                h = (h ^ b) * 1099511628211UL;
            }

            h = (h ^ 0xFF) * 1099511628211UL;
        }

        return SplitMix(h);
    }

    /// <summary>A number in [0, 1) for the seed and the key.</summary>
    public static double Unit(int seed, params ReadOnlySpan<string> parts) => (Hash(seed, parts) >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer in [0, <paramref name="exclusiveMax"/>) for the seed and the key.</summary>
    public static int Below(int exclusiveMax, int seed, params ReadOnlySpan<string> parts) => (int)(Hash(seed, parts) % (ulong)exclusiveMax);

    /// <summary>A seeded <see cref="Random"/> for generating sequences (System.Random with a seed is stable across runs).</summary>
    public static Random Sequence(int seed, string purpose) => new((int)(Hash(seed, purpose) & 0x7FFFFFFF));

    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
