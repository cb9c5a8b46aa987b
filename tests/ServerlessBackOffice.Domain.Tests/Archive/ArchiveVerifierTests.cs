using System.Text;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// The archive's promise to auditors: a sealed day verifies offline with nothing but a public key, and any flipped
/// byte, removed, reordered or added record, or forged manifest is detected and named.
/// </summary>
public sealed class ArchiveVerifierTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    private static readonly Dictionary<string, string> Records = new(StringComparer.Ordinal)
    {
        ["inbound/oms/T-0001-v1.json"] = """{"tradeId":"T-0001","version":1}""",
        ["inbound/oms/T-0002-v1.json"] = """{"tradeId":"T-0002","version":1}""",
        ["outbound/replies/T-0001-v1.json"] = """{"tradeId":"T-0001","outcome":"Accepted"}""",
        ["state/trades/T-0001-v1.json"] = """{"tradeId":"T-0001","state":"Captured"}""",
    };

    public void Dispose() => _key.Dispose();

    private string[] Trusted => [_key.ExportPublicKeyPem()];

    [Fact]
    public void Verify_WhenBundleIsIntact_ReportsNoFindingAndATrustedSignature()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);

        var result = ArchiveVerifier.Verify(bundle, Trusted);

        Assert.True(result.IsIntact, string.Join("; ", result.Findings));
        Assert.True(result.SignedByTrustedKey);
        Assert.Equal(Records.Count, result.Manifest!.Records.Count);
    }

    [Fact]
    public void Verify_WhenNoKeyIsTrusted_UsesThePublishedKeyButDoesNotClaimTrust()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);

        var result = ArchiveVerifier.Verify(bundle, []);

        Assert.True(result.IsIntact);
        Assert.False(result.SignedByTrustedKey);
    }

    [Fact]
    public void Verify_WhenARecordHasAFlippedByte_NamesThatRecordAsAltered()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        bundle.Files["records/inbound/oms/T-0002-v1.json"][5] ^= 0x01;

        var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);

        Assert.Equal(VerificationProblem.RecordAltered, finding.Problem);
        Assert.Equal("inbound/oms/T-0002-v1.json", finding.Subject);
    }

    [Fact]
    public void Verify_WhenARecordFileIsRemoved_NamesItAsMissing()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        bundle.Files.Remove("records/outbound/replies/T-0001-v1.json");

        var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);

        Assert.Equal(VerificationProblem.RecordMissing, finding.Problem);
        Assert.Equal("outbound/replies/T-0001-v1.json", finding.Subject);
    }

    [Fact]
    public void Verify_WhenARecordIsRemovedFromTheManifest_DetectsTheForgeryTheBrokenChainAndTheOrphan()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        var manifest = Encoding.UTF8.GetString(bundle.Files["manifest.json"]);
        var start = manifest.IndexOf("    {\n      \"name\": \"inbound/oms/T-0002-v1.json\"", StringComparison.Ordinal);
        var end = manifest.IndexOf("    {", start + 5, StringComparison.Ordinal);
        bundle.Files["manifest.json"] = Encoding.UTF8.GetBytes(manifest.Remove(start, end - start).Replace("\"recordCount\": 4", "\"recordCount\": 3", StringComparison.Ordinal));

        var findings = ArchiveVerifier.Verify(bundle, Trusted).Findings;

        Assert.Contains(findings, f => f.Problem == VerificationProblem.SignatureInvalid);
        Assert.Contains(findings, f => f.Problem == VerificationProblem.ChainBroken && f.Subject == "outbound/replies/T-0001-v1.json");
        Assert.Contains(findings, f => f.Problem == VerificationProblem.RecordUnlisted && f.Subject == "inbound/oms/T-0002-v1.json");
    }

    [Fact]
    public void Verify_WhenTwoRecordsAreReorderedInTheManifest_NamesTheOutOfOrderRecordAndTheBrokenChain()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        var manifest = Encoding.UTF8.GetString(bundle.Files["manifest.json"]);
        var first = "\"name\": \"inbound/oms/T-0001-v1.json\"";
        var second = "\"name\": \"inbound/oms/T-0002-v1.json\"";
        var swapped = manifest.Replace(first, "@@", StringComparison.Ordinal).Replace(second, first, StringComparison.Ordinal).Replace("@@", second, StringComparison.Ordinal);
        bundle.Files["manifest.json"] = Encoding.UTF8.GetBytes(swapped);

        var findings = ArchiveVerifier.Verify(bundle, Trusted).Findings;

        Assert.Contains(findings, f => f.Problem == VerificationProblem.RecordOutOfOrder && f.Subject == "inbound/oms/T-0001-v1.json");
        Assert.Contains(findings, f => f.Problem == VerificationProblem.ChainBroken && f.Subject == "inbound/oms/T-0002-v1.json");
        Assert.Contains(findings, f => f.Problem == VerificationProblem.SignatureInvalid);
    }

    [Fact]
    public void Verify_WhenTheManifestIsForgedWithAnotherKeyUnderTheRealKeyId_ReportsAnInvalidSignature()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        bundle.Files["records/state/trades/T-0001-v1.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-0001","state":"Cancelled"}""");
        using var forger = ArchiveSigningKey.Generate();
        var forged = ArchiveManifest.Build(Day, _key.KeyId, bundle.Files
            .Where(f => f.Key.StartsWith("records/", StringComparison.Ordinal))
            .Select(f => (f.Key["records/".Length..], System.Security.Cryptography.SHA256.HashData(f.Value), (long)f.Value.Length)));
        bundle.Files["manifest.json"] = forged.ToCanonicalJson();
        bundle.Files["manifest.sig"] = forger.Sign(bundle.Files["manifest.json"]);

        var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);

        Assert.Equal(VerificationProblem.SignatureInvalid, finding.Problem);
    }

    [Fact]
    public void Verify_WhenTheManifestIsResealedWithTheForgersOwnKey_ReportsAnUntrustedKey()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        using var forger = ArchiveSigningKey.Generate();
        var forgedBundle = MemoryBundle.Sealed(Day, forger, Records);

        var result = ArchiveVerifier.Verify(forgedBundle, Trusted);

        Assert.Contains(result.Findings, f => f.Problem == VerificationProblem.UnknownSigningKey && f.Subject == forger.KeyId);
        Assert.False(result.SignedByTrustedKey);
        Assert.True(ArchiveVerifier.Verify(bundle, Trusted).IsIntact);
    }

    [Fact]
    public void Verify_WhenTheBundleHoldsAnUnlistedRecord_NamesIt()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        bundle.Files["records/inbound/oms/T-9999-v1.json"] = Encoding.UTF8.GetBytes("{}");

        var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);

        Assert.Equal(VerificationProblem.RecordUnlisted, finding.Problem);
        Assert.Equal("inbound/oms/T-9999-v1.json", finding.Subject);
    }

    [Fact]
    public void Verify_WhenTheSignatureFileIsMissing_ReportsTheManifestUnreadable()
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        bundle.Files.Remove("manifest.sig");

        var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);

        Assert.Equal(VerificationProblem.ManifestUnreadable, finding.Problem);
        Assert.Equal("manifest.sig", finding.Subject);
    }

    [Fact]
    public void Manifest_IsTheSameWhateverTheOrderRecordsArrivedIn()
    {
        var forward = ArchiveManifest.Build(Day, _key.KeyId, Records.Select(r => (r.Key, Hash(r.Value), (long)r.Value.Length)));
        var backward = ArchiveManifest.Build(Day, _key.KeyId, Records.Reverse().Select(r => (r.Key, Hash(r.Value), (long)r.Value.Length)));

        Assert.Equal(forward.ToCanonicalJson(), backward.ToCanonicalJson());
    }

    [Fact]
    public void Manifest_WhenARecordNameRepeats_RefusesToBuild()
    {
        var records = new[] { ("a.json", Hash("1"), 1L), ("a.json", Hash("2"), 1L) };

        Assert.Throws<ArgumentException>(() => ArchiveManifest.Build(Day, _key.KeyId, records));
    }

    [Fact]
    public void SigningKey_RoundTripsThroughPemWithTheSameKeyId()
    {
        using var restored = ArchiveSigningKey.FromPrivateKeyPem(_key.ExportPrivateKeyPem());

        Assert.Equal(_key.KeyId, restored.KeyId);
        Assert.Equal(_key.KeyId, ArchiveSignature.KeyIdOfPem(_key.ExportPublicKeyPem()));
    }

    [Fact]
    public void Property_AnySingleByteFlipInAnyRecordIsDetectedAndNamed()
    {
        var content = Gen.Choose(1, 64).SelectMany(length => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length));
        var generator =
            from count in Gen.Choose(1, 12)
            from contents in Gen.ArrayOf(content, count)
            from target in Gen.Choose(0, count - 1)
            from position in Gen.Choose(0, 1_000)
            from bit in Gen.Choose(0, 7)
            select (contents, target, position, bit);

        Prop.ForAll(generator.ToArbitrary(), sample =>
        {
            var (contents, target, position, bit) = sample;
            var records = contents.Select((c, i) => ($"records-{i:D3}.bin", c)).ToList();
            var bundle = new MemoryBundle();
            foreach (var (name, content) in records)
            {
                bundle.Files[ArchiveFormat.RecordsFolder + name] = (byte[])content.Clone();
            }

            foreach (var (path, bytes) in ArchiveSeal.Seal(Day, _key, records.Select(r => (r.Item1, (ReadOnlyMemory<byte>)r.c))).Files)
            {
                bundle.Files[path] = bytes;
            }

            var damaged = bundle.Files[ArchiveFormat.RecordsFolder + records[target].Item1];
            damaged[position % damaged.Length] ^= (byte)(1 << bit);

            var finding = Assert.Single(ArchiveVerifier.Verify(bundle, Trusted).Findings);
            return finding.Problem == VerificationProblem.RecordAltered && finding.Subject == records[target].Item1;
        }).QuickCheckThrowOnFailure();
    }

    private static byte[] Hash(string text) => System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
