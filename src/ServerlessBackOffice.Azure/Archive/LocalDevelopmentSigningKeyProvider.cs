using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;

namespace ServerlessBackOffice.Azure.Archive;

/// <summary>
/// The development signing key: generated once into a PEM file (by default <c>.local/keys/archive-signing.dev-key.pem</c>,
/// which .gitignore keeps out of git) and reused by every later run, so bundles of local days keep verifying against the
/// same public key. Other <c>*.dev-key.pem</c> files in the same folder are treated as rotated keys: their public keys are
/// published too. Never used in Azure, where the key is a Key Vault secret (<see cref="KeyVaultSigningKeyProvider"/>).
/// </summary>
public sealed class LocalDevelopmentSigningKeyProvider : IArchiveSigningKeyProvider, IDisposable
{
    /// <summary>The suffix .gitignore excludes; every development key file ends with it.</summary>
    public const string KeyFileSuffix = ".dev-key.pem";

    private readonly string _keyFile;
    private readonly Lazy<ArchiveSigningKey> _key;

    /// <summary>Uses (or creates) the key at <paramref name="keyFile"/>, whose name must end with <see cref="KeyFileSuffix"/>.</summary>
    public LocalDevelopmentSigningKeyProvider(string keyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        // The suffix is what keeps the private key out of git; a key file without it could be committed by accident.
        if (!keyFile.EndsWith(KeyFileSuffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A development key file must end with {KeyFileSuffix} (git-ignored): {keyFile}", nameof(keyFile));
        }

        _keyFile = Path.GetFullPath(keyFile);
        _key = new Lazy<ArchiveSigningKey>(LoadOrCreate, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The default key file under a repository (or working) root.</summary>
    public static string DefaultKeyFile(string root) => Path.Combine(root, ".local", "keys", "archive-signing" + KeyFileSuffix);

    /// <summary>The key file in use.</summary>
    public string KeyFile => _keyFile;

    /// <inheritdoc />
    public Task<ArchiveSigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) => Task.FromResult(_key.Value);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken)
    {
        var current = _key.Value;
        var publicKeys = new List<string> { current.ExportPublicKeyPem() };
        var keyIds = new HashSet<string>(StringComparer.Ordinal) { current.KeyId };
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(_keyFile)!, "*" + KeyFileSuffix).Order(StringComparer.Ordinal))
        {
            using var rotated = ArchiveSigningKey.FromPrivateKeyPem(File.ReadAllText(file));
            if (keyIds.Add(rotated.KeyId))
            {
                publicKeys.Add(rotated.ExportPublicKeyPem());
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(publicKeys);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Dispose();
        }
    }

    private ArchiveSigningKey LoadOrCreate()
    {
        if (File.Exists(_keyFile))
        {
            return ArchiveSigningKey.FromPrivateKeyPem(File.ReadAllText(_keyFile));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_keyFile)!);
        var generated = ArchiveSigningKey.Generate();
        try
        {
            // CreateNew: two processes starting together must not each write a key and sign with different ones; the
            // loser reads the winner's key. Owner-only permissions where the OS has them.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(new FileStream(_keyFile, options)))
            {
                writer.Write(generated.ExportPrivateKeyPem());
            }

            return generated;
        }
        catch (IOException) when (File.Exists(_keyFile))
        {
            generated.Dispose();
            return ArchiveSigningKey.FromPrivateKeyPem(File.ReadAllText(_keyFile));
        }
    }
}
