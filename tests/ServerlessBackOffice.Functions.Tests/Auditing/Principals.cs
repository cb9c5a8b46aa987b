using System.Text;
using System.Text.Json;

namespace ServerlessBackOffice.Functions.Tests.Auditing;

/// <summary>X-MS-CLIENT-PRINCIPAL values shaped like the ones App Service authentication sets for Entra ID callers.</summary>
internal static class Principals
{
    public const string RoleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    public const string NameType = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

    public static string Header(string name, params string[] roles) =>
        Encode(new
        {
            auth_typ = "aad",
            name_typ = NameType,
            role_typ = RoleType,
            claims = new[]
            {
                new { typ = NameType, val = name },
                new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = "0b4f1c2e-1111-2222-3333-444455556666" },
                new { typ = "aud", val = "api://serverless-back-office" },
            }.Concat(roles.Select(r => new { typ = "roles", val = r })).ToArray(),
        });

    public static string Encode(object principal) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(principal)));
}
