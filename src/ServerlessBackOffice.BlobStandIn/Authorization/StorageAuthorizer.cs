using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.BlobStandIn.Http;
using ServerlessBackOffice.BlobStandIn.Storage;

namespace ServerlessBackOffice.BlobStandIn.Authorization;

/// <summary>What a request asks to do, for the permission check of a SAS.</summary>
internal enum SasPermission
{
    Read,
    Write,
    Delete,
    List,
    None,
}

/// <summary>A user delegation key as Get User Delegation Key returns it.</summary>
internal sealed record UserDelegationKey(string ObjectId, string TenantId, string Start, string Expiry, string Service, string Version, string Value);

/// <summary>
/// Checks Shared Key signatures (the string-to-sign of the Blob service, as <c>StorageSharedKeyCredential</c> builds it) and
/// user delegation SAS (the documented string-to-sign for versions 2020-12-06 and later, with the two delegated-user fields
/// from 2025-07-05 and the signed request headers and query parameters of 2026). A user delegation key is not stored: its value is an HMAC of its own fields under the account key,
/// so any key this stand-in issued can be recomputed from the SAS that carries its fields, and a made-up one cannot.
/// </summary>
internal sealed class StorageAuthorizer(string accountName, byte[] accountKey, TimeProvider timeProvider)
{
    /// <summary>The object and tenant ids the stand-in's user delegation keys carry (no Entra ID here).</summary>
    public const string DelegationObjectId = "00000000-0000-0000-0000-00000000b10b";

    /// <summary>The tenant id the stand-in's user delegation keys carry.</summary>
    public const string DelegationTenantId = "00000000-0000-0000-0000-000000000001";

    private const string FirstDelegatedUserVersion = "2025-07-05";

    // Signed request headers and query parameters (srh, srq) joined the string-to-sign with a 2026 version; the SDK
    // (Azure.Storage.Blobs 12.30.1, sv=2026-10-06) signs them, empty when unused. The exact first version is an assumption.
    private const string FirstSignedRequestHeadersVersion = "2026-04-06";
    private const string FirstEncryptionScopeVersion = "2020-12-06";

    public string AccountName { get; } = accountName;

    /// <summary>Null when the request carries a valid Shared Key signature for this account.</summary>
    public StorageError? CheckSharedKey(StorageRequest request)
    {
        var authorization = request.Header("Authorization");
        if (authorization is null)
        {
            return StorageError.NoAuthentication;
        }

        const string scheme = "SharedKey ";
        if (!authorization.StartsWith(scheme, StringComparison.Ordinal))
        {
            return StorageError.AuthenticationFailed;
        }

        var credential = authorization[scheme.Length..].Trim();
        var colon = credential.LastIndexOf(':');
        if (colon <= 0 || credential[..colon] != AccountName)
        {
            return StorageError.AuthenticationFailed;
        }

        var signature = credential[(colon + 1)..];

        // The SDK sorts the x-ms- headers with a culture comparison that ignores symbols; with invariant globalization
        // that becomes ordinal. Either order is accepted, as either client could have signed.
        foreach (var symbolsIgnored in new[] { true, false })
        {
            if (SignatureMatches(Sign(accountKey, SharedKeyStringToSign(request, symbolsIgnored)), signature))
            {
                return null;
            }
        }

        return StorageError.AuthenticationFailed;
    }

    /// <summary>Null when the request carries a valid user delegation SAS that grants <paramref name="permission"/>.</summary>
    public StorageError? CheckSas(StorageRequest request, SasPermission permission)
    {
        var q = request.Query;
        string Get(string name) => q.GetValueOrDefault(name) ?? string.Empty;
        if (!q.ContainsKey("skoid") || request.Container is null)
        {
            // Account and service SAS (signed with the account key) are not implemented: the project issues none.
            return StorageError.AuthenticationFailed;
        }

        var version = Get("sv");
        var resource = Get("sr");
        if (string.CompareOrdinal(version, FirstEncryptionScopeVersion) < 0 || resource is not ("b" or "c") || (resource == "b" && request.Blob is null))
        {
            return StorageError.AuthenticationFailed;
        }

        var key = DelegationKeyValue(Get("skoid"), Get("sktid"), Get("skt"), Get("ske"), Get("sks"), Get("skv"));
        var canonical = resource == "b" ? $"/blob/{AccountName}/{request.Container}/{request.Blob}" : $"/blob/{AccountName}/{request.Container}";
        var fields = new List<string>
        {
            Get("sp"), Get("st"), Get("se"), canonical,
            Get("skoid"), Get("sktid"), Get("skt"), Get("ske"), Get("sks"), Get("skv"),
            Get("saoid"), Get("suoid"), Get("scid"),
        };
        if (string.CompareOrdinal(version, FirstDelegatedUserVersion) >= 0)
        {
            fields.Add(Get("skdutid"));
            fields.Add(Get("sduoid"));
        }

        fields.AddRange([Get("sip"), Get("spr"), version, resource, Get("snapshot"), Get("ses")]);
        if (string.CompareOrdinal(version, FirstSignedRequestHeadersVersion) >= 0)
        {
            fields.Add(Get("srh"));
            fields.Add(Get("srq"));
        }

        fields.AddRange([Get("rscc"), Get("rscd"), Get("rsce"), Get("rscl"), Get("rsct")]);
        if (!SignatureMatches(Sign(key, string.Join('\n', fields)), Get("sig")))
        {
            return StorageError.AuthenticationFailed;
        }

        var now = timeProvider.GetUtcNow();
        if (!InWindow(Get("st"), Get("se"), now) || !InWindow(Get("skt"), Get("ske"), now))
        {
            return StorageError.AuthenticationFailed with { Message = "Signature not valid in the specified time frame." };
        }

        if (Get("spr") == "https" && !request.Http.IsHttps)
        {
            return StorageError.ProtocolMismatch;
        }

        var granted = Get("sp");
        var allowed = permission switch
        {
            SasPermission.Read => granted.Contains('r', StringComparison.Ordinal),
            SasPermission.Write => granted.Contains('w', StringComparison.Ordinal) || granted.Contains('c', StringComparison.Ordinal),
            SasPermission.Delete => granted.Contains('d', StringComparison.Ordinal),
            SasPermission.List => resource == "c" && granted.Contains('l', StringComparison.Ordinal),
            _ => false,
        };
        return allowed ? null : StorageError.PermissionMismatch;
    }

    /// <summary>Issues a user delegation key for the given validity (times as the service formats them).</summary>
    public UserDelegationKey IssueDelegationKey(DateTimeOffset start, DateTimeOffset expiry, string version)
    {
        var startText = SasTime(start);
        var expiryText = SasTime(expiry);
        var value = Convert.ToBase64String(DelegationKeyValue(DelegationObjectId, DelegationTenantId, startText, expiryText, "b", version));
        return new UserDelegationKey(DelegationObjectId, DelegationTenantId, startText, expiryText, "b", version, value);
    }

    public static string SasTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private byte[] DelegationKeyValue(string objectId, string tenantId, string start, string expiry, string service, string version) =>
        HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(string.Join('\n', "user-delegation-key", objectId, tenantId, start, expiry, service, version)));

    private static bool InWindow(string start, string expiry, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var end) || now >= end)
        {
            return false;
        }

        return start.Length == 0 || (DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var begin) && now >= begin);
    }

    private static string SharedKeyStringToSign(StorageRequest request, bool symbolsIgnored)
    {
        var http = request.Http;
        var contentLength = http.ContentLength is > 0 ? http.ContentLength.Value.ToString(CultureInfo.InvariantCulture) : string.Empty;
        var builder = new StringBuilder(256);
        builder.Append(http.Method.ToUpperInvariant()).Append('\n')
            .Append(request.Header("Content-Encoding")).Append('\n')
            .Append(request.Header("Content-Language")).Append('\n')
            .Append(contentLength).Append('\n')
            .Append(request.Header("Content-MD5")).Append('\n')
            .Append(request.Header("Content-Type")).Append('\n')
            .Append(request.Header("x-ms-date") is null ? request.Header("Date") : string.Empty).Append('\n')
            .Append(request.Header("If-Modified-Since")).Append('\n')
            .Append(request.Header("If-Match")).Append('\n')
            .Append(request.Header("If-None-Match")).Append('\n')
            .Append(request.Header("If-Unmodified-Since")).Append('\n')
            .Append(request.Header("Range")).Append('\n');

        var headers = http.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.ToString()))
            .ToList();
        headers.Sort((x, y) =>
        {
            if (symbolsIgnored)
            {
                var bySymbolsIgnored = string.CompareOrdinal(WithoutSymbols(x.Name), WithoutSymbols(y.Name));
                if (bySymbolsIgnored != 0)
                {
                    return bySymbolsIgnored;
                }
            }

            return string.CompareOrdinal(x.Name, y.Name);
        });
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('/').Append(request.Account).Append(request.RawPath.Length > 0 ? request.RawPath : "/");
        foreach (var name in request.Query.Keys.Order(StringComparer.Ordinal))
        {
            builder.Append('\n').Append(name.ToLowerInvariant()).Append(':').Append(request.Query[name]);
        }

        return builder.ToString();
    }

    private static string WithoutSymbols(string name) => string.Concat(name.Where(char.IsLetterOrDigit));

    private static byte[] Sign(byte[] key, string stringToSign) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign));

    private static bool SignatureMatches(byte[] expected, string signature)
    {
        Span<byte> given = stackalloc byte[64];
        return Convert.TryFromBase64String(signature, given, out var written)
            && CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }
}
