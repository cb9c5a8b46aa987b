using System.Security.Cryptography;
using System.Text;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>The files that seal a day: the canonical manifest, its signature and the signer's public key.</summary>
public sealed record SealedDay(ArchiveManifest Manifest, byte[] ManifestJson, byte[] Signature, string KeyId, string PublicKeyPem)
{
    /// <summary>The bundle files the seal adds beside <c>records/</c>, by path.</summary>
    public IReadOnlyDictionary<string, byte[]> Files => new Dictionary<string, byte[]>(StringComparer.Ordinal)
    {
        [ArchiveFormat.ManifestPath] = ManifestJson,
        [ArchiveFormat.SignaturePath] = Signature,
        [ArchiveFormat.KeyPath(KeyId)] = Encoding.UTF8.GetBytes(PublicKeyPem),
    };
}

/// <summary>Seals a business day's records: chains them in canonical order, writes the manifest and signs it.</summary>
public static class ArchiveSeal
{
    /// <summary>Seals records given with their content.</summary>
    public static SealedDay Seal(DateOnly businessDate, ArchiveSigningKey key, IEnumerable<(string Name, ReadOnlyMemory<byte> Content)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return SealHashes(businessDate, key, records.Select(r => (r.Name, SHA256.HashData(r.Content.Span), (long)r.Content.Length)));
    }

    /// <summary>Seals records given by hash and size (records streamed to storage were hashed as they were written).</summary>
    public static SealedDay SealHashes(DateOnly businessDate, ArchiveSigningKey key, IEnumerable<(string Name, byte[] Sha256, long Size)> records)
    {
        ArgumentNullException.ThrowIfNull(key);
        var manifest = ArchiveManifest.Build(businessDate, key.KeyId, records);
        var json = manifest.ToCanonicalJson();
        return new SealedDay(manifest, json, key.Sign(json), key.KeyId, key.ExportPublicKeyPem());
    }
}
