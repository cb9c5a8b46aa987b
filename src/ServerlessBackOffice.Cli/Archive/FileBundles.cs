using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Archive;

/// <summary>A bundle unpacked into a folder on disk.</summary>
internal sealed class FolderBundle(DirectoryInfo root) : IArchiveBundle
{
    public IEnumerable<string> Paths() =>
        Directory.EnumerateFiles(root.FullName, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root.FullName, f).Replace(Path.DirectorySeparatorChar, '/'));

    public Stream? Open(string path)
    {
        var full = Path.GetFullPath(Path.Combine(root.FullName, path));
        // A manifest naming "../x" must not make the verifier read outside the bundle.
        if (!full.StartsWith(root.FullName.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        return File.Exists(full) ? File.OpenRead(full) : null;
    }
}
