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

        return OpenUnbuffered(full);
    }

    // A folder's files can be read from several threads at once: the verifier hashes records in parallel.
    public bool SupportsConcurrentReads => true;

    // One open per record and no stat before it (a million records are a million opens): the caller reads into its own
    // buffer, so the stream needs none. A missing file, or a directory under a record's name, is "not in the bundle".
    internal static FileStream? OpenUnbuffered(string fullPath)
    {
        try
        {
            return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
