using Azure.Storage.Blobs;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>Builds Blob clients for Azurite (or a real account).</summary>
public static class LocalBlob
{
    /// <summary>A <see cref="BlobServiceClient"/> with default options (Azurite runs with --skipApiVersionCheck).</summary>
    public static BlobServiceClient CreateClient(string connectionString) => new(connectionString);
}
