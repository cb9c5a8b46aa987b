namespace ServerlessBackOffice.BlobStandIn.Storage;

/// <summary>The two blob types the stand-in keeps; page blobs are not implemented.</summary>
internal enum BlobKind
{
    Block,
    Append,
}

/// <summary>The standard HTTP properties of a blob, as set on upload and returned on download.</summary>
internal sealed record BlobHttpProperties(
    string? ContentType,
    string? ContentEncoding,
    string? ContentLanguage,
    string? CacheControl,
    string? ContentDisposition,
    byte[]? ContentMd5);

/// <summary>One committed block of a block blob (or appended block of an append blob): its id and where its bytes are.</summary>
internal sealed record CommittedBlock(string Id, Extent Extent);

/// <summary>
/// One version of a blob. Immutable: a write replaces the whole record under the container's lock, so a reader that took
/// a reference streams a consistent blob without holding any lock.
/// </summary>
internal sealed record StoredBlob(
    string Name,
    BlobKind Kind,
    BlobContent Content,
    BlobHttpProperties Properties,
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    string ETag,
    DateTimeOffset CreatedOn,
    DateTimeOffset LastModified,
    IReadOnlyList<CommittedBlock> Blocks)
{
    /// <summary>Append blobs report how many blocks were appended; block blobs how many were committed.</summary>
    public int CommittedBlockCount => Blocks.Count;
}
