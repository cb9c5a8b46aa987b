using System.IO.Enumeration;
using Microsoft.Win32.SafeHandles;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Cli.Archive;

/// <summary>A bundle unpacked into a folder on disk.</summary>
internal sealed class FolderBundle(DirectoryInfo root) : IArchiveBundle
{
    // The root with one trailing separator: every file the bundle opens is under it.
    private readonly string _rootPrefix = root.FullName.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;

    // Every file under the root, hidden ones included (as Directory.EnumerateFiles with AllDirectories lists them), each
    // path made once from the enumerator's own spans: a million records are a million paths, not three strings each.
    public IEnumerable<string> Paths() =>
        new FileSystemEnumerable<string>(
            root.FullName,
            (ref FileSystemEntry entry) => RelativePath(ref entry),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory,
        };

    public Stream? Open(string path)
    {
        // A manifest naming "../x" must not make the verifier read outside the bundle. A plain relative path (the archive's
        // record names) cannot leave the root and is joined to it as it is; anything else is normalised first, then checked.
        var full = IsPlainRelative(path) ? string.Concat(_rootPrefix, path) : Path.GetFullPath(Path.Combine(root.FullName, path));
        if (!full.StartsWith(_rootPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return OpenUnbuffered(full);
    }

    // "a/b/c.json" on Unix: not rooted, and no empty, "." or ".." segment nor a null character. (Windows, with its drives and
    // second separator, always takes the normalising path.)
    internal static bool IsPlainRelative(string path)
    {
        if (OperatingSystem.IsWindows() || path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var range in path.AsSpan().Split('/'))
        {
            if (path.AsSpan(range) is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    private static string RelativePath(ref FileSystemEntry entry)
    {
        var directory = entry.Directory[entry.RootDirectory.Length..].TrimStart(Path.DirectorySeparatorChar);
        var name = entry.FileName;
        var length = directory.Length + (directory.IsEmpty ? 0 : 1) + name.Length;
        Span<char> path = length <= 512 ? stackalloc char[length] : new char[length];
        directory.CopyTo(path);
        if (!directory.IsEmpty)
        {
            path[directory.Length] = '/';
        }

        name.CopyTo(path[(length - name.Length)..]);
        path.Replace(Path.DirectorySeparatorChar, '/');
        return new string(path);
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

/// <summary>A bundle as downloaded: one zip file on disk.</summary>
internal static class ZipBundleFile
{
    /// <summary>The zip's stream, for <see cref="ZipArchiveBundle"/>.</summary>
    public static Stream Open(string path) => new PositionalReadStream(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess));
}

/// <summary>
/// A read-only, seekable stream over a file that does not change while it is read. A zip reader seeks to each entry's local
/// header, reads it, checks the stream's length, then reads the entry's data: for a million small consecutive entries a
/// <see cref="FileStream"/> makes a length query (fstat) and a read per entry. Here the length is read once, and reads are
/// positional (pread) into one 64 KB buffer that stays valid across seeks, so a hundred-odd entries cost one system call.
/// </summary>
internal sealed class PositionalReadStream(SafeFileHandle handle) : Stream
{
    private const int BufferSize = 1 << 16;
    private readonly long _length = RandomAccess.GetLength(handle);
    private readonly byte[] _buffer = new byte[BufferSize];
    private long _bufferStart;
    private int _buffered;
    private long _position;

    public override bool CanRead => !handle.IsClosed;

    public override bool CanSeek => !handle.IsClosed;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (destination.IsEmpty || _position >= _length)
        {
            return 0;
        }

        if (_position < _bufferStart || _position >= _bufferStart + _buffered)
        {
            if (destination.Length >= BufferSize)
            {
                // A large read goes straight to the caller's memory.
                var direct = RandomAccess.Read(handle, destination, _position);
                _position += direct;
                return direct;
            }

            _bufferStart = _position;
            _buffered = RandomAccess.Read(handle, _buffer, _position);
            if (_buffered == 0)
            {
                return 0;
            }
        }

        var available = _buffer.AsSpan((int)(_position - _bufferStart), (int)(_bufferStart + _buffered - _position));
        var read = Math.Min(available.Length, destination.Length);
        available[..read].CopyTo(destination);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
