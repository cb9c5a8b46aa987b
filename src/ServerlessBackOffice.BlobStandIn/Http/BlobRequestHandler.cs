using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.BlobStandIn.Authorization;
using ServerlessBackOffice.BlobStandIn.Storage;

namespace ServerlessBackOffice.BlobStandIn.Http;

/// <summary>
/// Answers one Blob REST request: authorises it (Shared Key or user delegation SAS), dispatches on method, path depth,
/// <c>restype</c> and <c>comp</c>, and answers in the service's shape (headers, status codes, XML bodies, error codes).
/// Anything outside the implemented subset answers 501 with the error code <c>NotImplemented</c>, never a guess.
/// </summary>
internal sealed class BlobRequestHandler(BlobStore store, StorageAuthorizer authorizer, ILogger logger)
{
    /// <summary>The version the stand-in answers with when a request names none.</summary>
    public const string DefaultVersion = "2026-02-06";

    private const int DefaultMaxResults = 5000;
    private const string MetadataPrefix = "x-ms-meta-";

    public async Task HandleAsync(HttpContext context)
    {
        var request = StorageRequest.Parse(context);
        var response = context.Response;
        response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        response.Headers["x-ms-version"] = request.Header("x-ms-version") ?? DefaultVersion;
        if (request.Header("x-ms-client-request-id") is { } clientRequestId)
        {
            response.Headers["x-ms-client-request-id"] = clientRequestId;
        }

        try
        {
            var error = await DispatchAsync(request, context.RequestAborted);
            if (error is not null)
            {
                await WriteErrorAsync(request, error, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex) when (!response.HasStarted)
        {
            Log.Unexpected(logger, request.Method, request.RawPath, ex);
            await WriteErrorAsync(request, new StorageError(500, "InternalError", "The server encountered an internal error. Please retry the request."), context.RequestAborted);
        }
    }

    private async Task<StorageError?> DispatchAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (request.Header("x-ms-structured-body") is not null)
        {
            // The SDK's CRC-64 transfer validation wraps the body in a structured message (as Azurite 3.37, the stand-in
            // does not decode it); refusing keeps framed bytes from being stored as the blob's content.
            return StorageError.NotImplemented("structured message bodies (StorageCrc64 transfer validation)");
        }

        if (request.Account != authorizer.AccountName)
        {
            return new StorageError(400, "InvalidUri", "The requested URI does not represent any resource on the server.");
        }

        var method = request.Method;
        if (request.Container is null)
        {
            return method == "POST" && request.ResType == "service" && request.Comp == "userdelegationkey"
                ? Authorize(request, SasPermission.None) ?? await GetUserDelegationKeyAsync(request, cancellationToken)
                : StorageError.NotImplemented($"{method} on the service with comp={request.Comp}");
        }

        if (request.Blob is null)
        {
            if (request.ResType != "container")
            {
                return StorageError.NotImplemented($"{method} on a container without restype=container");
            }

            return (method, request.Comp) switch
            {
                ("PUT", null) => Authorize(request, SasPermission.None) ?? CreateContainer(request),
                ("GET" or "HEAD", null) => Authorize(request, SasPermission.None) ?? GetContainerProperties(request),
                ("DELETE", null) => Authorize(request, SasPermission.None) ?? DeleteContainer(request),
                ("GET", "list") => Authorize(request, SasPermission.List) ?? await ListBlobsAsync(request, cancellationToken),
                _ => StorageError.NotImplemented($"{method} on a container with comp={request.Comp}"),
            };
        }

        return (method, request.Comp) switch
        {
            ("PUT", null) => Authorize(request, SasPermission.Write) ?? await PutBlobAsync(request, cancellationToken),
            ("PUT", "block") => Authorize(request, SasPermission.Write) ?? await PutBlockAsync(request, cancellationToken),
            ("PUT", "blocklist") => Authorize(request, SasPermission.Write) ?? await PutBlockListAsync(request, cancellationToken),
            ("PUT", "appendblock") => Authorize(request, SasPermission.Write) ?? await AppendBlockAsync(request, cancellationToken),
            ("GET" or "HEAD", null) => Authorize(request, SasPermission.Read) ?? await GetBlobAsync(request, cancellationToken),
            ("DELETE", null) => Authorize(request, SasPermission.Delete) ?? DeleteBlob(request),
            _ => StorageError.NotImplemented($"{method} on a blob with comp={request.Comp}"),
        };
    }

    // A SAS grants blob operations and listing only; container and service operations need the account key.
    private StorageError? Authorize(StorageRequest request, SasPermission permission) =>
        request.Query.ContainsKey("sig")
            ? permission == SasPermission.None ? StorageError.AuthenticationFailed : authorizer.CheckSas(request, permission)
            : authorizer.CheckSharedKey(request);

    private async Task<StorageError?> GetUserDelegationKeyAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request.Http, cancellationToken);
        XElement keyInfo;
        try
        {
            keyInfo = ParseXml(body);
        }
        catch (XmlException)
        {
            return new StorageError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.");
        }

        var now = store.Time.GetUtcNow();
        var start = (string?)keyInfo.Element("Start") is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : now;
        if ((string?)keyInfo.Element("Expiry") is not { } e
            || !DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiry)
            || expiry <= now || expiry > now.AddDays(7) || expiry <= start)
        {
            return new StorageError(400, "InvalidXmlNodeValue", "The value for one of the XML nodes is not in the correct format: Expiry.");
        }

        var key = authorizer.IssueDelegationKey(start, expiry, request.Header("x-ms-version") ?? DefaultVersion);
        var xml = new XElement(
            "UserDelegationKey",
            new XElement("SignedOid", key.ObjectId),
            new XElement("SignedTid", key.TenantId),
            new XElement("SignedStart", key.Start),
            new XElement("SignedExpiry", key.Expiry),
            new XElement("SignedService", key.Service),
            new XElement("SignedVersion", key.Version),
            new XElement("Value", key.Value));
        await WriteXmlAsync(request.Context.Response, 200, xml, cancellationToken);
        return null;
    }

    private StorageError? CreateContainer(StorageRequest request)
    {
        var container = store.Create(request.Container!, Metadata(request.Http));
        if (container is null)
        {
            return StorageError.ContainerAlreadyExists;
        }

        var response = request.Context.Response;
        response.StatusCode = 201;
        response.Headers.ETag = container.ETag;
        response.Headers.LastModified = container.CreatedOn.ToString("R", CultureInfo.InvariantCulture);
        return null;
    }

    private StorageError? GetContainerProperties(StorageRequest request)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        var headers = request.Context.Response.Headers;
        headers.ETag = container.ETag;
        headers.LastModified = container.CreatedOn.ToString("R", CultureInfo.InvariantCulture);
        foreach (var (name, value) in container.Metadata)
        {
            headers[MetadataPrefix + name] = value;
        }

        headers["x-ms-lease-status"] = "unlocked";
        headers["x-ms-lease-state"] = "available";
        headers["x-ms-has-immutability-policy"] = "false";
        headers["x-ms-has-legal-hold"] = "false";
        headers["x-ms-default-encryption-scope"] = "$account-encryption-key";
        headers["x-ms-deny-encryption-scope-override"] = "false";
        request.Context.Response.StatusCode = 200;
        return null;
    }

    private StorageError? DeleteContainer(StorageRequest request)
    {
        if (!store.Delete(request.Container!))
        {
            return StorageError.ContainerNotFound;
        }

        request.Context.Response.StatusCode = 202;
        return null;
    }

    private async Task<StorageError?> ListBlobsAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        var q = request.Query;
        var prefix = q.GetValueOrDefault("prefix") ?? string.Empty;
        var delimiter = q.GetValueOrDefault("delimiter");
        var marker = q.GetValueOrDefault("marker");
        var maxResults = DefaultMaxResults;
        if (q.TryGetValue("maxresults", out var max) && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxResults) || maxResults < 1))
        {
            return StorageError.InvalidQuery("maxresults");
        }

        maxResults = Math.Min(maxResults, DefaultMaxResults);
        var include = (q.GetValueOrDefault("include") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var withMetadata = include.Contains("metadata", StringComparer.OrdinalIgnoreCase);
        var page = container.List(prefix, delimiter, string.IsNullOrEmpty(marker) ? null : marker, maxResults);

        var response = request.Context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/xml";
        var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("EnumerationResults");
            xml.WriteAttributeString("ServiceEndpoint", $"{request.Http.Scheme}://{request.Http.Host}/{authorizer.AccountName}/");
            xml.WriteAttributeString("ContainerName", container.Name);
            if (q.ContainsKey("prefix"))
            {
                xml.WriteElementString("Prefix", prefix);
            }

            if (!string.IsNullOrEmpty(marker))
            {
                xml.WriteElementString("Marker", marker);
            }

            if (max is not null)
            {
                xml.WriteElementString("MaxResults", max);
            }

            if (delimiter is not null)
            {
                xml.WriteElementString("Delimiter", delimiter);
            }

            xml.WriteStartElement("Blobs");
            foreach (var item in page.Items)
            {
                if (item.Prefix is not null)
                {
                    xml.WriteStartElement("BlobPrefix");
                    xml.WriteElementString("Name", item.Prefix);
                    xml.WriteEndElement();
                    continue;
                }

                WriteListedBlob(xml, item.Blob!, withMetadata);
            }

            xml.WriteEndElement();
            xml.WriteElementString("NextMarker", page.NextMarker ?? string.Empty);
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        return null;
    }

    private static void WriteListedBlob(XmlWriter xml, StoredBlob blob, bool withMetadata)
    {
        xml.WriteStartElement("Blob");
        xml.WriteElementString("Name", blob.Name);
        xml.WriteStartElement("Properties");
        xml.WriteElementString("Creation-Time", blob.CreatedOn.ToString("R", CultureInfo.InvariantCulture));
        xml.WriteElementString("Last-Modified", blob.LastModified.ToString("R", CultureInfo.InvariantCulture));
        // The listing's Etag is unquoted, as the service writes it.
        xml.WriteElementString("Etag", blob.ETag.Trim('"'));
        xml.WriteElementString("Content-Length", blob.Content.Length.ToString(CultureInfo.InvariantCulture));
        xml.WriteElementString("Content-Type", blob.Properties.ContentType ?? "application/octet-stream");
        xml.WriteElementString("Content-Encoding", blob.Properties.ContentEncoding ?? string.Empty);
        xml.WriteElementString("Content-Language", blob.Properties.ContentLanguage ?? string.Empty);
        xml.WriteElementString("Content-CRC64", string.Empty);
        xml.WriteElementString("Content-MD5", blob.Properties.ContentMd5 is { } md5 ? Convert.ToBase64String(md5) : string.Empty);
        xml.WriteElementString("Cache-Control", blob.Properties.CacheControl ?? string.Empty);
        xml.WriteElementString("Content-Disposition", blob.Properties.ContentDisposition ?? string.Empty);
        xml.WriteElementString("BlobType", blob.Kind == BlobKind.Append ? "AppendBlob" : "BlockBlob");
        if (blob.Kind == BlobKind.Block)
        {
            xml.WriteElementString("AccessTier", "Hot");
            xml.WriteElementString("AccessTierInferred", "true");
        }

        xml.WriteElementString("LeaseStatus", "unlocked");
        xml.WriteElementString("LeaseState", "available");
        xml.WriteElementString("ServerEncrypted", "true");
        xml.WriteEndElement();
        if (withMetadata)
        {
            xml.WriteStartElement("Metadata");
            foreach (var (name, value) in blob.Metadata)
            {
                xml.WriteElementString(name, value);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private async Task<StorageError?> PutBlobAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        var kind = request.Header("x-ms-blob-type") switch
        {
            "BlockBlob" => BlobKind.Block,
            "AppendBlob" => BlobKind.Append,
            null => (BlobKind?)null,
            _ => null,
        };
        if (kind is null)
        {
            return request.Header("x-ms-blob-type") is null ? new StorageError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.") : StorageError.NotImplemented($"blob type {request.Header("x-ms-blob-type")}");
        }

        var content = await ReadBodyAsync(request.Http, cancellationToken);
        if (CheckTransferChecksums(request, content) is { } mismatch)
        {
            return mismatch;
        }

        if (kind == BlobKind.Append && content.Length > 0)
        {
            return new StorageError(400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format: Content-Length.");
        }

        var properties = HttpProperties(request, content.Length > 0 || kind == BlobKind.Block ? ContentMd5(content) : null);
        var metadata = Metadata(request.Http);
        var now = store.Now();
        // Stored before the condition is checked, so the container's lock is never held over a file write; a refused
        // write leaves its bytes unreferenced in the content file until the stand-in stops.
        var stored = store.Store(content);
        var (blob, error) = container.Write(
            request.Blob!,
            existing => CheckWriteConditions(request, existing),
            (existing, _) => (new StoredBlob(request.Blob!, kind.Value, stored, properties, metadata, store.NewETag(), existing?.CreatedOn ?? now, now, []), null));
        if (blob is null)
        {
            return error;
        }

        WriteCreated(request, blob, content);
        return null;
    }

    private async Task<StorageError?> PutBlockAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        if (request.Query.GetValueOrDefault("blockid") is not { Length: > 0 } blockId)
        {
            return StorageError.InvalidQuery("blockid");
        }

        var content = await ReadBodyAsync(request.Http, cancellationToken);
        if (CheckTransferChecksums(request, content) is { } mismatch)
        {
            return mismatch;
        }

        container.StageBlock(request.Blob!, blockId, store.Content.Put(content));
        var response = request.Context.Response;
        response.StatusCode = 201;
        WriteContentChecksums(request, response, content);
        response.Headers["x-ms-request-server-encrypted"] = "true";
        return null;
    }

    private async Task<StorageError?> PutBlockListAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        var body = await ReadBodyAsync(request.Http, cancellationToken);
        if (CheckTransferChecksums(request, body) is { } mismatch)
        {
            return mismatch;
        }

        List<(string Kind, string Id)> wanted;
        try
        {
            wanted = ParseXml(body).Elements().Select(e => (e.Name.LocalName, e.Value)).ToList();
        }
        catch (XmlException)
        {
            return new StorageError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.");
        }

        var md5Header = request.Header("x-ms-blob-content-md5");
        var properties = HttpProperties(request, md5Header is null ? null : Convert.FromBase64String(md5Header));
        var metadata = Metadata(request.Http);
        var now = store.Now();
        var (blob, error) = container.Write(
            request.Blob!,
            existing => CheckWriteConditions(request, existing),
            (existing, uncommitted) =>
            {
                var blocks = new List<CommittedBlock>(wanted.Count);
                foreach (var (kind, id) in wanted)
                {
                    Extent? part = null;
                    if (kind is "Latest" or "Uncommitted" && uncommitted.TryGetValue(id, out var staged))
                    {
                        part = staged;
                    }

                    if (part is null && kind is "Latest" or "Committed" && existing?.Blocks.FirstOrDefault(b => b.Id == id) is { } committed)
                    {
                        part = committed.Extent;
                    }

                    if (part is not { } extent)
                    {
                        return (null, StorageError.InvalidBlockList);
                    }

                    blocks.Add(new CommittedBlock(id, extent));
                }

                var content = new BlobContent(store.Content, [.. blocks.Select(b => b.Extent)]);
                return (new StoredBlob(request.Blob!, BlobKind.Block, content, properties, metadata, store.NewETag(), existing?.CreatedOn ?? now, now, blocks), null);
            });
        if (blob is null)
        {
            return error;
        }

        WriteCreated(request, blob, body);
        return null;
    }

    private async Task<StorageError?> AppendBlockAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        var content = await ReadBodyAsync(request.Http, cancellationToken);
        if (CheckTransferChecksums(request, content) is { } mismatch)
        {
            return mismatch;
        }

        var now = store.Now();
        var offset = 0L;
        var block = store.Content.Put(content);
        var (blob, error) = container.Write(
            request.Blob!,
            existing => existing is null ? StorageError.BlobNotFound : existing.Kind != BlobKind.Append ? StorageError.InvalidBlobType : CheckWriteConditions(request, existing),
            (existing, _) =>
            {
                offset = existing!.Content.Length;
                var blocks = existing.Blocks.Append(new CommittedBlock(string.Empty, block)).ToList();
                return (existing with { Content = existing.Content.Append(block), ETag = store.NewETag(), LastModified = now, Blocks = blocks }, null);
            });
        if (blob is null)
        {
            return error;
        }

        WriteCreated(request, blob, content);
        request.Context.Response.Headers["x-ms-blob-append-offset"] = offset.ToString(CultureInfo.InvariantCulture);
        request.Context.Response.Headers["x-ms-blob-committed-block-count"] = blob.CommittedBlockCount.ToString(CultureInfo.InvariantCulture);
        return null;
    }

    private async Task<StorageError?> GetBlobAsync(StorageRequest request, CancellationToken cancellationToken)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        if (container.Find(request.Blob!) is not { } blob)
        {
            return StorageError.BlobNotFound;
        }

        if (CheckReadConditions(request, blob) is { } refused)
        {
            return refused;
        }

        var response = request.Context.Response;
        var headers = response.Headers;
        WriteBlobProperties(headers, blob);
        var length = blob.Content.Length;
        var isHead = request.Method == "HEAD";
        var range = request.Header("x-ms-range") ?? request.Header("Range");
        if (isHead || range is null)
        {
            response.StatusCode = 200;
            response.ContentLength = length;
            if (blob.Properties.ContentMd5 is { } md5)
            {
                headers.ContentMD5 = Convert.ToBase64String(md5);
            }

            if (!isHead && length > 0)
            {
                await blob.Content.WriteToAsync(response.Body, 0, length, cancellationToken);
            }

            return null;
        }

        if (!TryParseRange(range, length, out var start, out var end))
        {
            // An unsatisfiable range, e.g. any range of an empty blob: the SDK then downloads without one.
            headers.Remove("Content-Type");
            return StorageError.InvalidRange(length);
        }

        var count = end - start + 1;
        response.StatusCode = 206;
        response.ContentLength = count;
        headers.ContentRange = $"bytes {start.ToString(CultureInfo.InvariantCulture)}-{end.ToString(CultureInfo.InvariantCulture)}/{length.ToString(CultureInfo.InvariantCulture)}";
        if (blob.Properties.ContentMd5 is { } blobMd5)
        {
            headers["x-ms-blob-content-md5"] = Convert.ToBase64String(blobMd5);
        }

        if (request.Header("x-ms-range-get-content-md5") == "true")
        {
            headers.ContentMD5 = Convert.ToBase64String(ContentMd5(blob.Content.ToArray(start, checked((int)count))));
        }

        if (request.Header("x-ms-range-get-content-crc64") == "true")
        {
            headers["x-ms-content-crc64"] = Convert.ToBase64String(Crc64.Compute(blob.Content.ToArray(start, checked((int)count))));
        }

        await blob.Content.WriteToAsync(response.Body, start, count, cancellationToken);
        return null;
    }

    private StorageError? DeleteBlob(StorageRequest request)
    {
        if (store.Find(request.Container!) is not { } container)
        {
            return StorageError.ContainerNotFound;
        }

        if (container.Delete(request.Blob!, existing => CheckWriteConditions(request, existing)) is { } error)
        {
            return error;
        }

        request.Context.Response.StatusCode = 202;
        return null;
    }

    private static void WriteBlobProperties(IHeaderDictionary headers, StoredBlob blob)
    {
        headers.ETag = blob.ETag;
        headers.LastModified = blob.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers["x-ms-creation-time"] = blob.CreatedOn.ToString("R", CultureInfo.InvariantCulture);
        headers.ContentType = blob.Properties.ContentType ?? "application/octet-stream";
        if (blob.Properties.ContentEncoding is { } encoding)
        {
            headers.ContentEncoding = encoding;
        }

        if (blob.Properties.ContentLanguage is { } language)
        {
            headers.ContentLanguage = language;
        }

        if (blob.Properties.CacheControl is { } cacheControl)
        {
            headers.CacheControl = cacheControl;
        }

        if (blob.Properties.ContentDisposition is { } disposition)
        {
            headers.ContentDisposition = disposition;
        }

        foreach (var (name, value) in blob.Metadata)
        {
            headers[MetadataPrefix + name] = value;
        }

        headers["x-ms-blob-type"] = blob.Kind == BlobKind.Append ? "AppendBlob" : "BlockBlob";
        if (blob.Kind == BlobKind.Append)
        {
            headers["x-ms-blob-committed-block-count"] = blob.CommittedBlockCount.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            headers["x-ms-access-tier"] = "Hot";
            headers["x-ms-access-tier-inferred"] = "true";
        }

        headers["x-ms-lease-status"] = "unlocked";
        headers["x-ms-lease-state"] = "available";
        headers["x-ms-server-encrypted"] = "true";
        headers.AcceptRanges = "bytes";
    }

    private static void WriteCreated(StorageRequest request, StoredBlob blob, byte[] body)
    {
        var response = request.Context.Response;
        response.StatusCode = 201;
        response.Headers.ETag = blob.ETag;
        response.Headers.LastModified = blob.LastModified.ToString("R", CultureInfo.InvariantCulture);
        WriteContentChecksums(request, response, body);
        response.Headers["x-ms-request-server-encrypted"] = "true";
    }

    private static void WriteContentChecksums(StorageRequest request, HttpResponse response, byte[] body)
    {
        if (request.Header("x-ms-content-crc64") is not null)
        {
            response.Headers["x-ms-content-crc64"] = Convert.ToBase64String(Crc64.Compute(body));
        }
        else
        {
            response.Headers.ContentMD5 = Convert.ToBase64String(ContentMd5(body));
        }
    }

    /// <summary>Content-MD5 and x-ms-content-crc64, when sent, must match the bytes received.</summary>
    private static StorageError? CheckTransferChecksums(StorageRequest request, byte[] content)
    {
        if (request.Header("Content-MD5") is { } md5)
        {
            if (!TryFromBase64(md5, out var expected) || !CryptographicOperations.FixedTimeEquals(expected, ContentMd5(content)))
            {
                return StorageError.Md5Mismatch;
            }
        }

        if (request.Header("x-ms-content-crc64") is { } crc64)
        {
            if (!TryFromBase64(crc64, out var expected) || !expected.AsSpan().SequenceEqual(Crc64.Compute(content)))
            {
                return StorageError.Crc64Mismatch;
            }
        }

        return null;
    }

    /// <summary>
    /// The conditional headers of a write. <c>If-None-Match: *</c> on an existing blob is 409 BlobAlreadyExists, as the
    /// service answers a conditional create; every other failed condition is 412 ConditionNotMet.
    /// </summary>
    private static StorageError? CheckWriteConditions(StorageRequest request, StoredBlob? existing)
    {
        if (request.Header("If-Match") is { } ifMatch && (existing is null || !ETagMatches(ifMatch, existing.ETag)))
        {
            return StorageError.ConditionNotMet;
        }

        if (request.Header("If-None-Match") is { } ifNoneMatch && existing is not null)
        {
            if (ifNoneMatch.Trim() == "*")
            {
                return StorageError.BlobAlreadyExists;
            }

            if (ETagMatches(ifNoneMatch, existing.ETag))
            {
                return StorageError.ConditionNotMet;
            }
        }

        return CheckDates(request, existing) ? null : StorageError.ConditionNotMet;
    }

    private static StorageError? CheckReadConditions(StorageRequest request, StoredBlob blob)
    {
        if (request.Header("If-Match") is { } ifMatch && !ETagMatches(ifMatch, blob.ETag))
        {
            return StorageError.ConditionNotMet;
        }

        if (request.Header("If-None-Match") is { } ifNoneMatch && ETagMatches(ifNoneMatch, blob.ETag))
        {
            return StorageError.NotModified;
        }

        if (request.Header("If-Modified-Since") is { } since && TryParseDate(since, out var s) && blob.LastModified <= s)
        {
            return StorageError.NotModified;
        }

        return request.Header("If-Unmodified-Since") is { } unmodified && TryParseDate(unmodified, out var u) && blob.LastModified > u
            ? StorageError.ConditionNotMet
            : null;
    }

    private static bool CheckDates(StorageRequest request, StoredBlob? existing)
    {
        if (existing is null)
        {
            return true;
        }

        if (request.Header("If-Modified-Since") is { } since && TryParseDate(since, out var s) && existing.LastModified <= s)
        {
            return false;
        }

        return !(request.Header("If-Unmodified-Since") is { } unmodified && TryParseDate(unmodified, out var u) && existing.LastModified > u);
    }

    private static bool ETagMatches(string condition, string eTag) =>
        condition.Split(',', StringSplitOptions.TrimEntries).Any(c => c == "*" || c == eTag || c.Trim('"') == eTag.Trim('"'));

    private static bool TryParseDate(string value, out DateTimeOffset date) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);

    private static bool TryParseRange(string range, long length, out long start, out long end)
    {
        start = end = 0;
        const string unit = "bytes=";
        if (!range.StartsWith(unit, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = range[unit.Length..].Split('-');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out start) || start >= length)
        {
            return false;
        }

        end = length - 1;
        if (parts[1].Length > 0)
        {
            if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var requestedEnd) || requestedEnd < start)
            {
                return false;
            }

            end = Math.Min(end, requestedEnd);
        }

        return true;
    }

    private static BlobHttpProperties HttpProperties(StorageRequest request, byte[]? computedMd5)
    {
        var md5 = request.Header("x-ms-blob-content-md5") is { } given && TryFromBase64(given, out var parsed) ? parsed : computedMd5;
        return new BlobHttpProperties(
            request.Header("x-ms-blob-content-type"),
            request.Header("x-ms-blob-content-encoding"),
            request.Header("x-ms-blob-content-language"),
            request.Header("x-ms-blob-cache-control"),
            request.Header("x-ms-blob-content-disposition"),
            md5);
    }

    private static List<KeyValuePair<string, string>> Metadata(HttpRequest request) =>
        request.Headers
            .Where(h => h.Key.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string>(h.Key[MetadataPrefix.Length..], h.Value.ToString()))
            .ToList();

    // Content-MD5 is the integrity checksum the Blob protocol defines for transfers, not a security control.
#pragma warning disable CA5351
    private static byte[] ContentMd5(ReadOnlySpan<byte> content) => MD5.HashData(content);
#pragma warning restore CA5351

    private static bool TryFromBase64(string value, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(value);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    // The SDK sends XML bodies with a byte order mark; XDocument.Load honours it where parsing a decoded string would not.
    private static XElement ParseXml(byte[] body) => XDocument.Load(new MemoryStream(body)).Root ?? throw new XmlException("No root element.");

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length)
        {
            var content = new byte[length];
            await request.Body.ReadExactlyAsync(content, cancellationToken);
            return content;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private async Task WriteErrorAsync(StorageRequest request, StorageError error, CancellationToken cancellationToken)
    {
        var response = request.Context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = error.Status;
        response.Headers["x-ms-error-code"] = error.Code;
        if (error.ContentLength is { } size)
        {
            response.Headers.ContentRange = $"bytes */{size.ToString(CultureInfo.InvariantCulture)}";
        }

        if (error.Status >= 400)
        {
            Log.Refused(logger, request.Method, request.RawPath, error.Status, error.Code);
        }

        // HEAD and 304 answers carry no body; the SDK reads the code from x-ms-error-code.
        if (request.Method == "HEAD" || error.Status == 304)
        {
            return;
        }

        var message = $"{error.Message}\nRequestId:{response.Headers["x-ms-request-id"]}\nTime:{store.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)}";
        await WriteXmlAsync(response, error.Status, new XElement("Error", new XElement("Code", error.Code), new XElement("Message", message)), cancellationToken);
    }

    private static async Task WriteXmlAsync(HttpResponse response, int status, XElement element, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?>" + element.ToString(SaveOptions.DisableFormatting));
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, cancellationToken);
    }
}
