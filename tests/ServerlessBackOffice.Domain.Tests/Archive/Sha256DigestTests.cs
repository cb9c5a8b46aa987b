using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Domain.Tests.Archive;

/// <summary>
/// The archive's SHA-256 (libcrypto's low-level functions where the process can call them) gives .NET's SHA-256 digests for
/// any bytes, whole or fed in pieces, and is the native path wherever libcrypto 3 loads.
/// </summary>
public sealed class Sha256DigestTests
{
    [Fact]
    public void WhereLibcrypto3Loads_TheNativeFunctionsAreUsed()
    {
        var loads = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("BACKOFFICE_SHA256_MANAGED") != "1"
            && NativeLibrary.TryLoad("libcrypto.so.3", out _);
        Assert.Equal(loads, Sha256Digest.IsNative);
    }

    [Fact]
    public void Property_AnyBytes_HashAsDotNetHashesThem()
    {
        var generator =
            from length in Gen.Elements(0, 1, 55, 56, 63, 64, 65, 440, 1000, 4096, 70_000)
            from seed in Gen.Choose(0, int.MaxValue)
            from cut in Gen.Choose(0, 100)
            select (length, seed, cut);

        using var incremental = new Sha256Digest.Incremental();
        Prop.ForAll(generator.ToArbitrary(), sample =>
        {
            var (length, seed, cut) = sample;
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);
            var expected = SHA256.HashData(bytes);

            var whole = new byte[SHA256.HashSizeInBytes];
            Sha256Digest.Hash(bytes, whole);
            Assert.Equal(expected, whole);

            var at = length * cut / 100;
            var pieces = new byte[SHA256.HashSizeInBytes];
            incremental.AppendData(bytes.AsSpan(0, at));
            incremental.AppendData(bytes, at, length - at);
            incremental.GetHashAndReset(pieces);
            Assert.Equal(expected, pieces);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Digests_ComputedOnManyThreadsAtOnce_AreEachTheirOwn()
    {
        var inputs = Enumerable.Range(0, 2_000).Select(i => BitConverter.GetBytes(i).Concat(new byte[i % 300]).ToArray()).ToArray();
        var digests = new byte[inputs.Length][];
        Parallel.For(0, inputs.Length, i =>
        {
            digests[i] = new byte[SHA256.HashSizeInBytes];
            Sha256Digest.Hash(inputs[i], digests[i]);
        });

        Assert.All(Enumerable.Range(0, inputs.Length), i => Assert.Equal(SHA256.HashData(inputs[i]), digests[i]));
    }

    [Fact]
    public void ADestinationShorterThanADigest_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Sha256Digest.Hash([1, 2, 3], new byte[31]));
        using var incremental = new Sha256Digest.Incremental();
        Assert.Throws<ArgumentException>(() => incremental.GetHashAndReset(new byte[31]));
    }

    [Fact]
    public void ADisposedDigest_RefusesMoreBytes()
    {
        var incremental = new Sha256Digest.Incremental();
        incremental.Dispose();
        if (Sha256Digest.IsNative)
        {
            Assert.Throws<ObjectDisposedException>(() => incremental.AppendData([1]));
        }
        else
        {
            Assert.ThrowsAny<Exception>(() => incremental.AppendData([1]));
        }
    }
}
