using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// A large manifest's records are read in parallel slices. Whatever the bytes — as written, or damaged anywhere — the
/// result is the one the single forward pass gives: the same records in the same order, or the same refusal with the same
/// description.
/// </summary>
public sealed class ManifestParallelParseTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    // Names the writer escapes (quotes, backslashes, control characters) or writes raw (non-ASCII), and plain ones.
    private static string Name(Random random, int i) => (i % 11) switch
    {
        0 => $"inbound/oms/T-{i}-\"quoted\".json",
        1 => $"state/trades/T-{i}\\back.json",
        2 => $"ledger/é/ü-{i}.json",
        3 => $"outbound/tab\t{i}.json",
        4 => $"records/line\n{i}.json",
        _ => $"inbound/oms/T-{i:D7}-{random.Next(1000)}.json",
    };

    private static byte[] Manifest(int count, int seed)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(0, count).Select(i => (Name(random, i), SHA256.HashData(BitConverter.GetBytes(i)), (long)random.Next(0, 100_000)));
        return ArchiveManifest.Build(Day, "key-1", records).ToCanonicalJson();
    }

    private static (bool Ok, string? Error, IReadOnlyList<ManifestEntry>? Records, string? Head) Parse(byte[] json, int parallelRecords)
    {
        var ok = ArchiveManifest.TryParse(json, out var manifest, out var error, parallelRecords);
        return (ok, error, manifest?.Records, manifest?.ChainHead);
    }

    private static void AssertSame(byte[] json)
    {
        var sequential = Parse(json, int.MaxValue);
        var sliced = Parse(json, parallelRecords: 1);
        Assert.Equal(sequential.Ok, sliced.Ok);
        Assert.Equal(sequential.Error, sliced.Error);
        Assert.Equal(sequential.Head, sliced.Head);
        if (sequential.Records is not null)
        {
            Assert.Equal(sequential.Records, sliced.Records!);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(3000)]
    public void AManifestAsWritten_ReadsTheSameInSlices(int count)
    {
        var json = Manifest(count, seed: count);

        AssertSame(json);
        var (ok, _, records, _) = Parse(json, parallelRecords: 1);
        Assert.True(ok);
        Assert.Equal(count, records!.Count);
    }

    [Fact]
    public void AnEmptyManifest_ReadsTheSame()
    {
        AssertSame(ArchiveManifest.Build(Day, "key-1", []).ToCanonicalJson());
    }

    [Fact]
    public void ADamagedManifest_IsReadOrRefusedExactlyAsByTheForwardPass()
    {
        var original = Manifest(500, seed: 9);
        var random = new Random(17);
        var text = Encoding.UTF8.GetString(original);
        var edits = new Func<string>[]
        {
            () => text.Replace("},\n    {", "},{", StringComparison.Ordinal),
            () => text.Replace("\n    }", "\n     }", StringComparison.Ordinal),
            () => text.Replace("\"size\": ", "\"size\": \"", StringComparison.Ordinal),
            () => text.Replace("\n  ]", "\n    {\"name\": \"x\"}\n  ]", StringComparison.Ordinal),
            () => text.Replace("\n  ]", ",\n  ]", StringComparison.Ordinal),
            () => text.TrimEnd() + " {}",
            () => text.Replace("\"recordCount\": 500", "\"recordCount\": 499", StringComparison.Ordinal),
            () => text.Insert(text.IndexOf("\n    {", text.Length / 2, StringComparison.Ordinal), " "),
            () => text.Remove(text.IndexOf("\n    {", text.Length / 3, StringComparison.Ordinal), 1),
        };
        foreach (var edit in edits)
        {
            AssertSame(Encoding.UTF8.GetBytes(edit()));
        }

        // Values the slices read by matching the writer's layout: anything that is not exactly what the writer writes is
        // left to the JSON reader, so these read (or are refused) as the forward pass reads them.
        string Nth(string pattern, string replacement, int n) =>
            new System.Text.RegularExpressions.Regex(pattern).Replace(text, m => replacement, 1, System.Text.RegularExpressions.Regex.Matches(text, pattern)[n].Index);
        var values = new[]
        {
            Nth("\"size\": \\d+", "\"size\": 007", 250),
            Nth("\"size\": \\d+", "\"size\": 0", 250),
            Nth("\"size\": \\d+", "\"size\": -1", 250),
            Nth("\"size\": \\d+", "\"size\": 1e3", 250),
            Nth("\"size\": \\d+", "\"size\": 1.0", 250),
            Nth("\"size\": \\d+", "\"size\": 999999999999999999", 250),
            Nth("\"size\": \\d+", "\"size\": 1234567890123456789", 250),
            Nth("\"size\": \\d+", "\"size\": 12345678901234567890", 250),
            Nth("\"sha256\": \"[0-9a-f]{64}\"", "\"sha256\": \"" + new string('A', 64) + "\"", 300),
            Nth("\"sha256\": \"[0-9a-f]{64}\"", "\"sha256\": \"" + new string('a', 63) + "\"", 300),
            Nth("\"chain\": \"[0-9a-f]{64}\"", "\"chain\": \"" + new string('f', 64) + "\"", 300),
            Nth("\"chain\": \"[0-9a-f]{64}\"", "\"chain\": \"" + new string('g', 64) + "\"", 300),
            Nth("\"name\": \"inbound/oms/T-", "\"name\": \"inbound/oms/\u0001T-", 5),
            Nth("\"name\": \"inbound/oms/T-", "\"name\": \"inbound/o\\u006ds/T-", 5),
        };
        foreach (var value in values)
        {
            AssertSame(Encoding.UTF8.GetBytes(value));
        }

        // A name that is not UTF-8.
        var invalid = original.ToArray();
        invalid[original.AsSpan().IndexOf("\"name\": \"inbound/oms/T-"u8) + 20] = 0xFF;
        AssertSame(invalid);

        // And random damage: a byte flipped, removed or duplicated anywhere.
        for (var round = 0; round < 300; round++)
        {
            var bytes = original.ToList();
            var at = random.Next(bytes.Count);
            switch (round % 3)
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                default:
                    bytes.Insert(at, bytes[at]);
                    break;
            }

            AssertSame([.. bytes]);
        }
    }
}
