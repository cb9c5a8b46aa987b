namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>Reading records the caller knows are archived (listed by the store, or named by a seal).</summary>
public static class ArchiveStoreReads
{
    /// <summary>Opens a record that must exist; <paramref name="whereListed"/> says where it was listed, for the error.</summary>
    /// <exception cref="InvalidOperationException">The record is not in the archive.</exception>
    public static async Task<Stream> OpenListedAsync(this IArchiveStore store, DateOnly businessDate, string name, string whereListed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.OpenAsync(businessDate, name, cancellationToken)
            ?? throw new InvalidOperationException($"Record {name} of {businessDate:yyyy-MM-dd} is listed {whereListed} but missing from the archive.");
    }

    /// <summary>The bytes of a record that must exist, as <see cref="OpenListedAsync"/>.</summary>
    public static async Task<byte[]> ReadListedAsync(this IArchiveStore store, DateOnly businessDate, string name, string whereListed, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenListedAsync(businessDate, name, whereListed, cancellationToken);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
