using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.IntegrationTests.Archive;

/// <summary>The signing key from a Key Vault secret (the SecretClient mocked at its virtual members).</summary>
public sealed class KeyVaultSigningKeyProviderTests : IDisposable
{
    private const string SecretName = "archive-signing-key";
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly Mock<SecretClient> _client = new(MockBehavior.Strict);
    private readonly ArchiveSigningKey _current = ArchiveSigningKey.Generate();
    private readonly ArchiveSigningKey _rotated = ArchiveSigningKey.Generate();
    private readonly ArchiveSigningKey _disabled = ArchiveSigningKey.Generate();

    public void Dispose()
    {
        _current.Dispose();
        _rotated.Dispose();
        _disabled.Dispose();
    }

    private KeyVaultSigningKeyProvider Provider() => new(_client.Object, SecretName, _time, NullLogger<KeyVaultSigningKeyProvider>.Instance);

    private static SecretProperties Version(string version, bool enabled, int daysAgo) =>
        SecretModelFactory.SecretProperties(name: SecretName, version: version, createdOn: new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).AddDays(-daysAgo));

    private static Response<KeyVaultSecret> Secret(string? version, ArchiveSigningKey key)
    {
        var properties = SecretModelFactory.SecretProperties(name: SecretName, version: version ?? "v3");
        return Response.FromValue(SecretModelFactory.KeyVaultSecret(properties, key.ExportPrivateKeyPem()), Mock.Of<Response>());
    }

    private void SetUpVault()
    {
        _client.Setup(c => c.GetSecretAsync(SecretName, null, It.IsAny<CancellationToken>())).ReturnsAsync(Secret(null, _current));
        _client.Setup(c => c.GetSecretAsync(SecretName, "v3", It.IsAny<CancellationToken>())).ReturnsAsync(Secret("v3", _current));
        _client.Setup(c => c.GetSecretAsync(SecretName, "v2", It.IsAny<CancellationToken>())).ReturnsAsync(Secret("v2", _rotated));
        var v1 = Version("v1", enabled: false, daysAgo: 400);
        v1.Enabled = false;
        var v2 = Version("v2", enabled: true, daysAgo: 200);
        v2.Enabled = true;
        var v3 = Version("v3", enabled: true, daysAgo: 1);
        v3.Enabled = true;
        _client.Setup(c => c.GetPropertiesOfSecretVersionsAsync(SecretName, It.IsAny<CancellationToken>()))
            .Returns(AsyncPageable<SecretProperties>.FromPages([Page<SecretProperties>.FromValues([v1, v3, v2], null, Mock.Of<Response>())]));
    }

    [Fact]
    public async Task TheSigningKey_IsTheCurrentVersionOfTheSecret()
    {
        SetUpVault();

        var key = await Provider().GetSigningKeyAsync(_ct);

        Assert.Equal(_current.KeyId, key.KeyId);
    }

    [Fact]
    public async Task PublicKeys_AreTheCurrentKeyFirst_ThenEveryEnabledRotatedVersion_EachOnce()
    {
        SetUpVault();

        var publicKeys = await Provider().GetPublicKeysAsync(_ct);

        Assert.Equal([_current.KeyId, _rotated.KeyId], publicKeys.Select(ArchiveSignature.KeyIdOfPem));
        Assert.All(publicKeys, pem => Assert.DoesNotContain("PRIVATE", pem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheKey_IsCachedForItsLifetime_ThenReadAgain_SoARotationTakesEffect()
    {
        SetUpVault();
        using var provider = Provider();

        await provider.GetSigningKeyAsync(_ct);
        _time.Advance(KeyVaultSigningKeyProvider.CacheLifetime - TimeSpan.FromSeconds(1));
        await provider.GetSigningKeyAsync(_ct);
        _client.Verify(c => c.GetSecretAsync(SecretName, null, It.IsAny<CancellationToken>()), Times.Once());

        _client.Setup(c => c.GetSecretAsync(SecretName, null, It.IsAny<CancellationToken>())).ReturnsAsync(Secret(null, _rotated));
        _time.Advance(TimeSpan.FromSeconds(2));
        var after = await provider.GetSigningKeyAsync(_ct);

        Assert.Equal(_rotated.KeyId, after.KeyId);
    }
}
