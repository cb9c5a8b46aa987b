using System.Collections.Concurrent;
using System.Globalization;

namespace ServerlessBackOffice.BlobStandIn.Storage;

/// <summary>
/// The account's containers, in memory; containers are independent, each with its own lock. The blobs' bytes are kept by
/// <paramref name="content"/>: in memory, or in a file.
/// </summary>
internal sealed class BlobStore(TimeProvider timeProvider, IContentStore content) : IDisposable
{
    private readonly ConcurrentDictionary<string, ContainerState> _containers = new(StringComparer.Ordinal);

    // ETags look like the service's ("0x8DE..."): a counter that starts at the current time, so they are unique and ordered.
    private long _eTagCounter = timeProvider.GetUtcNow().UtcTicks;

    public TimeProvider Time { get; } = timeProvider;

    /// <summary>Where the blobs' bytes are.</summary>
    public IContentStore Content { get; } = content;

    /// <summary>Bytes of content made into one blob (or an empty one).</summary>
    public BlobContent Store(byte[] bytes) => new(Content, bytes.Length == 0 ? [] : [Content.Put(bytes)]);

    public ContainerState? Find(string containerName) => _containers.GetValueOrDefault(containerName);

    public ContainerState? Create(string containerName, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        var container = new ContainerState(containerName, NewETag(), Now(), metadata);
        return _containers.TryAdd(containerName, container) ? container : null;
    }

    public bool Delete(string containerName) => _containers.TryRemove(containerName, out _);

    /// <summary>A new ETag, quoted as in an <c>ETag</c> header.</summary>
    public string NewETag() => $"\"0x{Interlocked.Increment(ref _eTagCounter).ToString("X", CultureInfo.InvariantCulture)}\"";

    /// <summary>Now, to the second, as the service's Last-Modified is.</summary>
    public DateTimeOffset Now()
    {
        var now = Time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    public void Dispose() => Content.Dispose();
}
