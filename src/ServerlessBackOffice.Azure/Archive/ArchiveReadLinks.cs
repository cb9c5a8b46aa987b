using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>A short-lived, read-only link to one archive blob, and when it stops working.</summary>
public sealed record ArchiveReadLink(Uri Uri, DateTimeOffset ExpiresOn);

/// <summary>Issues short-lived read-only links to archive blobs (user-delegation SAS in Azure).</summary>
public interface IArchiveReadLinks
{
    /// <summary>A read-only link to <paramref name="blobName"/> in the archive container.</summary>
    Task<ArchiveReadLink> CreateAsync(string blobName, CancellationToken cancellationToken);
}

/// <summary>
/// Read-only user-delegation SAS links: signed with a key Entra ID issues to the function's managed identity (Storage
/// Blob Delegator on the archive account), never with an account key — the archive account has shared keys off. A link
/// reads one blob, over HTTPS only, for at most <see cref="Lifetime"/>; the delegation key expires with it, so a leaked
/// link is worthless within minutes, and Entra ID can revoke the key.
/// </summary>
public sealed class UserDelegationReadLinks(BlobServiceClient service, string containerName, TimeProvider timeProvider) : IArchiveReadLinks
{
    /// <summary>How long a link works.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    // Storage and our clock may disagree slightly; a link that starts a little in the past works at once.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The SAS parameters of a link issued at <paramref name="now"/>: read only, HTTPS only, one blob.</summary>
    public static BlobSasBuilder Parameters(string containerName, string blobName, DateTimeOffset now) =>
        new(BlobSasPermissions.Read, now + Lifetime)
        {
            BlobContainerName = containerName,
            BlobName = blobName,
            Resource = "b",
            StartsOn = now - ClockSkew,
            Protocol = SasProtocol.Https,
        };

    /// <inheritdoc />
    public async Task<ArchiveReadLink> CreateAsync(string blobName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(blobName);
        var now = timeProvider.GetUtcNow();
        var parameters = Parameters(containerName, blobName, now);
        var key = await service.GetUserDelegationKeyAsync(
            new BlobGetUserDelegationKeyOptions(parameters.ExpiresOn) { StartsOn = parameters.StartsOn }, cancellationToken);
        var uri = new BlobUriBuilder(service.Uri)
        {
            BlobContainerName = containerName,
            BlobName = blobName,
            Sas = parameters.ToSasQueryParameters(key.Value, service.AccountName),
        };
        return new ArchiveReadLink(uri.ToUri(), parameters.ExpiresOn);
    }
}
