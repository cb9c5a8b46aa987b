using System.Text;
using ServerlessBackOffice.Cli.Archive;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// An unpacked bundle lists every file under its root with '/' separators, hidden ones included, and opens only files under
/// its root: record names are joined to the root as they are, anything else is normalised and checked first.
/// </summary>
public sealed class FolderBundleTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sbo-folder-bundle-");

    public void Dispose() => _root.Delete(recursive: true);

    private DirectoryInfo WriteFolder(params string[] paths)
    {
        var folder = _root.CreateSubdirectory("bundle");
        foreach (var path in paths)
        {
            var file = Path.Combine(folder.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, path);
        }

        return folder;
    }

    [Fact]
    public void Paths_ListEveryFileAsDirectoryEnumerationDoes_WithSlashes()
    {
        var folder = WriteFolder("manifest.json", "records/ledger/US-EQ/T-1:v1:trade-date.json", "records/.hidden/a.json", "records/outbound/x/.b", "keys/k 1.pem");
        Directory.CreateDirectory(Path.Combine(folder.FullName, "records", "empty"));
        var expected = Directory.EnumerateFiles(folder.FullName, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder.FullName, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);

        var paths = new FolderBundle(folder).Paths().Order(StringComparer.Ordinal);

        Assert.Equal(expected, paths);
        Assert.Contains("records/ledger/US-EQ/T-1:v1:trade-date.json", paths);
    }

    [Fact]
    public void Paths_OfARootGivenWithATrailingSeparator_AreRelativeToIt()
    {
        var folder = WriteFolder("records/a.json");

        Assert.Equal(["records/a.json"], new FolderBundle(new DirectoryInfo(folder.FullName + Path.DirectorySeparatorChar)).Paths());
    }

    [Theory]
    [InlineData("records/ledger/US-EQ/T-1:v1:trade-date.json")]
    [InlineData("records/./ledger/US-EQ/T-1:v1:trade-date.json")]
    [InlineData("records/x/../ledger/US-EQ/T-1:v1:trade-date.json")]
    [InlineData("records//ledger/US-EQ/T-1:v1:trade-date.json")]
    public void Open_OfAFileUnderTheRoot_ReadsIt(string path)
    {
        var folder = WriteFolder("records/ledger/US-EQ/T-1:v1:trade-date.json");

        using var stream = new FolderBundle(folder).Open(path);

        Assert.NotNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("records/ledger/US-EQ/T-1:v1:trade-date.json", reader.ReadToEnd());
    }

    [Theory]
    [InlineData("../outside.json")]
    [InlineData("records/../../outside.json")]
    [InlineData("records/a/../../../outside.json")]
    [InlineData("records/missing.json")]
    [InlineData("records")]
    public void Open_OfAFileOutsideTheRootOrMissing_ReturnsNull(string path)
    {
        var folder = WriteFolder("records/a.json");
        File.WriteAllText(Path.Combine(_root.FullName, "outside.json"), "secret");

        Assert.Null(new FolderBundle(folder).Open(path));
    }

    [Fact]
    public void Open_OfAnAbsolutePath_ReturnsNull()
    {
        var folder = WriteFolder("records/a.json");
        var outside = Path.Combine(_root.FullName, "outside.json");
        File.WriteAllText(outside, "secret");

        Assert.Null(new FolderBundle(folder).Open(outside));
    }

    [Theory]
    [InlineData("records/a.json", true)]
    [InlineData("records/T-1:v1:trade-date.json", true)]
    [InlineData("records/.hidden", true)]
    [InlineData("records/..hidden", true)]
    [InlineData("", false)]
    [InlineData("/records/a.json", false)]
    [InlineData("records//a.json", false)]
    [InlineData("records/./a.json", false)]
    [InlineData("records/../a.json", false)]
    [InlineData("..", false)]
    [InlineData("records/", false)]
    public void IsPlainRelative_OnUnix_AcceptsOnlyPathsThatCannotLeaveTheRoot(string path, bool plain)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Windows always normalises");

        Assert.Equal(plain, FolderBundle.IsPlainRelative(path));
    }
}
