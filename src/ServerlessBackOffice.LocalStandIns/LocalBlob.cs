using Azure.Storage.Blobs;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>Builds Blob clients for the Blob stand-in, Azurite or a real account.</summary>
public static class LocalBlob
{
    /// <summary>A <see cref="BlobServiceClient"/> with default options (Azurite runs with --skipApiVersionCheck; the stand-in accepts any version).</summary>
    public static BlobServiceClient CreateClient(string connectionString) => new(connectionString);
}
