using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// A bundle that can be read from several threads (a folder) is hashed in parallel; the verdict — every finding, in the same
/// order, naming the same records — is the one a single reader gives.
/// </summary>
public sealed class ArchiveVerifierParallelTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    public void Dispose() => _key.Dispose();

    [Fact]
    public void Verify_WhenReadInParallel_FindsWhatOneReaderFinds()
    {
        var records = Enumerable.Range(0, 5000).ToDictionary(i => $"inbound/oms/T-{i:D5}.json", i => $$"""{"tradeId":"T-{{i:D5}}","version":1}""", StringComparer.Ordinal);
        var bundle = MemoryBundle.Sealed(Day, _key, records);
        bundle.Files["records/inbound/oms/T-01234.json"][3] ^= 0x01;
        bundle.Files.Remove("records/inbound/oms/T-03000.json");
        bundle.Files["records/inbound/oms/T-04000.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-04000","version":2}""");
        bundle.Files["records/inbound/oms/T-99999.json"] = Encoding.UTF8.GetBytes("{}");

        var sequential = ArchiveVerifier.Verify(bundle, [_key.ExportPublicKeyPem()]);
        var parallel = ArchiveVerifier.Verify(new ConcurrentBundle(bundle), [_key.ExportPublicKeyPem()]);

        Assert.Equal(sequential.Findings, parallel.Findings);
        Assert.Equal(
            [
                (VerificationProblem.RecordAltered, "inbound/oms/T-01234.json"),
                (VerificationProblem.RecordMissing, "inbound/oms/T-03000.json"),
                (VerificationProblem.RecordAltered, "inbound/oms/T-04000.json"),
                (VerificationProblem.RecordUnlisted, "inbound/oms/T-99999.json"),
            ],
            parallel.Findings.Select(f => (f.Problem, f.Subject)));
    }

    [Fact]
    public void Verify_WhenReadInParallelAndIntact_ReportsNoFinding()
    {
        var records = Enumerable.Range(0, 3000).ToDictionary(i => $"state/trades/T-{i:D5}.json", i => new string('x', i % 300), StringComparer.Ordinal);
        var bundle = MemoryBundle.Sealed(Day, _key, records);

        var result = ArchiveVerifier.Verify(new ConcurrentBundle(bundle), [_key.ExportPublicKeyPem()]);

        Assert.True(result.IsIntact, string.Join("; ", result.Findings));
        Assert.True(result.SignedByTrustedKey);
    }

    [Fact]
    public void Manifest_ReadInOnePass_IsWhatTheDocumentReaderReadsAndRefusesWhatItRefuses()
    {
        var built = ArchiveManifest.Build(Day, "key-1", Enumerable.Range(0, 50).Select(i => ($"r/{i:D3}.json", new byte[32], (long)i)));
        var json = Encoding.UTF8.GetString(built.ToCanonicalJson());
        // The same manifest with its record fields in another order takes the document reader's path.
        var reordered = json.Replace("\"name\": \"r/007.json\",\n      \"size\": 7,", "\"size\": 7,\n      \"name\": \"r/007.json\",", StringComparison.Ordinal);
        Assert.NotEqual(json, reordered);

        foreach (var text in new[] { json, reordered })
        {
            Assert.True(ArchiveManifest.TryParse(Encoding.UTF8.GetBytes(text), out var parsed, out var error), error);
            Assert.Equal((built.Format, built.BusinessDate, built.KeyId, built.ChainHead), (parsed!.Format, parsed.BusinessDate, parsed.KeyId, parsed.ChainHead));
            Assert.Equal(built.Records, parsed.Records);
        }

        Assert.False(ArchiveManifest.TryParse(Encoding.UTF8.GetBytes(json + "{}"), out _, out _));
        Assert.False(ArchiveManifest.TryParse(Encoding.UTF8.GetBytes(json.Replace("\"recordCount\": 50", "\"recordCount\": 49", StringComparison.Ordinal)), out _, out var countError));
        Assert.Contains("declares 49 records but lists 50", countError, StringComparison.Ordinal);
    }

    // The memory bundle's files are only read while verifying, so it can be read from several threads at once.
    private sealed class ConcurrentBundle(MemoryBundle inner) : IArchiveBundle
    {
        public IEnumerable<string> Paths() => inner.Paths();

        public Stream? Open(string path) => inner.Open(path);

        public bool SupportsConcurrentReads => true;
    }
}
