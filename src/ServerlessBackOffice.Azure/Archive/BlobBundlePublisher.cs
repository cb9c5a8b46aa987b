using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>
/// Publishes a sealed day's bundle as one blob at <c>&lt;yyyy-MM-dd&gt;/bundle/&lt;yyyy-MM-dd&gt;.zip</c>, so an auditor can
/// be given a short-lived read-only link to it instead of streaming it through the function. Published once: the bundle
/// of a sealed day is deterministic, and a second publisher finds the first one's blob and uses it.
/// </summary>
public interface IArchiveBundlePublisher
{
    /// <summary>Publishes the day's bundle unless it already is, and returns the blob's name.</summary>
    /// <exception cref="InvalidOperationException">The day is not sealed.</exception>
    Task<string> PublishAsync(DateOnly businessDate, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IArchiveBundlePublisher"/>
public sealed class BlobBundlePublisher(BlobContainerClient container, ArchiveDaySealer sealer) : IArchiveBundlePublisher
{
    /// <inheritdoc />
    public async Task<string> PublishAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(BlobArchiveStore.BundleBlobName(businessDate));
        if ((await blob.ExistsAsync(cancellationToken)).Value)
        {
            return blob.Name;
        }

        // A million-record day does not fit in memory: the zip goes to a temporary file (deleted when closed), then up
        // in one conditional create, so a half-written bundle is never visible and an existing one is never replaced.
        var path = Path.GetTempFileName();
        await using var staging = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await sealer.WriteBundleAsync(businessDate, staging, cancellationToken);
        staging.Position = 0;
        try
        {
            await blob.UploadAsync(staging, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another request published it first; theirs is the same day's bundle.
        }

        return blob.Name;
    }
}
