using System.IO.Compression;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>A bundle as downloaded: a zip read in place, entry by entry, which is all the verifier needs.</summary>
public sealed class ZipArchiveBundle : IArchiveBundle, IDisposable
{
    private readonly ZipArchive _zip;
    private readonly bool _ownsArchive;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;

    /// <summary>Reads an open zip; the caller keeps ownership of it.</summary>
    public ZipArchiveBundle(ZipArchive zip)
        : this(zip, ownsArchive: false)
    {
    }

    private ZipArchiveBundle(ZipArchive zip, bool ownsArchive)
    {
        ArgumentNullException.ThrowIfNull(zip);
        _zip = zip;
        _ownsArchive = ownsArchive;
        // A name that appears twice is kept once (the first), and the verifier then reports what does not match.
        _entries = zip.Entries
            .Where(e => !e.FullName.EndsWith('/'))
            .GroupBy(e => e.FullName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>Reads a zip held in memory.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a zip.</exception>
    public static ZipArchiveBundle Open(byte[] zipBytes) =>
        new(new ZipArchive(new MemoryStream(zipBytes, writable: false), ZipArchiveMode.Read), ownsArchive: true);

    /// <inheritdoc />
    public IEnumerable<string> Paths() => _entries.Keys;

    /// <inheritdoc />
    public Stream? Open(string path) => _entries.TryGetValue(path, out var entry) ? entry.Open() : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsArchive)
        {
            _zip.Dispose();
        }
    }
}
