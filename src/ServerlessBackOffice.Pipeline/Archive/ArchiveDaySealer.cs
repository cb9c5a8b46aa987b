using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>
/// Seals a business day at close — chains every record in canonical order, writes the manifest and its signature — and
/// streams a day's bundle for auditors: a zip of the records, the seal and every published public key.
/// </summary>
public sealed partial class ArchiveDaySealer(IArchiveStore store, IArchiveSigningKeyProvider keys, ILogger<ArchiveDaySealer> logger)
{
    /// <summary>Seals a day. Sealing again is a no-op: a day is sealed once, and its seal is never rewritten.</summary>
    public async Task<SealedDay> SealAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        // A sealed day stays as sealed: its seal is read back without listing the day first (at 120,000 records, 30 s on
        // Azurite), as the day run's closing summary does for every day its ends of day sealed.
        if (await store.ReadSealAsync(businessDate, cancellationToken) is { } sealedBefore)
        {
            LogAlreadySealed(businessDate);
            return Existing(businessDate, sealedBefore);
        }

        var records = new List<(string Name, byte[] Sha256, long Size)>();
        await foreach (var record in store.ListAsync(businessDate, cancellationToken))
        {
            records.Add((record.Name, record.Sha256, record.Size));
        }

        var key = await keys.GetSigningKeyAsync(cancellationToken);
        var seal = ArchiveSeal.SealHashes(businessDate, key, records);
        if (!await store.WriteSealAsync(seal, cancellationToken))
        {
            // Another close sealed it between the read above and this write: its seal stands.
            LogAlreadySealed(businessDate);
            var existing = await store.ReadSealAsync(businessDate, cancellationToken)
                ?? throw new InvalidOperationException($"The archive reports {businessDate:yyyy-MM-dd} as sealed but has no seal.");
            return Existing(businessDate, existing);
        }

        LogSealed(businessDate, records.Count, seal.Manifest.ChainHead);
        return seal;
    }

    private static SealedDay Existing(DateOnly businessDate, IReadOnlyDictionary<string, byte[]> existing)
    {
        if (!ArchiveManifest.TryParse(existing[ArchiveFormat.ManifestPath], out var manifest, out var unreadable))
        {
            throw new InvalidOperationException($"The seal of {businessDate:yyyy-MM-dd} is unreadable: {unreadable}");
        }

        return new SealedDay(manifest!, existing[ArchiveFormat.ManifestPath], existing[ArchiveFormat.SignaturePath], manifest!.KeyId,
            Encoding.UTF8.GetString(existing[ArchiveFormat.KeyPath(manifest.KeyId)]));
    }

    /// <summary>Writes a sealed day's bundle as a zip to <paramref name="destination"/>, record by record.</summary>
    /// <param name="businessDate">The sealed day.</param>
    /// <param name="destination">Where the zip goes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <param name="spooled">Records the caller read from this archive just before (the close's pass over the day): those are
    /// taken from the spool, every other record from the store. The bundle's bytes are the same either way.</param>
    /// <exception cref="InvalidOperationException">The day is not sealed yet.</exception>
    public async Task WriteBundleAsync(DateOnly businessDate, Stream destination, CancellationToken cancellationToken, ArchiveReadSpool? spooled = null)
    {
        var seal = await store.ReadSealAsync(businessDate, cancellationToken)
            ?? throw new InvalidOperationException($"{businessDate:yyyy-MM-dd} is not sealed; a bundle is only offered for sealed days.");
        if (!ArchiveManifest.TryParse(seal[ArchiveFormat.ManifestPath], out var manifest, out var error) || manifest is null)
        {
            throw new InvalidOperationException($"The seal of {businessDate:yyyy-MM-dd} is unreadable: {error}");
        }

        await using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var (path, bytes) in seal.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            await AddAsync(zip, path, new MemoryStream(bytes), cancellationToken);
        }

        foreach (var pem in await keys.GetPublicKeysAsync(cancellationToken))
        {
            var keyId = ArchiveSignature.KeyIdOfPem(pem);
            if (keyId is not null && !seal.ContainsKey(ArchiveFormat.KeyPath(keyId)))
            {
                await AddAsync(zip, ArchiveFormat.KeyPath(keyId), new MemoryStream(Encoding.UTF8.GetBytes(pem)), cancellationToken);
            }
        }

        // Records are read ahead of the zip, a bounded window at a time, so a blob store's latency is paid once per window and
        // not once per record (a day of 121,000 records read one after another took minutes from Azurite, and would from
        // Blob Storage). The window holds at most ReadAheadRecords records and ReadAheadBytes of declared size; a record
        // larger than that (a million-trade day's reports) is streamed into the zip when its turn comes, never buffered.
        var window = new Queue<(ManifestEntry Entry, Task<byte[]>? Read)>();
        long buffered = 0;
        var next = 0;
        try
        {
            while (next < manifest.Records.Count || window.Count > 0)
            {
                while (next < manifest.Records.Count && window.Count < ReadAheadRecords
                       && (window.Count == 0 || manifest.Records[next].Size > ReadAheadBytes || buffered + manifest.Records[next].Size <= ReadAheadBytes))
                {
                    var entry = manifest.Records[next++];
                    if (spooled is not null && spooled.TryRead(entry.Name, out var held))
                    {
                        window.Enqueue((entry, Task.FromResult(held)));
                        buffered += entry.Size;
                    }
                    else if (entry.Size > ReadAheadBytes)
                    {
                        window.Enqueue((entry, null));
                    }
                    else
                    {
                        buffered += entry.Size;
                        window.Enqueue((entry, store.ReadListedAsync(businessDate, entry.Name, "in the seal", cancellationToken)));
                    }
                }

                var (head, read) = window.Dequeue();
                if (read is null)
                {
                    await using var content = await store.OpenListedAsync(businessDate, head.Name, "in the seal", cancellationToken);
                    await AddAsync(zip, ArchiveFormat.RecordsFolder + head.Name, content, cancellationToken);
                }
                else
                {
                    var bytes = await read;
                    buffered -= head.Size;
                    await AddAsync(zip, ArchiveFormat.RecordsFolder + head.Name, new MemoryStream(bytes, writable: false), cancellationToken);
                }
            }
        }
        finally
        {
            // A failure leaves reads in flight: observe them, so none is left unobserved.
            foreach (var (_, read) in window)
            {
                if (read is not null)
                {
                    await read.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
    }

    /// <summary>Records the bundle writer reads ahead of the zip, at most.</summary>
    public const int ReadAheadRecords = 32;

    /// <summary>Declared bytes the bundle writer holds read ahead of the zip, at most (a larger record is streamed).</summary>
    public const long ReadAheadBytes = 16L << 20;

    private static async Task AddAsync(ZipArchive zip, string path, Stream content, CancellationToken cancellationToken)
    {
        // A fixed timestamp keeps the bundle's bytes a function of the archive alone.
        var entry = zip.CreateEntry(path, CompressionLevel.Optimal);
        entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using var target = await entry.OpenAsync(cancellationToken);
        await content.CopyToAsync(target, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sealed the archive of {BusinessDate} with {Records} records, chain head {ChainHead}")]
    private partial void LogSealed(DateOnly businessDate, int records, string chainHead);

    [LoggerMessage(Level = LogLevel.Information, Message = "The archive of {BusinessDate} was already sealed")]
    private partial void LogAlreadySealed(DateOnly businessDate);
}
