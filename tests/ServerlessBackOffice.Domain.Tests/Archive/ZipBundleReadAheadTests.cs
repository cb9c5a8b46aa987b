using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// A large zip is read by one thread and hashed on the other cores as it is read; the verdict on a damaged bundle — every
/// finding, in the same order, with the same text — is the one the calling thread alone gives, and the one the unpacked
/// bundle gives.
/// </summary>
public sealed class ZipBundleReadAheadTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    // Enough records for the read-ahead path (over a thousand) and for many batches of it.
    private static readonly Dictionary<string, string> Records = Enumerable.Range(0, 9000)
        .ToDictionary(i => $"inbound/oms/T-{i:D5}.json", i => $$"""{"tradeId":"T-{{i:D5}}","version":1,"pad":"{{new string('x', i % 97)}}"}""", StringComparer.Ordinal);

    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    public void Dispose() => _key.Dispose();

    public static TheoryData<string> Damages => ["intact", "flipped byte", "removed record", "record removed from the manifest", "reordered record", "forged manifest", "unlisted record"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Verify_WhenTheZipIsHashedWhileItIsRead_FindsWhatOneThreadFinds(string damage)
    {
        var bundle = Damaged(damage);
        var zip = Zip(bundle);

        VerificationResult oneThread, readAhead;
        using (var reader = ZipArchiveBundle.Open(zip))
        {
            oneThread = ArchiveVerifier.Verify(reader, [_key.ExportPublicKeyPem()], parallel: false);
        }

        using (var reader = ZipArchiveBundle.Open(new MemoryStream(zip, writable: false)))
        {
            readAhead = ArchiveVerifier.Verify(reader, [_key.ExportPublicKeyPem()]);
        }

        Assert.Equal(oneThread.Findings, readAhead.Findings);
        Assert.Equal(ArchiveVerifier.Verify(bundle, [_key.ExportPublicKeyPem()], parallel: false).Findings, readAhead.Findings);
        Assert.Equal(oneThread.SignedByTrustedKey, readAhead.SignedByTrustedKey);
        Assert.Equal(damage == "intact", readAhead.IsIntact);
        Assert.NotEmpty(readAhead.Manifest!.Records);
    }

    [Fact]
    public void Verify_WhenTheReadAheadMeetsACorruptEntry_FailsAsOneThreadFails()
    {
        var zip = Zip(MemoryBundle.Sealed(Day, _key, Records));
        // Damage the local header signature of an entry in the middle of the zip: its reader cannot open it.
        var name = Encoding.UTF8.GetBytes("records/inbound/oms/T-04500.json");
        var at = zip.AsSpan().IndexOf(name) - 30;
        Assert.True(at > 0);
        Assert.Equal(0x04034b50, BitConverter.ToInt32(zip, at));
        zip[at] ^= 0xFF;

        var sequential = Outcome(() =>
        {
            using var reader = ZipArchiveBundle.Open(zip);
            return ArchiveVerifier.Verify(reader, [], parallel: false);
        });
        var parallel = Outcome(() =>
        {
            using var reader = ZipArchiveBundle.Open(zip);
            return ArchiveVerifier.Verify(reader, []);
        });

        Assert.Equal(sequential, parallel);
        Assert.Equal(typeof(InvalidDataException).Name, parallel);
    }

    private static string Outcome(Func<VerificationResult> verify)
    {
        try
        {
            return string.Join("\n", verify().Findings);
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }

    private MemoryBundle Damaged(string damage)
    {
        var bundle = MemoryBundle.Sealed(Day, _key, Records);
        var manifest = Encoding.UTF8.GetString(bundle.Files[ArchiveFormat.ManifestPath]);
        switch (damage)
        {
            case "intact":
                break;
            case "flipped byte":
                bundle.Files["records/inbound/oms/T-01234.json"][7] ^= 0x01;
                bundle.Files["records/inbound/oms/T-08999.json"][3] ^= 0x20;
                break;
            case "removed record":
                bundle.Files.Remove("records/inbound/oms/T-03000.json");
                bundle.Files.Remove("records/inbound/oms/T-07001.json");
                break;
            case "record removed from the manifest":
                var start = manifest.IndexOf("    {\n      \"name\": \"inbound/oms/T-05000.json\"", StringComparison.Ordinal);
                var end = manifest.IndexOf("    {", start + 5, StringComparison.Ordinal);
                bundle.Files[ArchiveFormat.ManifestPath] = Encoding.UTF8.GetBytes(
                    manifest.Remove(start, end - start).Replace("\"recordCount\": 9000", "\"recordCount\": 8999", StringComparison.Ordinal));
                break;
            case "reordered record":
                var first = "\"name\": \"inbound/oms/T-06000.json\"";
                var second = "\"name\": \"inbound/oms/T-06001.json\"";
                bundle.Files[ArchiveFormat.ManifestPath] = Encoding.UTF8.GetBytes(
                    manifest.Replace(first, "@@", StringComparison.Ordinal).Replace(second, first, StringComparison.Ordinal).Replace("@@", second, StringComparison.Ordinal));
                break;
            case "forged manifest":
                // A record is altered and the manifest rebuilt to match it, signed by a forger under the real key id.
                bundle.Files["records/inbound/oms/T-02000.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-02000","version":9}""");
                using (var forger = ArchiveSigningKey.Generate())
                {
                    var forged = ArchiveManifest.Build(Day, _key.KeyId, bundle.Files
                        .Where(f => f.Key.StartsWith(ArchiveFormat.RecordsFolder, StringComparison.Ordinal))
                        .Select(f => (f.Key[ArchiveFormat.RecordsFolder.Length..], SHA256.HashData(f.Value), (long)f.Value.Length)));
                    bundle.Files[ArchiveFormat.ManifestPath] = forged.ToCanonicalJson();
                    bundle.Files[ArchiveFormat.SignaturePath] = forger.Sign(bundle.Files[ArchiveFormat.ManifestPath]);
                }

                break;
            case "unlisted record":
                bundle.Files["records/inbound/oms/T-99999.json"] = Encoding.UTF8.GetBytes("{}");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such damage");
        }

        return bundle;
    }

    // The bundle as the product zips it: every file in ordinal order, compressed, with a fixed timestamp.
    private static byte[] Zip(MemoryBundle bundle)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in bundle.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
                entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var target = entry.Open();
                target.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}
