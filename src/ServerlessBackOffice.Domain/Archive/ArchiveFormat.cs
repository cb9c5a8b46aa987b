namespace ServerlessBackOffice.Domain.Archive;

/// <summary>
/// The layout of a day's archive bundle, as a folder or a zip: <c>manifest.json</c>, its detached signature
/// <c>manifest.sig</c>, the public keys under <c>keys/</c>, and every archived record under <c>records/</c>.
/// An auditor needs nothing else, and no service of ours, to verify it.
/// </summary>
public static class ArchiveFormat
{
    /// <summary>The format identifier written into every manifest.</summary>
    public const string Version = "serverless-back-office-archive/v1";

    /// <summary>The manifest's path inside a bundle.</summary>
    public const string ManifestPath = "manifest.json";

    /// <summary>The detached ECDSA P-256 / SHA-256 signature of the manifest bytes (DER, as openssl writes it).</summary>
    public const string SignaturePath = "manifest.sig";

    /// <summary>The folder of public keys (SubjectPublicKeyInfo PEM), one file per key id, current and rotated.</summary>
    public const string KeysFolder = "keys/";

    /// <summary>The folder of archived records.</summary>
    public const string RecordsFolder = "records/";

    /// <summary>
    /// The largest record the archive accepts: 1 GiB. Messages are far smaller (Service Bus bounds them, and capture refuses
    /// an oversized payload before it is archived); the largest records are a close's own reports, which grow with the
    /// day — a book's inputs file names every record of the day with its SHA-256, about 150 bytes a record: 183 MB at
    /// 100,000 trades, when the limit was 16 MiB and refused it. A day of more than about 700,000 trades needs the inputs
    /// file split (docs/archive.md).
    /// </summary>
    public const long MaxRecordBytes = 1024L * 1024 * 1024;

    /// <summary>The path of a public key file inside a bundle.</summary>
    public static string KeyPath(string keyId) => $"{KeysFolder}{keyId}.pem";
}
