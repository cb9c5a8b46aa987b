using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ServerlessBackOffice.Domain.Archive;

/// <summary>Read access to a bundle (a folder, a zip, or memory) — the only thing the verifier needs.</summary>
public interface IArchiveBundle
{
    /// <summary>Every file path in the bundle, with '/' separators, relative to its root.</summary>
    IEnumerable<string> Paths();

    /// <summary>Opens a file of the bundle, or returns null when it does not exist.</summary>
    Stream? Open(string path);

    /// <summary>
    /// Whether <see cref="Open"/> may be called from several threads at once. A folder on disk can (the verifier then reads
    /// records in parallel: for a million small files, opening them is most of the time); a zip cannot (its entries share
    /// one stream), so by default a bundle is read by one thread.
    /// </summary>
    bool SupportsConcurrentReads => false;

    /// <summary>
    /// Opens a record's file (<c>records/</c> and the record's name), or returns null when it does not exist. A bundle may
    /// look the name up without making the path (the verifier opens a million records).
    /// </summary>
    Stream? OpenRecord(string name) => Open(ArchiveFormat.RecordsFolder + name);

    /// <summary>
    /// The size of a file as the bundle states it without reading it (a zip's directory does), or null. Only a hint: it lets a
    /// manifest of a few hundred megabytes be read into one array instead of a growing copy; the bytes read are what count.
    /// </summary>
    long? StatedLength(string path) => null;

    /// <summary>
    /// How many distinct files the bundle holds under <c>records/</c>, when it knows without listing them (a zip's directory
    /// does), or null. When every record the manifest lists (each name once) is found and this equals their number, no file
    /// can be unlisted, and the verifier does not list the bundle's million paths.
    /// </summary>
    int? RecordCount => null;
}

/// <summary>What is wrong with a bundle, naming the record or file it concerns.</summary>
public sealed record VerificationFinding(VerificationProblem Problem, string Subject, string Detail);

/// <summary>The kinds of damage the verifier detects.</summary>
public enum VerificationProblem
{
    /// <summary>The manifest or signature file is missing or unreadable.</summary>
    ManifestUnreadable,

    /// <summary>The manifest is signed by a key that is neither trusted nor published in the bundle.</summary>
    UnknownSigningKey,

    /// <summary>The signature does not match the manifest: the manifest was altered or forged.</summary>
    SignatureInvalid,

    /// <summary>The manifest does not list its records in the canonical order.</summary>
    RecordOutOfOrder,

    /// <summary>A record's chain link does not follow from the previous link: a record was removed, inserted or reordered.</summary>
    ChainBroken,

    /// <summary>The chain head named by the manifest is not the last link.</summary>
    ChainHeadMismatch,

    /// <summary>A record listed in the manifest is missing from the bundle.</summary>
    RecordMissing,

    /// <summary>A record's content does not match its hash or size: it was altered.</summary>
    RecordAltered,

    /// <summary>The bundle holds a record the manifest does not list.</summary>
    RecordUnlisted,
}

/// <summary>The verdict on a bundle: intact when there is no finding.</summary>
public sealed record VerificationResult(ArchiveManifest? Manifest, IReadOnlyList<VerificationFinding> Findings, bool SignedByTrustedKey)
{
    /// <summary>True when the signature, every hash, the chain and completeness all check out.</summary>
    public bool IsIntact => Findings.Count == 0;
}

/// <summary>
/// Verifies a day's archive bundle offline: the manifest's signature, every record's hash and size, the chain's
/// continuity and head, and completeness in both directions. It reads each record once, streaming.
/// </summary>
public static class ArchiveVerifier
{
    /// <summary>Verifies a bundle.</summary>
    /// <param name="bundle">The bundle to check.</param>
    /// <param name="trustedPublicKeysPem">
    /// Public keys the auditor trusts, obtained independently of the bundle. When empty, the keys published inside the
    /// bundle are used and <see cref="VerificationResult.SignedByTrustedKey"/> is false: the bundle then proves only its
    /// own consistency, not who signed it.
    /// </param>
    public static VerificationResult Verify(IArchiveBundle bundle, IReadOnlyCollection<string> trustedPublicKeysPem) =>
        Verify(bundle, trustedPublicKeysPem, parallel: true);

    /// <summary>Verifies a bundle; <paramref name="parallel"/> false reads and hashes every record on the calling thread (tests compare the two).</summary>
    internal static VerificationResult Verify(IArchiveBundle bundle, IReadOnlyCollection<string> trustedPublicKeysPem, bool parallel)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(trustedPublicKeysPem);
        var findings = new List<VerificationFinding>();

        var manifestBytes = ReadAll(bundle, ArchiveFormat.ManifestPath);
        var signature = ReadAll(bundle, ArchiveFormat.SignaturePath);
        if (manifestBytes is null || signature is null)
        {
            findings.Add(new(VerificationProblem.ManifestUnreadable, manifestBytes is null ? ArchiveFormat.ManifestPath : ArchiveFormat.SignaturePath, "missing from the bundle"));
            return new VerificationResult(null, findings, false);
        }

        if (!ArchiveManifest.TryParse(manifestBytes, out var manifest, out var error))
        {
            findings.Add(new(VerificationProblem.ManifestUnreadable, ArchiveFormat.ManifestPath, error!));
            return new VerificationResult(null, findings, false);
        }

        var signedByTrustedKey = CheckSignature(bundle, manifest!, manifestBytes, signature, trustedPublicKeysPem, findings);
        CheckRecords(bundle, manifest!, findings, parallel);
        return new VerificationResult(manifest, findings, signedByTrustedKey && findings.Count == 0);
    }

    private static bool CheckSignature(IArchiveBundle bundle, ArchiveManifest manifest, byte[] manifestBytes, byte[] signature, IReadOnlyCollection<string> trusted, List<VerificationFinding> findings)
    {
        var useTrusted = trusted.Count > 0;
        var candidates = useTrusted
            ? trusted.ToList()
            : [.. new[] { ReadAll(bundle, ArchiveFormat.KeyPath(manifest.KeyId)) }.OfType<byte[]>().Select(b => System.Text.Encoding.UTF8.GetString(b))];
        var key = candidates.FirstOrDefault(pem => ArchiveSignature.KeyIdOfPem(pem) == manifest.KeyId);
        if (key is null)
        {
            findings.Add(new(VerificationProblem.UnknownSigningKey, manifest.KeyId,
                useTrusted ? "the manifest is signed by a key that is not among the trusted public keys" : $"the bundle does not publish {ArchiveFormat.KeyPath(manifest.KeyId)}"));
            return false;
        }

        if (!ArchiveSignature.Verify(manifestBytes, signature, key))
        {
            findings.Add(new(VerificationProblem.SignatureInvalid, ArchiveFormat.ManifestPath, $"the signature does not match the manifest under key {manifest.KeyId}: the manifest was altered or forged"));
            return false;
        }

        return useTrusted;
    }

    private static void CheckRecords(IArchiveBundle bundle, ArchiveManifest manifest, List<VerificationFinding> findings, bool parallel)
    {
        // Every record's content is hashed — in parallel when the bundle allows it, since the chain order is known from the
        // manifest and a content hash does not depend on any other record. The chain and the bundle's listing do not depend
        // on the contents either, so with several cores they are checked while the contents are hashed. The findings are
        // then merged in manifest order, exactly as a sequential pass names them.
        var overlap = parallel && Environment.ProcessorCount > 1;
        var chainCheck = overlap ? Task.Run(() => CheckChain(manifest)) : null;
        var recordCount = bundle.RecordCount;
        var listingCheck = overlap && recordCount is null && bundle.SupportsConcurrentReads ? Task.Run(() => Unlisted(bundle, manifest)) : null;
        var contents = HashContents(bundle, manifest.Records, parallel);
        var chain = chainCheck is null ? CheckChain(manifest) : chainCheck.GetAwaiter().GetResult();

        var next = 0;
        for (var i = 0; i < manifest.Records.Count; i++)
        {
            while (next < chain.Findings.Count && chain.Findings[next].Index == i)
            {
                findings.Add(chain.Findings[next++].Finding);
            }

            var entry = manifest.Records[i];
            var actualSize = contents.Sizes[i];
            if (actualSize < 0)
            {
                findings.Add(new(VerificationProblem.RecordMissing, entry.Name, "listed in the manifest but not in the bundle"));
                continue;
            }

            var actualHash = contents.Hashes.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes);
            var declaredHash = chain.DeclaredHashes.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes);
            if (actualSize != entry.Size || !CryptographicOperations.FixedTimeEquals(actualHash, declaredHash))
            {
                findings.Add(new(VerificationProblem.RecordAltered, entry.Name, $"content hash {Convert.ToHexStringLower(actualHash)} ({actualSize} bytes) differs from the manifest's {entry.Sha256} ({entry.Size} bytes)"));
            }
        }

        if (!string.Equals(Convert.ToHexStringLower(chain.Head), manifest.ChainHead, StringComparison.Ordinal))
        {
            findings.Add(new(VerificationProblem.ChainHeadMismatch, ArchiveFormat.ManifestPath, $"the chain ends at {Convert.ToHexStringLower(chain.Head)}, the manifest names {manifest.ChainHead}"));
        }

        // A bundle that states its number of record files needs no listing when the manifest's names are all distinct (in
        // strictly increasing order), every one was found, and there are as many as the bundle holds: each record file is then
        // one the manifest lists. Anything else lists the bundle, as a bundle that cannot state its number always does.
        var found = 0;
        foreach (var size in contents.Sizes)
        {
            found += size >= 0 ? 1 : 0;
        }

        var unlisted = listingCheck is not null ? listingCheck.GetAwaiter().GetResult()
            : recordCount is { } held && chain.NamesIncrease && found == manifest.Records.Count && held == found ? []
            : Unlisted(bundle, manifest);
        foreach (var path in unlisted)
        {
            findings.Add(new(VerificationProblem.RecordUnlisted, path[ArchiveFormat.RecordsFolder.Length..], "in the bundle but not in the manifest"));
        }
    }

    // The manifest's own order and chain, from its declared hashes alone: the findings (each with the index of the record it
    // names), every declared hash as 32 bytes (zeros when it is not 64 hex digits), and the link the chain ends at.
    private static (List<(int Index, VerificationFinding Finding)> Findings, byte[] DeclaredHashes, byte[] Head, bool NamesIncrease) CheckChain(ArchiveManifest manifest)
    {
        var findings = new List<(int, VerificationFinding)>();
        var declared = new byte[manifest.Records.Count * SHA256.HashSizeInBytes];
        var link = HashChain.Genesis(manifest.BusinessDate);
        Span<char> linkHex = stackalloc char[SHA256.HashSizeInBytes * 2];
        string? previous = null;
        var chainIntact = true;
        var namesIncrease = true;
        for (var i = 0; i < manifest.Records.Count; i++)
        {
            var entry = manifest.Records[i];
            if (previous is not null && HashChain.CompareNames(previous, entry.Name) >= 0)
            {
                namesIncrease = false;
                findings.Add((i, new(VerificationProblem.RecordOutOfOrder, entry.Name, $"listed after '{previous}', against the canonical (ordinal) order")));
            }

            previous = entry.Name;
            // A declared hash that is not 64 hex digits chains as 32 zero bytes (and so never matches any content).
            var declaredHash = declared.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes);
            if (entry.TryGetSha256(out var canonical))
            {
                canonical.CopyTo(declaredHash);
            }
            else if (entry.Sha256.Length != SHA256.HashSizeInBytes * 2
                || Convert.FromHexString(entry.Sha256, declaredHash, out _, out var written) != System.Buffers.OperationStatus.Done
                || written != SHA256.HashSizeInBytes)
            {
                declaredHash.Clear();
            }

            // The chain is recomputed from the manifest's own hashes, so a broken link names the first record that was
            // removed, inserted or moved, independently of whether the record files are present. A link stated in canonical
            // text is compared as bytes; any other text is compared as the lower-case hex it should have been.
            link = HashChain.Next(link, entry.Name, declaredHash);
            var linkMatches = entry.TryGetChain(out var stated)
                ? stated.SequenceEqual(link)
                : Convert.TryToHexStringLower(link, linkHex, out _) && linkHex.SequenceEqual(entry.Chain);
            if (chainIntact && !linkMatches)
            {
                findings.Add((i, new(VerificationProblem.ChainBroken, entry.Name, "its chain link does not follow from the previous record: a record before it was removed, inserted or reordered")));
                chainIntact = false;
            }
        }

        return (findings, declared, link, namesIncrease);
    }

    // The bundle's record files the manifest does not list, in ordinal order.
    private static List<string> Unlisted(IArchiveBundle bundle, ArchiveManifest manifest)
    {
        var listed = new HashSet<string>(manifest.Records.Count, StringComparer.Ordinal);
        foreach (var record in manifest.Records)
        {
            listed.Add(record.Name);
        }

        var unlisted = new List<string>();
        foreach (var path in bundle.Paths())
        {
            if (path.StartsWith(ArchiveFormat.RecordsFolder, StringComparison.Ordinal) && !listed.Contains(path[ArchiveFormat.RecordsFolder.Length..]))
            {
                unlisted.Add(path);
            }
        }

        unlisted.Sort(StringComparer.Ordinal);
        return unlisted;
    }

    // The SHA-256 (32 bytes per record, in manifest order) and size of every record's content; a size of -1 when the file is missing.
    private static (byte[] Hashes, long[] Sizes) HashContents(IArchiveBundle bundle, IReadOnlyList<ManifestEntry> records, bool parallel)
    {
        var hashes = new byte[records.Count * SHA256.HashSizeInBytes];
        var sizes = new long[records.Count];
        var large = parallel && records.Count >= 2 * ParallelChunk && Environment.ProcessorCount > 1;
        if (large && bundle.SupportsConcurrentReads)
        {
            HashConcurrently(bundle, records, hashes, sizes);
        }
        else if (large)
        {
            HashReadAhead(bundle, records, hashes, sizes);
        }
        else
        {
            using var content = new ContentReader();
            for (var i = 0; i < records.Count; i++)
            {
                sizes[i] = content.Hash(bundle, records[i].Name, hashes.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
            }
        }

        return (hashes, sizes);
    }

    private static void HashConcurrently(IArchiveBundle bundle, IReadOnlyList<ManifestEntry> records, byte[] hashes, long[] sizes)
    {
        // Opening a file is a system call that waits on the disk when the cache is cold: a few more readers than cores keep
        // both the cores and the disk's queue busy.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(4 * Environment.ProcessorCount, 16) };
        try
        {
            HashRanges(bundle, records, hashes, sizes, options);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // A record that cannot be read (a corrupt zip entry) fails the verification with its own exception, as it does
            // when one thread reads the bundle.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
            throw;
        }
    }

    private static void HashRanges(IArchiveBundle bundle, IReadOnlyList<ManifestEntry> records, byte[] hashes, long[] sizes, ParallelOptions options)
    {
        Parallel.ForEach(
            Partitioner.Create(0, records.Count, ParallelChunk),
            options,
            () => new ContentReader(),
            (range, _, reader) =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    sizes[i] = reader.Hash(bundle, records[i].Name, hashes.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
                }

                return reader;
            },
            reader => reader.Dispose());
    }

    // A bundle read by one thread (a zip: its entries share one stream, and a second reader would need the whole directory of a
    // million entries again — measured slower than one) is read in manifest order on the calling thread, which copies the
    // records into batches; the batches are hashed on the other cores while the next ones are read. Each record is hashed into
    // its own slot, so the result is the one a single reader gives; a failure to read (a corrupt entry) is thrown as it is.
    private static void HashReadAhead(IArchiveBundle bundle, IReadOnlyList<ManifestEntry> records, byte[] hashes, long[] sizes)
    {
        using var full = new BlockingCollection<ReadBatch>(boundedCapacity: 2 * Environment.ProcessorCount);
        var free = new ConcurrentQueue<ReadBatch>();
        var hashers = new Task[Math.Min(Environment.ProcessorCount - 1, 3)];
        for (var k = 0; k < hashers.Length; k++)
        {
            hashers[k] = Task.Factory.StartNew(
                () =>
                {
                    using var hash = new Sha256Digest.Incremental();
                    foreach (var batch in full.GetConsumingEnumerable())
                    {
                        for (var j = 0; j < batch.Count; j++)
                        {
                            var (index, offset, length) = batch.Items[j];
                            hash.AppendData(batch.Bytes, offset, length);
                            hash.GetHashAndReset(hashes.AsSpan(index * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
                        }

                        batch.Clear();
                        free.Enqueue(batch);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        try
        {
            using var large = new ContentReader();
            var current = new ReadBatch();
            for (var i = 0; i < records.Count; i++)
            {
                using var content = bundle.OpenRecord(records[i].Name);
                if (content is null)
                {
                    sizes[i] = -1;
                    continue;
                }

                if (!current.TryAppend(i, content, out var size))
                {
                    // Larger than a batch: hashed here, streaming, from what was read so far.
                    size = large.HashRest(current.Overflow, content, hashes.AsSpan(i * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes));
                }

                sizes[i] = size;
                if (current.IsFull)
                {
                    full.Add(current);
                    current = free.TryDequeue(out var reused) ? reused : new ReadBatch();
                }
            }

            full.Add(current);
        }
        finally
        {
            full.CompleteAdding();
            Task.WaitAll(hashers);
        }
    }

    // Records read ahead of their hashing: up to a few hundred, or a megabyte, copied into one array.
    private sealed class ReadBatch
    {
        private const int MaxRecords = 256;
        private const int MaxBytes = 1 << 20;

        public byte[] Bytes { get; } = new byte[MaxBytes];

        public (int Index, int Offset, int Length)[] Items { get; } = new (int, int, int)[MaxRecords];

        public int Count { get; private set; }

        public int Used { get; private set; }

        public bool IsFull => Count == MaxRecords || Used > MaxBytes / 2;

        /// <summary>What a record too large for the batch left in it: its first bytes, to be hashed with the rest.</summary>
        public ReadOnlyMemory<byte> Overflow { get; private set; }

        // Copies the whole content into the batch, or returns false (with its first bytes in Overflow) when it does not fit.
        public bool TryAppend(int index, Stream content, out long size)
        {
            var start = Used;
            var end = start;
            int read;
            while ((read = content.Read(Bytes, end, Bytes.Length - end)) > 0)
            {
                end += read;
                if (end == Bytes.Length)
                {
                    Overflow = Bytes.AsMemory(start, end - start);
                    size = 0;
                    return false;
                }
            }

            Items[Count++] = (index, start, end - start);
            Used = end;
            size = end - start;
            return true;
        }

        public void Clear()
        {
            Count = 0;
            Used = 0;
            Overflow = default;
        }
    }

    private const int ParallelChunk = 512;

    // One read buffer and one hash object per reading thread: a million records must not cost a million 80 KB buffers.
    private sealed class ContentReader : IDisposable
    {
        private readonly byte[] _buffer = new byte[81920];
        private readonly Sha256Digest.Incremental _hash = new();

        public long Hash(IArchiveBundle bundle, string name, Span<byte> destination)
        {
            using var content = bundle.OpenRecord(name);
            if (content is null)
            {
                return -1;
            }

            long size = 0;
            int read;
            while ((read = content.Read(_buffer, 0, _buffer.Length)) > 0)
            {
                _hash.AppendData(_buffer, 0, read);
                size += read;
            }

            _hash.GetHashAndReset(destination);
            return size;
        }

        // Hashes a record whose first bytes are already read, streaming the rest; returns its whole size.
        public long HashRest(ReadOnlyMemory<byte> first, Stream content, Span<byte> destination)
        {
            _hash.AppendData(first.Span);
            long size = first.Length;
            int read;
            while ((read = content.Read(_buffer, 0, _buffer.Length)) > 0)
            {
                _hash.AppendData(_buffer, 0, read);
                size += read;
            }

            _hash.GetHashAndReset(destination);
            return size;
        }

        public void Dispose() => _hash.Dispose();
    }

    private static byte[]? ReadAll(IArchiveBundle bundle, string path)
    {
        using var stream = bundle.Open(path);
        if (stream is null)
        {
            return null;
        }

        // A million-record manifest is a few hundred megabytes: read a file of known length straight into its array.
        // A stated length is trusted for the allocation only up to a gigabyte (four million records): a forged zip directory
        // must not make the verifier allocate what the file does not hold.
        var known = stream.CanSeek ? stream.Length - stream.Position : bundle.StatedLength(path) is { } stated and <= 1 << 30 ? stated : -1;
        if (known is >= 0 and < int.MaxValue)
        {
            var bytes = new byte[known];
            var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (read < bytes.Length)
            {
                // Shorter than stated: the bytes read are the file.
                return bytes[..read];
            }

            if (stream.ReadByte() is var next and >= 0)
            {
                // Longer than stated: keep reading past it.
                using var rest = new MemoryStream();
                rest.Write(bytes);
                rest.WriteByte((byte)next);
                stream.CopyTo(rest);
                return rest.ToArray();
            }

            return bytes;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
