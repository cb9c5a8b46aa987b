using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>
/// The archive in Blob Storage: one block blob per record at <c>&lt;yyyy-MM-dd&gt;/records/&lt;name&gt;</c>, created
/// with <c>If-None-Match: *</c> so nothing is ever overwritten (docs/decisions/0050). The record's SHA-256 is stored in
/// the blob's metadata when it is written, so sealing a day lists the day without downloading a single record. A day's
/// seal lives beside its records at <c>&lt;yyyy-MM-dd&gt;/seal/</c>, written the same way. In Azure the container also
/// carries a time-based retention policy (docs/decisions/0044), so not even this identity can change a record.
/// </summary>
public sealed partial class BlobArchiveStore(BlobContainerClient container, ILogger<BlobArchiveStore> logger) : IArchiveStore
{
    /// <summary>The metadata key that holds a record's SHA-256 (lower-case hex), computed before upload.</summary>
    public const string Sha256MetadataKey = "sha256";

    private const string DateFormat = "yyyy-MM-dd";
    private const string RecordsFolder = "/records/";
    private const string SealFolder = "/seal/";
    private const string BundleFolder = "/bundle/";

    // The longest blob name Blob Storage accepts.
    private const int MaxBlobNameLength = 1024;

    /// <summary>The blob that holds a record.</summary>
    public static string RecordBlobName(DateOnly businessDate, string name)
    {
        ValidateRecordName(name);
        return RecordsPrefix(businessDate) + name;
    }

    /// <summary>The folder of a day's records, ending with a slash.</summary>
    public static string RecordsPrefix(DateOnly businessDate) => Day(businessDate) + RecordsFolder;

    /// <summary>The folder of a day's seal files, ending with a slash.</summary>
    public static string SealPrefix(DateOnly businessDate) => Day(businessDate) + SealFolder;

    /// <summary>The blob that holds a day's published bundle (see <see cref="BlobBundlePublisher"/>).</summary>
    public static string BundleBlobName(DateOnly businessDate) => $"{Day(businessDate)}{BundleFolder}{Day(businessDate)}.zip";

    public async Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Content.Length > ArchiveFormat.MaxRecordBytes)
        {
            throw new ArgumentException($"Record {record.Name} has {record.Content.Length} bytes; the archive accepts at most {ArchiveFormat.MaxRecordBytes}.", nameof(record));
        }

        var blob = container.GetBlobClient(RecordBlobName(record.BusinessDate, record.Name));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(record.Content.Span));
        if (await TryCreateAsync(blob, BinaryData.FromBytes(record.Content), record.ContentType, sha256, cancellationToken))
        {
            return ArchiveWriteResult.Written;
        }

        // The name is taken: a redelivery of the same record is a no-op, anything else must never replace what is there.
        var existing = await blob.DownloadContentAsync(cancellationToken);
        if (existing.Value.Content.ToMemory().Span.SequenceEqual(record.Content.Span))
        {
            return ArchiveWriteResult.AlreadyArchived;
        }

        LogConflict(record.BusinessDate, record.Name, sha256);
        return ArchiveWriteResult.Conflict;
    }

    public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) =>
        ListAsync(businessDate, string.Empty, cancellationToken);

    /// <summary>The records whose names start with <paramref name="namePrefix"/>, listed by the service with that prefix.</summary>
    public async IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, string namePrefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namePrefix);
        var prefix = RecordsPrefix(businessDate);
        var options = new GetBlobsOptions { Prefix = prefix + namePrefix, Traits = BlobTraits.Metadata };
        await foreach (var item in container.GetBlobsAsync(options, cancellationToken))
        {
            var name = item.Name[prefix.Length..];
            var size = item.Properties.ContentLength ?? 0;
            if (item.Metadata.TryGetValue(Sha256MetadataKey, out var hex) && TryParseSha256(hex, out var sha256))
            {
                yield return new ArchivedRecordInfo(name, size, sha256);
                continue;
            }

            // Only a blob written around this store lacks the hash: hash its actual bytes rather than trust or skip it.
            LogHashMissing(businessDate, name);
            var content = await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            yield return new ArchivedRecordInfo(name, content.Value.Content.ToMemory().Length, SHA256.HashData(content.Value.Content.ToMemory().Span));
        }
    }

    public async Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
    {
        try
        {
            var download = await container.GetBlobClient(RecordBlobName(businessDate, name)).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seal);
        var prefix = SealPrefix(seal.Manifest.BusinessDate);
        var files = seal.Files;

        // The manifest is the claim on the day: whoever creates it sealed the day. Its signature and key follow; if a
        // sealer died in between, a later sealer with the same manifest bytes (the manifest is a function of the records
        // and the key) completes the seal instead of leaving the day half-sealed forever.
        var manifest = container.GetBlobClient(prefix + ArchiveFormat.ManifestPath);
        if (!await TryCreateAsync(manifest, BinaryData.FromBytes(seal.ManifestJson), "application/json", Sha256Hex(seal.ManifestJson), cancellationToken))
        {
            var existing = await manifest.DownloadContentAsync(cancellationToken);
            if (!existing.Value.Content.ToMemory().Span.SequenceEqual(seal.ManifestJson))
            {
                return false;
            }

            if (await ExistsAsync(prefix + ArchiveFormat.SignaturePath, cancellationToken) && await ExistsAsync(prefix + ArchiveFormat.KeyPath(seal.KeyId), cancellationToken))
            {
                return false;
            }
        }

        // ECDSA signatures are randomised, so another sealer's signature may differ from ours; any signature by this key
        // over these manifest bytes is as good, and the first one stays.
        foreach (var (path, bytes) in files.Where(f => f.Key != ArchiveFormat.ManifestPath).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var contentType = path == ArchiveFormat.SignaturePath ? "application/octet-stream" : "application/x-pem-file";
            await TryCreateAsync(container.GetBlobClient(prefix + path), BinaryData.FromBytes(bytes), contentType, Sha256Hex(bytes), cancellationToken);
        }

        return true;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        var prefix = SealPrefix(businessDate);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            var content = await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            files[item.Name[prefix.Length..]] = content.Value.Content.ToArray();
        }

        return files.ContainsKey(ArchiveFormat.ManifestPath) ? files : null;
    }

    public async IAsyncEnumerable<DateOnly> DaysAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One listing of the top level, folded at the first slash: a day costs one item however many records it holds.
        var options = new GetBlobsByHierarchyOptions { Delimiter = "/" };
        await foreach (var item in container.GetBlobsByHierarchyAsync(options, cancellationToken))
        {
            if (item.IsPrefix && DateOnly.TryParseExact(item.Prefix.TrimEnd('/'), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                yield return day;
            }
        }
    }

    /// <summary>Creates a blob only if no blob has that name; false when the name is taken. Nothing is ever overwritten.</summary>
    internal static async Task<bool> TryCreateAsync(BlobClient blob, BinaryData content, string contentType, string sha256, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = new Dictionary<string, string> { [Sha256MetadataKey] = sha256 },
        };
        try
        {
            await blob.UploadAsync(content, options, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            // 409 BlobAlreadyExists is the service's answer to If-None-Match: * on an existing blob (412 from some proxies).
            return false;
        }
    }

    private async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken) =>
        (await container.GetBlobClient(blobName).ExistsAsync(cancellationToken)).Value;

    private static string Day(DateOnly businessDate) => businessDate.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static bool TryParseSha256(string hex, out byte[] sha256)
    {
        sha256 = [];
        if (hex.Length != 64)
        {
            return false;
        }

        try
        {
            sha256 = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static void ValidateRecordName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // A name is a relative path inside the day: no empty, "." or ".." segment may let it escape or alias another.
        if (name.Length + DateFormat.Length + RecordsFolder.Length > MaxBlobNameLength || name.Contains('\\', StringComparison.Ordinal)
            || name.Split('/').Any(segment => segment.Length == 0 || segment is "." or ".."))
        {
            throw new ArgumentException($"'{name}' is not a valid record name: a relative path of non-empty segments, at most {MaxBlobNameLength} characters with its folder.", nameof(name));
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Archive conflict: a different record already exists as {RecordName} of {BusinessDate}; the new one (SHA-256 {Sha256}) was refused and nothing was overwritten")]
    private partial void LogConflict(DateOnly businessDate, string recordName, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {RecordName} of {BusinessDate} has no SHA-256 metadata (written around the archive store); hashed its content instead")]
    private partial void LogHashMissing(DateOnly businessDate, string recordName);
}
