using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>A record to archive: an inbound or outbound message or a state change, under a name unique in its day.</summary>
/// <param name="BusinessDate">The business day the record belongs to (its folder, and the day whose seal covers it).</param>
/// <param name="Name">The record's path within the day, for example <c>inbound/oms/T-1/v1/MSG-42.json</c>.</param>
/// <param name="Content">The exact bytes.</param>
/// <param name="ContentType">The media type, for example <c>application/json</c>.</param>
public sealed record ArchiveRecord(DateOnly BusinessDate, string Name, ReadOnlyMemory<byte> Content, string ContentType);

/// <summary>What happened to a write.</summary>
public enum ArchiveWriteResult
{
    /// <summary>Written now.</summary>
    Written,

    /// <summary>The same record was already archived (a redelivery): nothing changed.</summary>
    AlreadyArchived,

    /// <summary>A different record exists under the same name: nothing was overwritten, and this must raise an alert.</summary>
    Conflict,
}

/// <summary>A record as listed: its name, size and SHA-256 (computed when it was written).</summary>
public sealed record ArchivedRecordInfo(string Name, long Size, byte[] Sha256);

/// <summary>
/// The archive's storage port: write once, never overwrite. A second write of the same bytes is a no-op; different bytes
/// under an existing name are refused and reported. In Azure the containers also carry time-based retention, so even an
/// identity with write access cannot change or delete a record.
/// </summary>
public interface IArchiveStore
{
    /// <summary>Writes a record once.</summary>
    Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken);

    /// <summary>Lists a day's records with their hashes (the seal is built from this, without downloading records).</summary>
    IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the records of a day whose names start with <paramref name="namePrefix"/>, in name order: an index (such as
    /// capture's rejections) without reading the whole day. A store that can list by prefix itself overrides this; the
    /// default filters the day's listing.
    /// </summary>
    IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, string namePrefix, CancellationToken cancellationToken) =>
        ArchiveListing.WithPrefix(ListAsync(businessDate, cancellationToken), namePrefix, cancellationToken);

    /// <summary>Opens a record, or returns null when it does not exist.</summary>
    Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken);

    /// <summary>Writes a day's seal (manifest, signature, public key) once; false when the day is already sealed.</summary>
    Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken);

    /// <summary>Reads a day's seal files (manifest.json, manifest.sig, keys/…), or null when the day is not sealed.</summary>
    Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken);

    /// <summary>The days that have records.</summary>
    IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken);
}

/// <summary>Where the archive's signing key comes from: Key Vault in Azure, a local development key file otherwise.</summary>
public interface IArchiveSigningKeyProvider
{
    /// <summary>The current signing key.</summary>
    Task<ArchiveSigningKey> GetSigningKeyAsync(CancellationToken cancellationToken);

    /// <summary>Every public key that ever signed (current and rotated), as PEM, for bundles and auditors.</summary>
    Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken);
}

/// <summary>Listing helpers shared by the archive stores.</summary>
public static class ArchiveListing
{
    /// <summary>The records of a listing whose names start with <paramref name="namePrefix"/>.</summary>
    public static async IAsyncEnumerable<ArchivedRecordInfo> WithPrefix(IAsyncEnumerable<ArchivedRecordInfo> records, string namePrefix,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(namePrefix);
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            if (record.Name.StartsWith(namePrefix, StringComparison.Ordinal))
            {
                yield return record;
            }
        }
    }
}
