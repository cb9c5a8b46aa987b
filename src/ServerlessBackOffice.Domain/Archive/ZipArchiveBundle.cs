using System.IO.Compression;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>
/// A bundle as downloaded: a zip read in place, entry by entry, which is all the verifier needs. Its entries share one
/// stream, so it is read by one thread; the verifier hashes what that thread reads on the other cores.
/// </summary>
public sealed class ZipArchiveBundle : IArchiveBundle, IDisposable
{
    private readonly ZipArchive _zip;
    private readonly bool _ownsArchive;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;

    /// <summary>Reads an open zip; the caller keeps ownership of it. The zip is read by one thread.</summary>
    public ZipArchiveBundle(ZipArchive zip)
        : this(zip, ownsArchive: false)
    {
    }

    private ZipArchiveBundle(ZipArchive zip, bool ownsArchive)
    {
        ArgumentNullException.ThrowIfNull(zip);
        _zip = zip;
        _ownsArchive = ownsArchive;
        var entries = zip.Entries;
        _entries = new Dictionary<string, ZipArchiveEntry>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            // A name that appears twice is kept once (the first), and the verifier then reports what does not match.
            if (!entry.FullName.EndsWith('/'))
            {
                _entries.TryAdd(entry.FullName, entry);
            }
        }
    }

    /// <summary>Reads a zip held in memory.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a zip.</exception>
    public static ZipArchiveBundle Open(byte[] zipBytes) =>
        new(new ZipArchive(new MemoryStream(zipBytes, writable: false), ZipArchiveMode.Read), ownsArchive: true);

    /// <summary>Reads the zip in <paramref name="stream"/> (seekable), which the bundle owns from now on.</summary>
    /// <exception cref="InvalidDataException">The stream is not a zip.</exception>
    public static ZipArchiveBundle Open(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return new ZipArchiveBundle(new ZipArchive(stream, ZipArchiveMode.Read), ownsArchive: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IEnumerable<string> Paths() => _entries.Keys;

    /// <inheritdoc />
    public Stream? Open(string path) => _entries.TryGetValue(path, out var entry) ? entry.Open() : null;

    /// <inheritdoc />
    public long? StatedLength(string path) => _entries.TryGetValue(path, out var entry) ? entry.Length : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsArchive)
        {
            _zip.Dispose();
        }
    }
}
