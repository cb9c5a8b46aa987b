using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerlessBackOffice.BlobStandIn.Http;

/// <summary>
/// A request as the storage service sees it: the account, container and blob named by the path (path-style URLs, as
/// Azurite and the emulator connection string use), and the query parameters decoded the way the SDK decodes them when it
/// signs (no '+' for space), with names compared case-insensitively.
/// </summary>
internal sealed class StorageRequest
{
    private StorageRequest(HttpContext context, string rawPath, Dictionary<string, string> query, string? account, string? container, string? blob)
    {
        Context = context;
        RawPath = rawPath;
        Query = query;
        Account = account;
        Container = container;
        Blob = blob;
    }

    public HttpContext Context { get; }

    public HttpRequest Http => Context.Request;

    public string Method => Http.Method;

    /// <summary>The path exactly as sent (still percent-encoded), which Shared Key signs.</summary>
    public string RawPath { get; }

    /// <summary>The decoded query parameters, in the order sent.</summary>
    public Dictionary<string, string> Query { get; }

    public string? Account { get; }

    public string? Container { get; }

    public string? Blob { get; }

    public string? Comp => Query.GetValueOrDefault("comp");

    public string? ResType => Query.GetValueOrDefault("restype");

    public string? Header(string name) => Http.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    public static StorageRequest Parse(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString).ToString();
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? target : target[..question];
        var rawQuery = question < 0 ? string.Empty : target[(question + 1)..];

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            query[name] = query.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        // "/account/container/blob/name/with/slashes": the blob name is everything after the container, decoded once.
        var path = rawPath.TrimStart('/');
        string? account = null, container = null, blob = null;
        if (path.Length > 0)
        {
            var first = path.IndexOf('/', StringComparison.Ordinal);
            account = Uri.UnescapeDataString(first < 0 ? path : path[..first]);
            if (first >= 0 && first + 1 < path.Length)
            {
                var rest = path[(first + 1)..];
                var second = rest.IndexOf('/', StringComparison.Ordinal);
                container = Uri.UnescapeDataString(second < 0 ? rest : rest[..second]);
                if (second >= 0 && second + 1 < rest.Length)
                {
                    blob = Uri.UnescapeDataString(rest[(second + 1)..]);
                }
            }
        }

        return new StorageRequest(context, rawPath, query, account, container?.Length > 0 ? container : null, blob);
    }
}
