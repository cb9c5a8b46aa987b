using System.Buffers;
using System.IO.Compression;

namespace ServerlessBackOffice.Pipeline.InMemory;

/// <summary>
/// How an in-memory store can keep its documents compact: as bytes (a serialized, compressed form) rather than as the
/// object graph, decoded again on every read. A codec must round-trip exactly: <c>Decode(Encode(d))</c> equals <c>d</c>.
/// The stores keep the objects themselves when they are given no codec (unit tests); the load run gives them codecs,
/// because a million trades' object graphs do not fit in memory (docs/reliability.md, "Load").
/// </summary>
/// <typeparam name="T">The document type.</typeparam>
public interface IDocumentCodec<T>
    where T : class
{
    /// <summary>The document's bytes.</summary>
    byte[] Encode(T document);

    /// <summary>The document again, equal to the one encoded.</summary>
    T Decode(byte[] encoded);
}

/// <summary>
/// One document as an in-memory store holds it: the object itself when the store has no codec, its encoded bytes when it
/// has one. Either way it reads back as an equal document, so the store's semantics do not depend on the codec.
/// </summary>
/// <typeparam name="T">The document type.</typeparam>
public readonly struct StoredDocument<T>
    where T : class
{
    private readonly object _content;

    /// <summary>Keeps <paramref name="document"/>, encoded when there is a codec.</summary>
    public StoredDocument(T document, IDocumentCodec<T>? codec)
    {
        ArgumentNullException.ThrowIfNull(document);
        _content = codec is null ? document : codec.Encode(document);
    }

    /// <summary>The document, decoded with the codec it was kept with.</summary>
    public T Read(IDocumentCodec<T>? codec) =>
        _content as T ?? (codec ?? throw new InvalidOperationException($"A {typeof(T).Name} kept as bytes needs its codec to be read."))
            .Decode((byte[])_content);
}

/// <summary>
/// The compression of the in-memory stores' encoded documents and of the load run's retained archive records: Brotli at
/// its fastest quality, because every write encodes and every read decodes, and small JSON documents gain little from a
/// slower setting.
/// </summary>
public static class CompactBytes
{
    private const int Quality = 1;
    private const int Window = 22;

    /// <summary>The compressed form of <paramref name="bytes"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(bytes.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(bytes, buffer, out var written, Quality, Window))
            {
                throw new InvalidOperationException("Brotli could not compress into its own maximum compressed length.");
            }

            return buffer.AsSpan(0, written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes that were compressed into <paramref name="compressed"/>.</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> compressed)
    {
        // The decompressed length is not stored; documents compress a few times over, so start there and grow.
        for (var length = Math.Max(1024, compressed.Length * 8); ; length *= 2)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                if (BrotliDecoder.TryDecompress(compressed, buffer, out var written) && written < buffer.Length)
                {
                    return buffer.AsSpan(0, written).ToArray();
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (length > 1 << 30)
            {
                throw new InvalidDataException("Compressed bytes are corrupt or expand beyond 1 GiB.");
            }
        }
    }
}
