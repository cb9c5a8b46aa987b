namespace ServerlessBackOffice.BlobStandIn.Storage;

/// <summary>An outcome a condition check or an operation turns into an HTTP error.</summary>
internal sealed record StorageError(int Status, string Code, string Message)
{
    public static readonly StorageError BlobNotFound = new(404, "BlobNotFound", "The specified blob does not exist.");
    public static readonly StorageError ContainerNotFound = new(404, "ContainerNotFound", "The specified container does not exist.");
    public static readonly StorageError BlobAlreadyExists = new(409, "BlobAlreadyExists", "The specified blob already exists.");
    public static readonly StorageError ContainerAlreadyExists = new(409, "ContainerAlreadyExists", "The specified container already exists.");
    public static readonly StorageError ConditionNotMet = new(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
    public static readonly StorageError NotModified = new(304, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.");
    public static readonly StorageError InvalidBlobType = new(409, "InvalidBlobType", "The blob type is invalid for this operation.");
    public static readonly StorageError InvalidBlockList = new(400, "InvalidBlockList", "The specified block list is invalid.");
    public static readonly StorageError Md5Mismatch = new(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
    public static readonly StorageError Crc64Mismatch = new(400, "Crc64Mismatch", "The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.");
    public static readonly StorageError AuthenticationFailed = new(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.");
    public static readonly StorageError PermissionMismatch = new(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    public static readonly StorageError ProtocolMismatch = new(403, "AuthorizationProtocolMismatch", "This request is not authorized to perform this operation using this protocol.");
    public static readonly StorageError NoAuthentication = new(401, "NoAuthenticationInformation", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.");

    public static StorageError InvalidRange(long length) => new(416, "InvalidRange", "The range specified is invalid for the current size of the resource.") { ContentLength = length };

    public static StorageError InvalidHeader(string header) => new(400, "InvalidHeaderValue", $"The value for one of the HTTP headers is not in the correct format: {header}.");

    public static StorageError InvalidQuery(string parameter) => new(400, "InvalidQueryParameterValue", $"Value for one of the query parameters specified in the request URI is invalid: {parameter}.");

    public static StorageError NotImplemented(string what) => new(501, "NotImplemented", $"The Blob stand-in does not implement {what} (docs/decisions/0072-blob-stand-in.md).");

    /// <summary>For 416: the resource's size, reported as <c>Content-Range: bytes */size</c>.</summary>
    public long? ContentLength { get; init; }
}

/// <summary>An item of a listing page: a blob, or a virtual folder (<c>BlobPrefix</c>) when a delimiter folds names.</summary>
internal readonly record struct ListedItem(StoredBlob? Blob, string? Prefix);

/// <summary>One page of a listing and the name the next page starts at (null when there is none).</summary>
internal sealed record ListPage(IReadOnlyList<ListedItem> Items, string? NextMarker);

/// <summary>
/// A container: its blobs by name and a sorted name index, so a prefix listing is a binary search and a range scan. New
/// names go to an unsorted buffer first and are merged into the index by the next listing (one sort of the buffer, one
/// linear merge), because archive writes far outnumber listings and an insert into the middle of a sorted array per write
/// would move the whole array each time. Every member runs under one lock per container.
/// </summary>
internal sealed class ContainerState(string name, string eTag, DateTimeOffset createdOn, IReadOnlyList<KeyValuePair<string, string>> metadata)
{
    private static readonly Dictionary<string, Extent> EmptyBlocks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredBlob> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Extent>> _uncommitted = new(StringComparer.Ordinal);
    private readonly List<string> _pending = [];
    private List<string> _sorted = [];

    public string Name { get; } = name;

    public string ETag { get; } = eTag;

    public DateTimeOffset CreatedOn { get; } = createdOn;

    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; } = metadata;

    public StoredBlob? Find(string blobName)
    {
        lock (_gate)
        {
            return _blobs.GetValueOrDefault(blobName);
        }
    }

    /// <summary>
    /// Writes a blob atomically: <paramref name="check"/> sees the current version (or null) and may refuse; otherwise
    /// <paramref name="write"/> builds the new version from the current one and the blob's uncommitted blocks, and it
    /// replaces the current one. Any write drops the uncommitted blocks, as the service's Put Blob and Put Block List do.
    /// </summary>
    public (StoredBlob? Blob, StorageError? Error) Write(
        string blobName,
        Func<StoredBlob?, StorageError?> check,
        Func<StoredBlob?, IReadOnlyDictionary<string, Extent>, (StoredBlob? Blob, StorageError? Error)> write)
    {
        lock (_gate)
        {
            var existing = _blobs.GetValueOrDefault(blobName);
            if (check(existing) is { } refused)
            {
                return (null, refused);
            }

            IReadOnlyDictionary<string, Extent> uncommitted = _uncommitted.TryGetValue(blobName, out var blocks) ? blocks : EmptyBlocks;
            var (blob, error) = write(existing, uncommitted);
            if (blob is null)
            {
                return (null, error);
            }

            _uncommitted.Remove(blobName);
            _blobs[blobName] = blob;
            if (existing is null)
            {
                _pending.Add(blobName);
            }

            return (blob, null);
        }
    }

    public void StageBlock(string blobName, string blockId, Extent content)
    {
        lock (_gate)
        {
            if (!_uncommitted.TryGetValue(blobName, out var blocks))
            {
                blocks = new Dictionary<string, Extent>(StringComparer.Ordinal);
                _uncommitted[blobName] = blocks;
            }

            blocks[blockId] = content;
        }
    }

    public StorageError? Delete(string blobName, Func<StoredBlob, StorageError?> check)
    {
        lock (_gate)
        {
            if (!_blobs.TryGetValue(blobName, out var existing))
            {
                return StorageError.BlobNotFound;
            }

            if (check(existing) is { } refused)
            {
                return refused;
            }

            _blobs.Remove(blobName);
            _uncommitted.Remove(blobName);
            if (!_pending.Remove(blobName))
            {
                var index = _sorted.BinarySearch(blobName, StringComparer.Ordinal);
                if (index >= 0)
                {
                    _sorted.RemoveAt(index);
                }
            }

            return null;
        }
    }

    /// <summary>
    /// One page of the names starting with <paramref name="prefix"/>, from <paramref name="marker"/> on, in ordinal order.
    /// With a delimiter, every name with the delimiter after the prefix is folded into one <c>BlobPrefix</c> item, and the
    /// scan jumps past the whole folder by a second binary search rather than walking it.
    /// </summary>
    public ListPage List(string prefix, string? delimiter, string? marker, int maxResults)
    {
        lock (_gate)
        {
            MergePending();
            var start = marker is not null && string.CompareOrdinal(marker, prefix) > 0 ? marker : prefix;
            var index = LowerBound(start);
            var items = new List<ListedItem>(Math.Min(maxResults, 1024));
            while (index < _sorted.Count && items.Count < maxResults)
            {
                var name = _sorted[index];
                if (!name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    break;
                }

                var folded = string.IsNullOrEmpty(delimiter) ? -1 : name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (folded >= 0)
                {
                    var folder = name[..(folded + delimiter!.Length)];
                    items.Add(new ListedItem(null, folder));
                    index = EndOfPrefix(folder, index);
                    continue;
                }

                items.Add(new ListedItem(_blobs[name], null));
                index++;
            }

            var next = index < _sorted.Count && _sorted[index].StartsWith(prefix, StringComparison.Ordinal) ? _sorted[index] : null;
            return new ListPage(items, next);
        }
    }

    private void MergePending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        _pending.Sort(StringComparer.Ordinal);
        var merged = new List<string>(_sorted.Count + _pending.Count);
        int i = 0, j = 0;
        while (i < _sorted.Count && j < _pending.Count)
        {
            merged.Add(string.CompareOrdinal(_sorted[i], _pending[j]) <= 0 ? _sorted[i++] : _pending[j++]);
        }

        merged.AddRange(_sorted.Skip(i));
        merged.AddRange(_pending.Skip(j));
        _sorted = merged;
        _pending.Clear();
    }

    /// <summary>The index of the first name not less than <paramref name="value"/>.</summary>
    private int LowerBound(string value)
    {
        int low = 0, high = _sorted.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (string.CompareOrdinal(_sorted[mid], value) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The index of the first name at or after <paramref name="from"/> that does not start with <paramref name="folder"/>.</summary>
    private int EndOfPrefix(string folder, int from)
    {
        // Names starting with the folder are contiguous and not less than it, so "starts with it" is true, then false.
        int low = from, high = _sorted.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_sorted[mid].StartsWith(folder, StringComparison.Ordinal))
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
