using System.Web;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Azure.Archive;

namespace ServerlessBackOffice.Functions.Tests.Auditing;

/// <summary>The read links auditors get: user-delegation SAS, read only, HTTPS only, one blob, at most 15 minutes.</summary>
public sealed class UserDelegationReadLinksTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 30, 0, TimeSpan.Zero);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public void Parameters_AreReadOnly_HttpsOnly_ForOneBlob_ExpiringWithin15Minutes()
    {
        var sas = UserDelegationReadLinks.Parameters("archive", "2026-11-24/records/a.json", Now);

        Assert.Equal("r", sas.Permissions);
        Assert.Equal(SasProtocol.Https, sas.Protocol);
        Assert.Equal("b", sas.Resource);
        Assert.Equal("archive", sas.BlobContainerName);
        Assert.Equal("2026-11-24/records/a.json", sas.BlobName);
        Assert.True(sas.ExpiresOn <= Now + TimeSpan.FromMinutes(15));
        Assert.True(sas.ExpiresOn > Now);
        Assert.True(sas.StartsOn <= Now);
    }

    [Fact]
    public async Task ALink_IsSignedWithAUserDelegationKeyThatExpiresWithIt_AndCarriesOnlyReadOverHttps()
    {
        var service = new Mock<BlobServiceClient>(MockBehavior.Strict);
        BlobGetUserDelegationKeyOptions? asked = null;
        service.SetupGet(s => s.Uri).Returns(new Uri("https://starchive.blob.core.windows.net/"));
        service.SetupGet(s => s.AccountName).Returns("starchive");
        service.Setup(s => s.GetUserDelegationKeyAsync(It.IsAny<BlobGetUserDelegationKeyOptions>(), _ct))
            .Callback<BlobGetUserDelegationKeyOptions, CancellationToken>((options, _) => asked = options)
            .ReturnsAsync((BlobGetUserDelegationKeyOptions options, CancellationToken _) => Response.FromValue(
                // Positional: object id, tenant id, starts, expires, service, version, delegated-user tenant, key value.
                BlobsModelFactory.UserDelegationKey(
                    "0b4f1c2e-1111-2222-3333-444455556666", "9a1b2c3d-0000-0000-0000-000000000001",
                    options.StartsOn!.Value, options.ExpiresOn, "b", "2025-11-05", null!, Convert.ToBase64String(new byte[32])),
                Mock.Of<Response>()));
        var links = new UserDelegationReadLinks(service.Object, "archive", new FakeTimeProvider(Now));

        var link = await links.CreateAsync("2026-11-24/records/a.json", _ct);

        Assert.Equal(Now + UserDelegationReadLinks.Lifetime, link.ExpiresOn);
        Assert.Equal(link.ExpiresOn, asked!.ExpiresOn);
        Assert.Equal("https://starchive.blob.core.windows.net/archive/2026-11-24/records/a.json", link.Uri.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(link.Uri.Query);
        Assert.Equal("r", query["sp"]);
        Assert.Equal("https", query["spr"]);
        Assert.Equal("b", query["sr"]);
        Assert.Equal("0b4f1c2e-1111-2222-3333-444455556666", query["skoid"]);
        Assert.False(string.IsNullOrEmpty(query["sig"]));
        Assert.Equal(link.ExpiresOn, DateTimeOffset.Parse(query["se"]!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
