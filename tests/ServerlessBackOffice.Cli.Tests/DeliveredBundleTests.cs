using System.IO.Compression;
using System.Text;
using ServerlessBackOffice.Cli.DayRun;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The day run's closing summary copies the bundle the end of day delivered instead of rebuilding it from every record,
/// but only when that bundle holds exactly the day's seal.
/// </summary>
public sealed class DeliveredBundleTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("delivered-bundle-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("{\"businessDate\":\"2026-11-24\",\"records\":[]}");

    private string Zip(string name, params (string Path, byte[] Content)[] entries)
    {
        var path = Path.Combine(_folder.FullName, name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (entryPath, content) in entries)
        {
            using var stream = zip.CreateEntry(entryPath).Open();
            stream.Write(content);
        }

        return path;
    }

    [Fact]
    public void ABundleWithTheSealsManifest_IsReused() =>
        Assert.True(DayRunner.BundleHoldsManifest(Zip("same.zip", (ArchiveFormat.ManifestPath, Manifest), (ArchiveFormat.SignaturePath, [1, 2])), Manifest));

    [Fact]
    public void ABundleOfAnotherSeal_IsNot()
    {
        var other = Encoding.UTF8.GetBytes("{\"businessDate\":\"2026-11-24\",\"records\":[1]}");
        Assert.False(DayRunner.BundleHoldsManifest(Zip("other.zip", (ArchiveFormat.ManifestPath, other)), Manifest));
        var sameLength = (byte[])Manifest.Clone();
        sameLength[^2] = (byte)'}';
        Assert.False(DayRunner.BundleHoldsManifest(Zip("same-length.zip", (ArchiveFormat.ManifestPath, sameLength)), Manifest));
    }

    [Fact]
    public void NoBundle_ABundleWithoutAManifest_OrAFileThatIsNoZip_IsNot()
    {
        Assert.False(DayRunner.BundleHoldsManifest(Path.Combine(_folder.FullName, "missing.zip"), Manifest));
        Assert.False(DayRunner.BundleHoldsManifest(Zip("no-manifest.zip", ("records/a", [1])), Manifest));
        var garbage = Path.Combine(_folder.FullName, "garbage.zip");
        File.WriteAllBytes(garbage, Encoding.UTF8.GetBytes("not a zip"));
        Assert.False(DayRunner.BundleHoldsManifest(garbage, Manifest));
    }
}
