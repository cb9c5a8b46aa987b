using System.Buffers;
using System.Diagnostics;
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
/// Compresses many small, similar documents (the in-memory stores' encoded documents, the load run's retained archive
/// records): each one is compressed after a primer — the first document this compressor was given — so Brotli finds the
/// property names and recurring values there, and only what follows the primer is kept. A 4 KB JSON document so takes
/// 0.6–0.7 KB instead of 1.5 KB on its own; a journal entry 0.2 KB instead of 0.4 KB.
/// </summary>
/// <remarks>
/// The primer is compressed and flushed first, so the stream up to there depends on the primer alone and is the same
/// bytes for every document (checked on every write); decompressing puts them back in front and drops the primer from
/// the output. Quality 2 is the lowest that refers back across the flush; a 64 KiB window holds a primer and a document.
/// </remarks>
public sealed class PrimedCompressor
{
    private const int Quality = 2;
    private const int Window = 16;
    private Primer? _primer;

    private sealed record Primer(byte[] Raw, byte[] Compressed);

    /// <summary>The compressed form of <paramref name="bytes"/>, without the primer's.</summary>
    public byte[] Compress(ReadOnlySpan<byte> bytes)
    {
        var primer = _primer ?? PrimeWith(bytes);
        var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(primer.Raw.Length + bytes.Length) + 64);
        var encoder = new BrotliEncoder(Quality, Window);
        try
        {
            var prefix = CompressPrimer(ref encoder, primer.Raw, buffer);
            if (!buffer.AsSpan(0, prefix).SequenceEqual(primer.Compressed))
            {
                throw new UnreachableException("The compressed primer came out different: Brotli is not deterministic here.");
            }

            Check(encoder.Compress(bytes, buffer.AsSpan(prefix), out _, out var written, isFinalBlock: true));
            return buffer.AsSpan(prefix, written).ToArray();
        }
        finally
        {
            encoder.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes that were compressed into <paramref name="compressed"/>.</summary>
    public byte[] Decompress(ReadOnlySpan<byte> compressed)
    {
        var primer = _primer ?? throw new InvalidOperationException("Nothing was compressed with this compressor.");
        var input = ArrayPool<byte>.Shared.Rent(primer.Compressed.Length + compressed.Length);
        try
        {
            primer.Compressed.CopyTo(input, 0);
            compressed.CopyTo(input.AsSpan(primer.Compressed.Length));
            var source = input.AsSpan(0, primer.Compressed.Length + compressed.Length);

            // The length is not stored; documents compress a few times over, so start there and grow.
            for (var length = primer.Raw.Length + Math.Max(1024, compressed.Length * 8); ; length *= 2)
            {
                var output = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    if (BrotliDecoder.TryDecompress(source, output, out var written) && written < output.Length)
                    {
                        return output.AsSpan(primer.Raw.Length, written - primer.Raw.Length).ToArray();
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(output);
                }

                if (length > 1 << 30)
                {
                    throw new InvalidDataException("Compressed bytes are corrupt or expand beyond 1 GiB.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private Primer PrimeWith(ReadOnlySpan<byte> first)
    {
        var raw = first.ToArray();
        var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(raw.Length) + 64];
        var encoder = new BrotliEncoder(Quality, Window);
        try
        {
            var length = CompressPrimer(ref encoder, raw, buffer);
            var primer = new Primer(raw, buffer.AsSpan(0, length).ToArray());

            // Whoever primes first wins; every document is compressed and decompressed with that one primer.
            return Interlocked.CompareExchange(ref _primer, primer, null) ?? primer;
        }
        finally
        {
            encoder.Dispose();
        }
    }

    private static int CompressPrimer(ref BrotliEncoder encoder, byte[] primer, byte[] buffer)
    {
        Check(encoder.Compress(primer, buffer, out var consumed, out var written, isFinalBlock: false));
        if (consumed != primer.Length)
        {
            throw new UnreachableException("Brotli did not take the whole primer.");
        }

        Check(encoder.Flush(buffer.AsSpan(written), out var flushed));
        return written + flushed;
    }

    private static void Check(OperationStatus status)
    {
        if (status != OperationStatus.Done)
        {
            throw new UnreachableException($"Brotli stopped with {status} although its output buffer had the maximum compressed length.");
        }
    }
}
