using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>
/// The archive signing key from Key Vault: the current version of a secret holds the ECDSA P-256 private key as PKCS#8
/// PEM (Azure.Security.KeyVault.Keys is not available to this project, so the key is a secret). Rotating the key is adding
/// a secret version; the public keys of every enabled version are published, so days signed before a rotation still
/// verify. Keep rotated versions enabled: a disabled version cannot be read, and its public key would drop out of new
/// bundles (auditors who kept older bundles still hold it). Keys are cached for <see cref="CacheLifetime"/>, so a
/// rotation takes effect within that time. No key material is ever logged; only key ids.
/// </summary>
public sealed partial class KeyVaultSigningKeyProvider(
    SecretClient client, string secretName, TimeProvider timeProvider, ILogger<KeyVaultSigningKeyProvider> logger) : IArchiveSigningKeyProvider, IDisposable
{
    /// <summary>How long a key read from Key Vault is used before it is read again.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(15);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Cached<ArchiveSigningKey>? _signingKey;
    private Cached<IReadOnlyList<string>>? _publicKeys;

    /// <inheritdoc />
    public async Task<ArchiveSigningKey> GetSigningKeyAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_signingKey) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_signingKey) is { } raced)
            {
                return raced;
            }

            var secret = await client.GetSecretAsync(secretName, version: null, cancellationToken);
            // The previous key is not disposed: a sealer may still be signing with it.
            var key = ArchiveSigningKey.FromPrivateKeyPem(secret.Value.Value);
            _signingKey = new Cached<ArchiveSigningKey>(key, timeProvider.GetUtcNow() + CacheLifetime);
            LogSigningKeyLoaded(secretName, key.KeyId);
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_publicKeys) is { } cached)
        {
            return cached;
        }

        var current = await GetSigningKeyAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_publicKeys) is { } raced)
            {
                return raced;
            }

            var versions = new List<SecretProperties>();
            await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(secretName, cancellationToken))
            {
                if (properties.Enabled == true)
                {
                    versions.Add(properties);
                }
            }

            // The current key first, then the rotated ones from newest to oldest; a key published twice is listed once.
            var publicKeys = new List<string> { current.ExportPublicKeyPem() };
            var keyIds = new HashSet<string>(StringComparer.Ordinal) { current.KeyId };
            foreach (var version in versions.OrderByDescending(v => v.CreatedOn).ThenBy(v => v.Version, StringComparer.Ordinal))
            {
                var secret = await client.GetSecretAsync(secretName, version.Version, cancellationToken);
                using var key = ArchiveSigningKey.FromPrivateKeyPem(secret.Value.Value);
                if (keyIds.Add(key.KeyId))
                {
                    publicKeys.Add(key.ExportPublicKeyPem());
                }
            }

            _publicKeys = new Cached<IReadOnlyList<string>>(publicKeys, timeProvider.GetUtcNow() + CacheLifetime);
            LogPublicKeysLoaded(secretName, publicKeys.Count);
            return publicKeys;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private T? Fresh<T>(Cached<T>? cached)
        where T : class =>
        cached is not null && timeProvider.GetUtcNow() < cached.ExpiresOn ? cached.Value : null;

    private sealed record Cached<T>(T Value, DateTimeOffset ExpiresOn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the archive signing key {KeyId} from Key Vault secret {SecretName}")]
    private partial void LogSigningKeyLoaded(string secretName, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Count} archive public keys from the versions of Key Vault secret {SecretName}")]
    private partial void LogPublicKeysLoaded(string secretName, int count);
}
