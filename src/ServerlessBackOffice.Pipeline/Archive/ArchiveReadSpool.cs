using Microsoft.Win32.SafeHandles;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>
/// Records already read from the archive in one pass, kept in a temporary file (deleted when disposed) so a second pass over
/// the same day — the bundle written right after the close that read them — reads the local file instead of the store. A
/// record is written once and never changes, so the bytes read earlier are the bytes a later read would return. Only the
/// names and offsets stay in memory; the contents do not.
/// </summary>
public sealed class ArchiveReadSpool : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, (long Offset, int Length)> _records = new(StringComparer.Ordinal);
    private long _end;

    public ArchiveReadSpool()
    {
        var path = Path.Combine(Path.GetTempPath(), $"archive-spool-{Guid.NewGuid():N}.tmp");
        _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
    }

    /// <summary>The number of records held.</summary>
    public int Count => _records.Count;

    /// <summary>Keeps a record's bytes; a name added before keeps its first bytes (a record never changes).</summary>
    public void Add(string name, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        if (_records.ContainsKey(name))
        {
            return;
        }

        RandomAccess.Write(_file, content, _end);
        _records.Add(name, (_end, content.Length));
        _end += content.Length;
    }

    /// <summary>The bytes of a record held here, or false when it was not read in the pass.</summary>
    public bool TryRead(string name, out byte[] content)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        if (!_records.TryGetValue(name, out var at))
        {
            content = [];
            return false;
        }

        content = new byte[at.Length];
        var read = 0;
        while (read < at.Length)
        {
            var n = RandomAccess.Read(_file, content.AsSpan(read), at.Offset + read);
            if (n == 0)
            {
                throw new IOException($"The archive spool ended inside record {name}.");
            }

            read += n;
        }

        return true;
    }

    public void Dispose() => _file.Dispose();
}
