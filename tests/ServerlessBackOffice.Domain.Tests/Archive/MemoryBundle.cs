using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>A bundle held in memory, so tests can damage it one file at a time.</summary>
internal sealed class MemoryBundle : IArchiveBundle
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public IEnumerable<string> Paths() => Files.Keys;

    public Stream? Open(string path) => Files.TryGetValue(path, out var bytes) ? new MemoryStream(bytes, writable: false) : null;

    public static MemoryBundle Sealed(DateOnly date, ArchiveSigningKey key, IReadOnlyDictionary<string, string> records)
    {
        var bundle = new MemoryBundle();
        foreach (var (name, content) in records)
        {
            bundle.Files[ArchiveFormat.RecordsFolder + name] = System.Text.Encoding.UTF8.GetBytes(content);
        }

        var seal = ArchiveSeal.Seal(date, key, records.Select(r => (r.Key, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(r.Value))));
        foreach (var (path, bytes) in seal.Files)
        {
            bundle.Files[path] = bytes;
        }

        return bundle;
    }
}
