using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>
/// The day's hash chain. Records are chained in ordinal order of their names, which every writer and verifier can
/// reproduce without coordination: <c>link[0] = SHA-256("serverless-back-office-archive/v1|" + date)</c> and
/// <c>link[i] = SHA-256(link[i-1] ‖ UTF-8(name) ‖ 0x00 ‖ SHA-256(content))</c>. The last link is the chain head that
/// the signed manifest names, so removing, inserting, reordering or altering any record changes every later link.
/// </summary>
public static class HashChain
{
    /// <summary>The link before the first record of a business day.</summary>
    public static byte[] Genesis(DateOnly businessDate) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{ArchiveFormat.Version}|{businessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"));

    /// <summary>The link that follows <paramref name="previous"/> for a record with this name and content hash.</summary>
    public static byte[] Next(ReadOnlySpan<byte> previous, string name, ReadOnlySpan<byte> contentSha256)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (previous.Length != SHA256.HashSizeInBytes || contentSha256.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("Chain links and content hashes are SHA-256 values of 32 bytes.");
        }

        // Called once per record of a day, a million times at scale: the link's input is built on the stack when it fits.
        var length = previous.Length + Encoding.UTF8.GetByteCount(name) + 1 + contentSha256.Length;
        byte[]? rented = null;
        var buffer = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        previous.CopyTo(buffer);
        var nameLength = Encoding.UTF8.GetBytes(name, buffer[previous.Length..]);
        buffer[previous.Length + nameLength] = 0;
        contentSha256.CopyTo(buffer[(previous.Length + nameLength + 1)..]);
        var link = new byte[SHA256.HashSizeInBytes];
        Sha256Digest.Hash(buffer, link);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return link;
    }

    /// <summary>The canonical order of records in a day: ordinal by name, so it never depends on arrival order.</summary>
    public static int CompareNames(string left, string right) => string.CompareOrdinal(left, right);
}
