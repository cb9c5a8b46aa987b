using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.IntegrationTests.Archive;

/// <summary>The development signing key: generated once into a git-ignored file, then reused.</summary>
public sealed class LocalDevelopmentSigningKeyProviderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dev-keys-{Guid.NewGuid():N}", ".local", "keys");
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    private string KeyFile => Path.Combine(_folder, "archive-signing.dev-key.pem");

    private string Root => Path.GetDirectoryName(Path.GetDirectoryName(_folder))!;

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    [Fact]
    public async Task FirstUse_GeneratesAP256KeyIntoTheFile_AsPkcs8Pem()
    {
        using var provider = new LocalDevelopmentSigningKeyProvider(KeyFile);

        var key = await provider.GetSigningKeyAsync(_ct);

        var pem = await File.ReadAllTextAsync(KeyFile, _ct);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        using var reloaded = ArchiveSigningKey.FromPrivateKeyPem(pem);
        Assert.Equal(key.KeyId, reloaded.KeyId);
    }

    [Fact]
    public async Task ALaterRun_ReusesThePersistedKey_SoOldBundlesKeepVerifying()
    {
        byte[] signature;
        string keyId;
        using (var first = new LocalDevelopmentSigningKeyProvider(KeyFile))
        {
            var key = await first.GetSigningKeyAsync(_ct);
            keyId = key.KeyId;
            signature = key.Sign("manifest"u8);
        }

        using var second = new LocalDevelopmentSigningKeyProvider(KeyFile);
        var publicKeys = await second.GetPublicKeysAsync(_ct);

        Assert.Equal(keyId, (await second.GetSigningKeyAsync(_ct)).KeyId);
        Assert.True(ArchiveSignature.Verify("manifest"u8, signature, Assert.Single(publicKeys)));
    }

    [Fact]
    public async Task TheKeyFile_IsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
            return;
        }

        using var provider = new LocalDevelopmentSigningKeyProvider(KeyFile);

        await provider.GetSigningKeyAsync(_ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
    }

    [Fact]
    public async Task RotatedKeysBesideTheCurrentOne_ArePublishedAfterIt()
    {
        Directory.CreateDirectory(_folder);
        using var rotated = ArchiveSigningKey.Generate();
        await File.WriteAllTextAsync(Path.Combine(_folder, "archive-signing-2025.dev-key.pem"), rotated.ExportPrivateKeyPem(), _ct);
        using var provider = new LocalDevelopmentSigningKeyProvider(KeyFile);

        var publicKeys = await provider.GetPublicKeysAsync(_ct);

        Assert.Equal([(await provider.GetSigningKeyAsync(_ct)).KeyId, rotated.KeyId], publicKeys.Select(ArchiveSignature.KeyIdOfPem));
    }

    [Fact]
    public void AKeyFileNotEndingInTheGitIgnoredSuffix_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new LocalDevelopmentSigningKeyProvider(Path.Combine(_folder, "archive-signing.pem")));
    }

    [Fact]
    public void TheDefaultKeyFile_IsUnderDotLocalKeys_WithTheGitIgnoredSuffix()
    {
        var file = LocalDevelopmentSigningKeyProvider.DefaultKeyFile("/repo");

        Assert.Equal(Path.Combine("/repo", ".local", "keys", "archive-signing.dev-key.pem"), file);
    }
}
