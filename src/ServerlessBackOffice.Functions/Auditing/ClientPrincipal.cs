using System.Text;
using System.Text.Json;

namespace ServerlessBackOffice.Functions.Auditing;

/// <summary>
/// The caller as App Service authentication describes it in the <c>X-MS-CLIENT-PRINCIPAL</c> header: base64 of a JSON
/// object <c>{ auth_typ, name_typ, role_typ, claims: [{ typ, val }] }</c>. App Service strips this header from incoming
/// requests and sets it only for callers it authenticated, which is why its content can be trusted behind it.
/// </summary>
/// <param name="IdentityProvider">The <c>auth_typ</c>, for example <c>aad</c>.</param>
/// <param name="Name">The value of the claim named by <c>name_typ</c>, else <c>name</c> or <c>preferred_username</c>.</param>
/// <param name="ObjectId">The Entra object id (<c>oid</c> claim), when present: the stable identity of the caller.</param>
/// <param name="Roles">The values of the role claims (the claim type named by <c>role_typ</c>, and <c>roles</c>).</param>
public sealed record ClientPrincipal(string IdentityProvider, string? Name, string? ObjectId, IReadOnlyList<string> Roles)
{
    /// <summary>The request header App Service authentication sets.</summary>
    public const string HeaderName = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The claim type Entra ID uses for app roles in access tokens.</summary>
    public const string RolesClaim = "roles";

    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    // A real principal is a few kilobytes; anything far larger is not from App Service and is not worth parsing.
    private const int MaxHeaderLength = 64 * 1024;

    /// <summary>Whether the principal holds <paramref name="role"/> (ordinal: app role values are case-sensitive).</summary>
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>Decodes the header; false when it is not base64 of a principal object.</summary>
    public static bool TryDecode(string? headerValue, out ClientPrincipal? principal)
    {
        principal = null;
        if (string.IsNullOrWhiteSpace(headerValue) || headerValue.Length > MaxHeaderLength)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(headerValue.Trim())));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var nameType = String(root, "name_typ");
            var roleType = String(root, "role_typ");
            var claims = new List<(string Type, string Value)>();
            if (root.TryGetProperty("claims", out var claimArray) && claimArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var claim in claimArray.EnumerateArray())
                {
                    if (claim.ValueKind == JsonValueKind.Object && String(claim, "typ") is { } type && String(claim, "val") is { } value)
                    {
                        claims.Add((type, value));
                    }
                }
            }

            string? First(params string?[] types) =>
                types.Where(t => t is not null).SelectMany(t => claims.Where(c => c.Type == t)).Select(c => c.Value).FirstOrDefault();

            var roles = claims.Where(c => c.Type == RolesClaim || (roleType is not null && c.Type == roleType))
                .Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
            principal = new ClientPrincipal(
                String(root, "auth_typ") ?? string.Empty,
                First(nameType, "name", "preferred_username"),
                First(ObjectIdClaim, "oid"),
                roles);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
