using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace ServerlessBackOffice.BlobStandIn.Storage;

/// <summary>
/// Where one piece of a blob's bytes lies: an array in memory, or a range of the stand-in's content file. A blob is a
/// list of extents (a block blob one per committed block, an append blob one per appended block), so committing a block
/// list or appending a block never copies the bytes already stored.
/// </summary>
internal readonly record struct Extent(byte[]? Bytes, long FileOffset, int Length)
{
    public static readonly Extent Empty = new([], 0, 0);
}

/// <summary>Stores the bytes of uploaded blobs and blocks, write-once, and reads them back.</summary>
internal interface IContentStore : IDisposable
{
    /// <summary>Stores <paramref name="bytes"/>; the array must not change afterwards.</summary>
    Extent Put(byte[] bytes);

    /// <summary>Fills <paramref name="destination"/> from the extent, starting <paramref name="offset"/> bytes into it.</summary>
    void Read(in Extent extent, int offset, Span<byte> destination);
}

/// <summary>The default: the bytes stay in the arrays they arrived in.</summary>
internal sealed class MemoryContentStore : IContentStore
{
    public Extent Put(byte[] bytes) => bytes.Length == 0 ? Extent.Empty : new Extent(bytes, 0, bytes.Length);

    public void Read(in Extent extent, int offset, Span<byte> destination) =>
        extent.Bytes.AsSpan(offset, destination.Length).CopyTo(destination);

    public void Dispose()
    {
    }
}

/// <summary>
/// The bytes go to one append-only file, and memory holds only names, properties and extents, so a day of a million
/// archive records does not need its bytes in memory (the operating system's page cache keeps what is read often).
/// Writers reserve their range with one atomic add and write at their own offset, so uploads do not wait on each other.
/// The file is unlinked as soon as it is open: it disappears when the stand-in stops, or when its process dies.
/// </summary>
internal sealed class FileContentStore : IContentStore
{
    private readonly SafeFileHandle _file;
    private long _end;

    public FileContentStore(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, $"blob-stand-in-{Environment.ProcessId}-{Guid.NewGuid():N}.content");
        _file = File.OpenHandle(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, FileOptions.DeleteOnClose);
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(Path);
        }
    }

    /// <summary>The file's name (on Unix it is unlinked at once; the open handle keeps it).</summary>
    public string Path { get; }

    /// <summary>Bytes written so far.</summary>
    public long Length => Interlocked.Read(ref _end);

    public Extent Put(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return Extent.Empty;
        }

        var offset = Interlocked.Add(ref _end, bytes.Length) - bytes.Length;
        RandomAccess.Write(_file, bytes, offset);
        return new Extent(null, offset, bytes.Length);
    }

    public void Read(in Extent extent, int offset, Span<byte> destination)
    {
        if (extent.Bytes is { } bytes)
        {
            bytes.AsSpan(offset, destination.Length).CopyTo(destination);
            return;
        }

        var position = extent.FileOffset + offset;
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_file, destination, position);
            if (read <= 0)
            {
                throw new IOException($"The Blob stand-in's content file ended at {position} inside a stored extent.");
            }

            destination = destination[read..];
            position += read;
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>A blob's bytes: its extents in order, read through the store that holds them. Immutable.</summary>
internal sealed class BlobContent
{
    private const int ChunkSize = 64 * 1024;
    private readonly IContentStore _store;
    private readonly Extent[] _extents;

    public BlobContent(IContentStore store, Extent[] extents)
    {
        _store = store;
        _extents = extents;
        foreach (var extent in extents)
        {
            Length += extent.Length;
        }
    }

    public long Length { get; }

    public IReadOnlyList<Extent> Extents => _extents;

    /// <summary>The same bytes followed by <paramref name="extent"/>.</summary>
    public BlobContent Append(Extent extent) => new(_store, [.. _extents, extent]);

    /// <summary>The bytes from <paramref name="offset"/>, as many as <paramref name="destination"/> holds.</summary>
    public void CopyTo(long offset, Span<byte> destination)
    {
        foreach (var (extent, from, count) in Pieces(offset, destination.Length))
        {
            _store.Read(extent, from, destination[..count]);
            destination = destination[count..];
        }
    }

    /// <summary>The bytes from <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/>, as an array.</summary>
    public byte[] ToArray(long offset, int count)
    {
        var bytes = new byte[count];
        CopyTo(offset, bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="count"/> bytes from <paramref name="offset"/> to <paramref name="body"/>, a chunk at a time.</summary>
    public async Task WriteToAsync(Stream body, long offset, long count, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            foreach (var (extent, from, length) in Pieces(offset, count))
            {
                if (extent.Bytes is { } bytes)
                {
                    await body.WriteAsync(bytes.AsMemory(from, length), cancellationToken);
                    continue;
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
                for (var done = 0; done < length;)
                {
                    var chunk = Math.Min(buffer.Length, length - done);
                    _store.Read(extent, from + done, buffer.AsSpan(0, chunk));
                    await body.WriteAsync(buffer.AsMemory(0, chunk), cancellationToken);
                    done += chunk;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The extents that cover [offset, offset + count), each with where to start in it and how much to take.</summary>
    private List<(Extent Extent, int From, int Count)> Pieces(long offset, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + count, Length);
        var pieces = new List<(Extent, int, int)>(1);
        var start = 0L;
        foreach (var extent in _extents)
        {
            if (count == 0)
            {
                break;
            }

            var end = start + extent.Length;
            if (offset < end)
            {
                var from = (int)(offset - start);
                var take = (int)Math.Min(extent.Length - from, count);
                pieces.Add((extent, from, take));
                offset += take;
                count -= take;
            }

            start = end;
        }

        return pieces;
    }
}
