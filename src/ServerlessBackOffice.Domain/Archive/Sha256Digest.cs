using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>
/// SHA-256 for the archive's millions of small records (the reports' inputs, verification, replay). On Linux .NET hashes
/// through OpenSSL's EVP interface, whose per-call cost — an error-queue clear and a provider dispatch on every update and
/// finalisation, an allocation per one-shot — is twice the hashing itself for a record of a few hundred bytes (measured: 800 to
/// 1,000 ns against 380 ns for 440 bytes). Where the process can call libcrypto 3's SHA256_Init, SHA256_Update and
/// SHA256_Final (the same library .NET loads, the same SHA extensions), this calls them with a context on the stack; anywhere
/// else (Windows, macOS, another OpenSSL), and if the functions do not give the digests .NET gives on a self-test at start,
/// it is <see cref="SHA256"/> and <see cref="IncrementalHash"/>. The digests are SHA-256's either way.
/// </summary>
internal static unsafe class Sha256Digest
{
    /// <summary>Bytes reserved for libcrypto's SHA256_CTX (112 bytes in OpenSSL 3): room to spare.</summary>
    private const int ContextBytes = 256;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> s_init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> s_final;

#pragma warning disable CA1810 // The probe must run once, before any digest: a static constructor says so.
    static Sha256Digest()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("BACKOFFICE_SHA256_MANAGED") == "1"
            || !NativeLibrary.TryLoad("libcrypto.so.3", typeof(Sha256Digest).Assembly, null, out var library))
        {
            return;
        }

        if (!NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
            || !NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            || !NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            return;
        }

        s_init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
        s_update = (delegate* unmanaged<byte*, byte*, nuint, int>)update;
        s_final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
        if (!SelfTest())
        {
            s_init = null;
            s_update = null;
            s_final = null;
        }
    }

    /// <summary>Whether digests are computed by libcrypto's SHA256 functions (true) or by .NET's SHA256 (false).</summary>
    public static bool IsNative => s_init != null;

    /// <summary>The SHA-256 of <paramref name="data"/> into the first 32 bytes of <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("A SHA-256 digest needs 32 bytes.", nameof(destination));
        }

        if (s_init == null)
        {
            SHA256.HashData(data, destination);
            return;
        }

        var context = stackalloc byte[ContextBytes];
        fixed (byte* bytes = data)
        fixed (byte* digest = destination)
        {
            Check(s_init(context) == 1 && s_update(context, bytes, (nuint)data.Length) == 1 && s_final(digest, context) == 1);
        }
    }

    private static void Check(bool succeeded)
    {
        if (!succeeded)
        {
            throw new CryptographicException("libcrypto's SHA-256 failed.");
        }
    }

    // Known answers and a multi-block text, hashed whole and in pieces, against .NET's SHA256.
    private static bool SelfTest()
    {
        try
        {
            byte[][] samples = [[], "abc"u8.ToArray(), [.. Enumerable.Range(0, 1000).Select(i => (byte)(i * 7))]];
            Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
            Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
            using var incremental = new Incremental();
            foreach (var sample in samples)
            {
                SHA256.HashData(sample, expected);
                Hash(sample, actual);
                if (!actual.SequenceEqual(expected))
                {
                    return false;
                }

                incremental.AppendData(sample.AsSpan(0, sample.Length / 3));
                incremental.AppendData(sample.AsSpan(sample.Length / 3));
                incremental.GetHashAndReset(actual);
                if (!actual.SequenceEqual(expected))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (e is CryptographicException or EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A digest fed in pieces, reset after each result: <see cref="IncrementalHash"/>'s use in the archive.</summary>
    public sealed class Incremental : IDisposable
    {
        private readonly IncrementalHash? _managed;
        private byte* _context;

        /// <summary>A digest ready for its first bytes.</summary>
        public Incremental()
        {
            if (s_init == null)
            {
                _managed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                return;
            }

            _context = (byte*)NativeMemory.AllocZeroed(ContextBytes);
            Check(s_init(_context) == 1);
        }

        ~Incremental() => Free();

        /// <summary>Adds bytes to the digest.</summary>
        public void AppendData(ReadOnlySpan<byte> data)
        {
            if (_managed is not null)
            {
                _managed.AppendData(data);
                return;
            }

            ObjectDisposedException.ThrowIf(_context == null, this);
            fixed (byte* bytes = data)
            {
                Check(s_update(_context, bytes, (nuint)data.Length) == 1);
            }
        }

        /// <summary>Adds bytes to the digest.</summary>
        public void AppendData(byte[] data, int offset, int count) => AppendData(data.AsSpan(offset, count));

        /// <summary>The digest of the bytes added since the last result, into <paramref name="destination"/>; ready for the next.</summary>
        public void GetHashAndReset(Span<byte> destination)
        {
            if (destination.Length < SHA256.HashSizeInBytes)
            {
                throw new ArgumentException("A SHA-256 digest needs 32 bytes.", nameof(destination));
            }

            if (_managed is not null)
            {
                _managed.GetHashAndReset(destination);
                return;
            }

            ObjectDisposedException.ThrowIf(_context == null, this);
            fixed (byte* digest = destination)
            {
                Check(s_final(digest, _context) == 1 && s_init(_context) == 1);
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _managed?.Dispose();
            Free();
            GC.SuppressFinalize(this);
        }

        private void Free()
        {
            if (_context != null)
            {
                NativeMemory.Free(_context);
                _context = null;
            }
        }
    }
}
