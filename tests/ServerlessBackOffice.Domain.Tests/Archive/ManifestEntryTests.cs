using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// A manifest entry keeps canonical digests (64 lower-case hex digits) as bytes and anything else as the text it was: the
/// text it gives back, the JSON it writes and what it equals are those of the text it was made from, and the verifier
/// reports a damaged digest as the manifest states it.
/// </summary>
public sealed class ManifestEntryTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private static readonly string Lower = Convert.ToHexStringLower(SHA256.HashData("a"u8));

    public static TheoryData<string> NotCanonical =>
    [
        Lower.ToUpperInvariant(),
        Lower[..63],
        Lower + "0",
        string.Concat(Lower.AsSpan(0, 63), "g"),
        string.Empty,
        "not a digest at all",
        string.Concat(Lower.AsSpan(0, 62), "é"),
    ];

    [Fact]
    public void ACanonicalDigest_IsHeldAsBytes_AndGivenBackAsTheSameText()
    {
        var entry = new ManifestEntry("inbound/oms/T-1.json", 12, Lower, Lower);

        Assert.Equal(Lower, entry.Sha256);
        Assert.Equal(Lower, entry.Chain);
        Assert.True(entry.TryGetSha256(out var digest));
        Assert.Equal(SHA256.HashData("a"u8), digest.ToArray());
        Assert.True(entry.TryGetChain(out var link));
        Assert.Equal(SHA256.HashData("a"u8), link.ToArray());
    }

    [Theory]
    [MemberData(nameof(NotCanonical))]
    public void ADigestThatIsNotCanonical_IsKeptAsItsText(string text)
    {
        var entry = new ManifestEntry("inbound/oms/T-1.json", 12, text, Lower);

        Assert.Equal(text, entry.Sha256);
        Assert.False(entry.TryGetSha256(out _));
        Assert.Equal(Lower, entry.Chain);
        Assert.NotEqual(new ManifestEntry("inbound/oms/T-1.json", 12, Lower, Lower), entry);
        Assert.Equal(new ManifestEntry("inbound/oms/T-1.json", 12, text, Lower), entry);
    }

    [Fact]
    public void Equality_IsThatOfTheFourValues()
    {
        var other = Convert.ToHexStringLower(SHA256.HashData("b"u8));
        var entry = new ManifestEntry("n", 1, Lower, other);

        Assert.Equal(new ManifestEntry("n", 1, Lower, other), entry);
        Assert.Equal(new ManifestEntry("n", 1, Lower, other).GetHashCode(), entry.GetHashCode());
        Assert.NotEqual(new ManifestEntry("m", 1, Lower, other), entry);
        Assert.NotEqual(new ManifestEntry("n", 2, Lower, other), entry);
        Assert.NotEqual(new ManifestEntry("n", 1, other, other), entry);
        Assert.NotEqual(new ManifestEntry("n", 1, Lower, Lower), entry);
        Assert.Contains(Lower, entry.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NotCanonical))]
    public void AManifestWithADigestThatIsNotCanonical_ReadsAndWritesBackByteForByte(string text)
    {
        using var key = ArchiveSigningKey.Generate();
        var seal = ArchiveSeal.Seal(Day, key, Enumerable.Range(0, 5).Select(i => ($"inbound/oms/T-{i}.json", (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))));
        var json = Encoding.UTF8.GetString(seal.Files[ArchiveFormat.ManifestPath]);
        var stated = seal.Manifest.Records[2].Sha256;
        var damaged = Encoding.UTF8.GetBytes(json.Replace(stated, text, StringComparison.Ordinal));

        Assert.True(ArchiveManifest.TryParse(damaged, out var manifest, out var error), error);
        Assert.Equal(text, manifest!.Records[2].Sha256);
        Assert.Equal(damaged, manifest.ToCanonicalJson());
    }

    [Fact]
    public void TheVerifier_ReadsAnUpperCaseDigest_AsTheSameBytes_AndRefusesTheSignature()
    {
        using var key = ArchiveSigningKey.Generate();
        var bundle = MemoryBundle.Sealed(Day, key, Enumerable.Range(0, 5).ToDictionary(i => $"inbound/oms/T-{i}.json", i => $"{{\"n\":{i}}}"));
        Assert.True(ArchiveManifest.TryParse(bundle.Files[ArchiveFormat.ManifestPath], out var sealedManifest, out _));
        var stated = sealedManifest!.Records[2].Sha256;
        var files = bundle.Files;

        // The same digest in upper case: the hex says the same bytes, but the manifest is not what was signed, and the
        // chain (computed over the digest's bytes) still holds, so the finding names the signature and nothing else breaks.
        files[ArchiveFormat.ManifestPath] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files[ArchiveFormat.ManifestPath]).Replace(stated, stated.ToUpperInvariant(), StringComparison.Ordinal));
        var result = ArchiveVerifier.Verify(bundle, [key.ExportPublicKeyPem()]);

        Assert.Equal(stated.ToUpperInvariant(), result.Manifest!.Records[2].Sha256);
        Assert.Equal([VerificationProblem.SignatureInvalid], result.Findings.Select(f => f.Problem));
    }
}
