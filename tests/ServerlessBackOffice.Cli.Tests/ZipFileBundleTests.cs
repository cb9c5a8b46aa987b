using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ServerlessBackOffice.Cli.Archive;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The zip bundle read in place by several threads (`backoffice verify bundle.zip`): it reads what
/// <see cref="ZipArchive"/> reads, Zip64 included, the verifier's verdict on it equals the verdict through
/// <see cref="ZipArchiveBundle"/> for every kind of damage, and a zip that is damaged or forged in its structure is refused
/// with <see cref="InvalidDataException"/>, never read outside the file, never inflated past an entry's stated size.
/// </summary>
public sealed class ZipFileBundleTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sbo-zipfile-");
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _root.Delete(recursive: true);
    }

    public static TheoryData<string> Damages => ["intact", "flipped byte", "removed record", "unlisted record", "altered record and manifest", "renamed record", "removed record and unlisted record", "a name listed twice"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void Verify_OnTheZipReadInPlace_FindsWhatZipArchiveFinds(string damage)
    {
        var path = WriteZip(Damaged(damage));

        VerificationResult inPlace, reference;
        using (var bundle = ZipFileBundle.OpenFile(path))
        {
            Assert.True(bundle.SupportsConcurrentReads);
            inPlace = ArchiveVerifier.Verify(bundle, [_key.ExportPublicKeyPem()]);
        }

        using (var zip = ZipFile.OpenRead(path))
        {
            reference = ArchiveVerifier.Verify(new ZipArchiveBundle(zip), [_key.ExportPublicKeyPem()]);
        }

        Assert.Equal(reference.Findings, inPlace.Findings);
        Assert.Equal(damage == "intact", inPlace.IsIntact);
        Assert.Equal(3000, inPlace.Manifest!.Records.Count);
    }

    [Fact]
    public void EveryEntry_ReadConcurrently_EqualsZipArchive_StoredAndDeflated()
    {
        var files = Enumerable.Range(0, 2000).ToDictionary(
            i => $"records/r/{i:D4}{(i % 7 == 0 ? "-é" : string.Empty)}.json",
            i => Encoding.UTF8.GetBytes(new string((char)('a' + (i % 26)), i * 13 % 5000)),
            StringComparer.Ordinal);
        var path = WriteZip(files, level: i => i % 3 == 0 ? CompressionLevel.NoCompression : CompressionLevel.Optimal);

        using var bundle = ZipFileBundle.OpenFile(path);
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), bundle.Paths().Order(StringComparer.Ordinal));
        Assert.Equal(files.Count, ((IArchiveBundle)bundle).RecordCount);
        Parallel.ForEach(files, file =>
        {
            using var stream = bundle.Open(file.Key)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(file.Value, copy.ToArray());
            Assert.Equal(file.Value.Length, bundle.StatedLength(file.Key));
            using var record = ((IArchiveBundle)bundle).OpenRecord(file.Key[ArchiveFormat.RecordsFolder.Length..])!;
            using var recordCopy = new MemoryStream();
            record.CopyTo(recordCopy);
            Assert.Equal(file.Value, recordCopy.ToArray());
        });
        Assert.Null(((IArchiveBundle)bundle).OpenRecord("r/none.json"));
        Assert.Null(bundle.Open("records/r/none.json"));
        Assert.Null(bundle.StatedLength("records/r/none.json"));
    }

    [Fact]
    public void AZip64Directory_OfMoreThan65535Entries_IsRead()
    {
        var files = Enumerable.Range(0, 70_000).ToDictionary(i => $"records/{i:D5}", i => Encoding.ASCII.GetBytes($"{i}"), StringComparer.Ordinal);
        var path = WriteZip(files, level: _ => CompressionLevel.NoCompression);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x50, 0x4b, 0x06, 0x06]) > 0, "the writer used a Zip64 end record");

        using var bundle = ZipFileBundle.OpenFile(path);
        Assert.Equal(70_000, bundle.Paths().Count());
        foreach (var i in new[] { 0, 65_535, 65_536, 69_999 })
        {
            using var reader = new StreamReader(bundle.Open($"records/{i:D5}")!);
            Assert.Equal($"{i}", reader.ReadToEnd());
        }
    }

    [Fact]
    public void NotAZip_OrTruncated_IsRefused()
    {
        var notZip = Path.Combine(_root.FullName, "not.zip");
        File.WriteAllText(notZip, "this is not a zip file at all");
        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(notZip));

        var empty = Path.Combine(_root.FullName, "empty.zip");
        File.WriteAllBytes(empty, []);
        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(empty));

        var path = WriteZip(Sealed());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 30)]);
        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(path));
    }

    [Fact]
    public void ACentralDirectoryPointingOutsideTheFile_IsRefused()
    {
        var path = WriteZip(Sealed());
        var bytes = File.ReadAllBytes(path);
        // The central directory's offset (end record, at +16) pushed past the end.
        var end = bytes.AsSpan().LastIndexOf((ReadOnlySpan<byte>)[0x50, 0x4b, 0x05, 0x06]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(end + 16), (uint)bytes.Length);
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(path));
    }

    [Fact]
    public void AnEntryPointingOutsideTheFile_OrEncrypted_IsRefused()
    {
        var path = WriteZip(Sealed());
        var original = File.ReadAllBytes(path);

        var bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(CentralHeaderOf(bytes, "records/inbound/oms/T-01500.json") + 42), (uint)bytes.Length - 10);
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(path));

        bytes = (byte[])original.Clone();
        bytes[CentralHeaderOf(bytes, "records/inbound/oms/T-01500.json") + 8] |= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(() => ZipFileBundle.OpenFile(path));
    }

    [Fact]
    public void ACorruptLocalHeader_OrAnUnknownMethod_FailsTheReadOfThatEntry_AndTheVerificationWithIt()
    {
        var path = WriteZip(Sealed());
        var original = File.ReadAllBytes(path);
        const string Name = "records/inbound/oms/T-01500.json";

        var bytes = (byte[])original.Clone();
        var local = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Name)) - 30;
        Assert.Equal(0x04034b50u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(local)));
        bytes[local] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        using (var bundle = ZipFileBundle.OpenFile(path))
        {
            Assert.Throws<InvalidDataException>(() => bundle.Open(Name));
            // Read by several threads, the verifier fails with the entry's own exception, not an AggregateException.
            Assert.Throws<InvalidDataException>(() => ArchiveVerifier.Verify(bundle, []));
        }

        bytes = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(CentralHeaderOf(bytes, Name) + 10), 14);
        File.WriteAllBytes(path, bytes);
        using (var bundle = ZipFileBundle.OpenFile(path))
        {
            Assert.Throws<InvalidDataException>(() => bundle.Open(Name));
        }
    }

    [Fact]
    public void AnEntryLargerThanItsStatedSize_YieldsOneByteMore_NotTheRest()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["records/bomb.json"] = new byte[1_000_000] };
        var path = WriteZip(files);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(CentralHeaderOf(bytes, "records/bomb.json") + 24), 100);
        File.WriteAllBytes(path, bytes);

        using var bundle = ZipFileBundle.OpenFile(path);
        using var stream = bundle.Open("records/bomb.json")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.Equal(101, copy.Length);
    }

    // The central directory header of an entry: its name's last occurrence (the directory follows the data) less 46 bytes.
    private static int CentralHeaderOf(byte[] zip, string name)
    {
        var at = zip.AsSpan().LastIndexOf(Encoding.UTF8.GetBytes(name)) - 46;
        Assert.Equal(0x02014b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)));
        return at;
    }

    private Dictionary<string, byte[]> Sealed()
    {
        var records = Enumerable.Range(0, 3000).ToDictionary(
            i => $"inbound/oms/T-{i:D5}.json",
            i => Encoding.UTF8.GetBytes($$"""{"tradeId":"T-{{i:D5}}","pad":"{{new string('x', i % 97)}}"}"""),
            StringComparer.Ordinal);
        var seal = ArchiveSeal.Seal(Day, _key, records.Select(r => (r.Key, (ReadOnlyMemory<byte>)r.Value)));
        return records.Select(r => (ArchiveFormat.RecordsFolder + r.Key, r.Value))
            .Concat(seal.Files.Select(f => (f.Key, f.Value)))
            .ToDictionary(f => f.Item1, f => f.Item2, StringComparer.Ordinal);
    }

    private Dictionary<string, byte[]> Damaged(string damage)
    {
        var files = Sealed();
        switch (damage)
        {
            case "intact":
                break;
            case "flipped byte":
                files["records/inbound/oms/T-01234.json"][7] ^= 0x01;
                files["records/inbound/oms/T-02999.json"][3] ^= 0x20;
                break;
            case "removed record":
                files.Remove("records/inbound/oms/T-00000.json");
                files.Remove("records/inbound/oms/T-01701.json");
                break;
            case "unlisted record":
                files["records/inbound/oms/T-99999.json"] = Encoding.UTF8.GetBytes("{}");
                break;
            case "renamed record":
                // As many record files as the manifest lists, but one under a name it does not: the zip's count of records
                // alone must not pass it.
                files["records/inbound/oms/T-0150X.json"] = files["records/inbound/oms/T-01500.json"];
                files.Remove("records/inbound/oms/T-01500.json");
                break;
            case "removed record and unlisted record":
                files.Remove("records/inbound/oms/T-00007.json");
                files["records/inbound/oms/T-99999.json"] = Encoding.UTF8.GetBytes("{}");
                break;
            case "a name listed twice":
                // The manifest lists T-02499 twice and not T-02500: every listed name is found and there are as many as
                // the zip holds, yet T-02500 is unlisted.
                files[ArchiveFormat.ManifestPath] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files[ArchiveFormat.ManifestPath]).Replace("T-02500.json", "T-02499.json", StringComparison.Ordinal));
                break;
            case "altered record and manifest":
                files["records/inbound/oms/T-02000.json"] = Encoding.UTF8.GetBytes("""{"tradeId":"T-02000","version":9}""");
                files[ArchiveFormat.ManifestPath] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files[ArchiveFormat.ManifestPath]).Replace("T-02500", "T-0250X", StringComparison.Ordinal));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such damage");
        }

        return files;
    }

    private string WriteZip(Dictionary<string, byte[]> files, Func<int, CompressionLevel>? level = null)
    {
        var path = Path.Combine(_root.FullName, $"{Guid.NewGuid():N}.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var i = 0;
            foreach (var (name, bytes) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(name, level?.Invoke(i++) ?? CompressionLevel.Optimal);
                using var target = entry.Open();
                target.Write(bytes);
            }
        }

        return path;
    }
}
