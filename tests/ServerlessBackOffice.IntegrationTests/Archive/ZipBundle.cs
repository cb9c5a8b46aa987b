using System.IO.Compression;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.IntegrationTests.Archive;

/// <summary>A downloaded bundle read the way an auditor's verifier reads it: a zip of files, nothing else.</summary>
internal sealed class ZipBundle(Dictionary<string, byte[]> files) : IArchiveBundle
{
    public static ZipBundle From(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return new ZipBundle(archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var content = e.Open();
            using var copy = new MemoryStream();
            content.CopyTo(copy);
            return copy.ToArray();
        }));
    }

    public IEnumerable<string> Paths() => files.Keys;

    public Stream? Open(string path) => files.TryGetValue(path, out var bytes) ? new MemoryStream(bytes) : null;
}
