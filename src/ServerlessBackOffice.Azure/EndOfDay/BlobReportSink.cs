using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Azure.EndOfDay;

/// <summary>
/// Delivers reports to the reports blob container (its name from the topology) at <c>&lt;yyyy-MM-dd&gt;/&lt;file&gt;</c>, created
/// with <c>If-None-Match: *</c>: a report is never overwritten. The SHA-256 goes into the blob's metadata, so a re-delivery is
/// recognised without downloading the report.
/// </summary>
public sealed class BlobReportSink(BlobContainerClient container) : IReportSink
{
    /// <summary>The metadata key holding the report's SHA-256 (lower-case hex).</summary>
    public const string Sha256MetadataKey = "sha256";

    /// <summary>The blob name of a day's report file.</summary>
    public static string BlobName(DateOnly businessDate, string fileName) =>
        $"{businessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/{fileName}";

    /// <inheritdoc />
    public async Task<ReportSinkResult> WriteAsync(DateOnly businessDate, string fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var start = content.CanSeek ? content.Position : 0;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken));
        content.Position = start;
        var blob = container.GetBlobClient(BlobName(businessDate, fileName));
        try
        {
            await blob.UploadAsync(content, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = ContentType(fileName) },
                Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [Sha256MetadataKey] = sha256 },
            }, cancellationToken);
            return ReportSinkResult.Written;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.Conflict || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.Metadata.TryGetValue(Sha256MetadataKey, out var existing) && existing == sha256
                ? ReportSinkResult.AlreadyThere
                : ReportSinkResult.Conflict;
        }
    }

    private static string ContentType(string fileName) =>
        fileName.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv; charset=utf-8"
        : fileName.EndsWith(".xml", StringComparison.Ordinal) ? "application/xml"
        : fileName.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8"
        : fileName.EndsWith(".zip", StringComparison.Ordinal) ? "application/zip"
        : "application/octet-stream";
}
