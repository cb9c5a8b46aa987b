using System.Text;
using ServerlessBackOffice.Functions.Auditing;

namespace ServerlessBackOffice.Functions.Tests.Auditing;

/// <summary>Reading the App Service principal and deciding auditor access from it.</summary>
public sealed class ClientPrincipalTests
{
    [Fact]
    public void Decode_OfAnEntraPrincipal_ReadsProviderNameObjectIdAndAppRoles()
    {
        Assert.True(ClientPrincipal.TryDecode(Principals.Header("ana@example.com", "Auditor", "Reader"), out var principal));

        Assert.Equal("aad", principal!.IdentityProvider);
        Assert.Equal("ana@example.com", principal.Name);
        Assert.Equal("0b4f1c2e-1111-2222-3333-444455556666", principal.ObjectId);
        Assert.Equal(["Auditor", "Reader"], principal.Roles);
    }

    [Fact]
    public void Decode_ReadsRolesUnderTheClaimTypeNamedByRoleTyp()
    {
        var header = Principals.Encode(new
        {
            auth_typ = "aad",
            name_typ = "name",
            role_typ = Principals.RoleType,
            claims = new[] { new { typ = "name", val = "Ben" }, new { typ = Principals.RoleType, val = "Auditor" } },
        });

        Assert.True(ClientPrincipal.TryDecode(header, out var principal));

        Assert.Equal("Ben", principal!.Name);
        Assert.True(principal.HasRole("Auditor"));
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("WzEsMl0=")] // "[1,2]": JSON, but not a principal object
    public void Decode_OfSomethingThatIsNotAPrincipal_Fails(string header)
    {
        Assert.False(ClientPrincipal.TryDecode(header, out _));
    }

    [Fact]
    public void Decide_WithoutAHeader_IsUnauthenticated401()
    {
        var decision = AuditorAuthorization.Decide(null);

        Assert.Equal(AccessOutcome.Unauthenticated, decision.Outcome);
        Assert.Equal(401, decision.StatusCode);
        Assert.Null(decision.Principal);
    }

    [Fact]
    public void Decide_WithAnUnreadableHeader_IsUnauthenticated401()
    {
        var decision = AuditorAuthorization.Decide(Convert.ToBase64String(Encoding.UTF8.GetBytes("{broken")));

        Assert.Equal(AccessOutcome.Unauthenticated, decision.Outcome);
        Assert.Equal("unreadable client principal", decision.Reason);
    }

    [Fact]
    public void Decide_ForACallerWithoutTheAuditorRole_IsForbidden403_NamingTheCaller()
    {
        var decision = AuditorAuthorization.Decide(Principals.Header("carl@example.com", "Reader"));

        Assert.Equal(AccessOutcome.Forbidden, decision.Outcome);
        Assert.Equal(403, decision.StatusCode);
        Assert.Equal("carl@example.com", decision.Principal!.Name);
    }

    [Fact]
    public void Decide_RoleNamesAreCaseSensitive_AsEntraAppRoleValuesAre()
    {
        Assert.Equal(AccessOutcome.Forbidden, AuditorAuthorization.Decide(Principals.Header("dora@example.com", "auditor")).Outcome);
    }

    [Fact]
    public void Decide_ForAnAuditor_IsGranted()
    {
        var decision = AuditorAuthorization.Decide(Principals.Header("ana@example.com", "Auditor"));

        Assert.Equal(AccessOutcome.Granted, decision.Outcome);
        Assert.Equal("ana@example.com", decision.Principal!.Name);
    }
}
