using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.LoadRun;

/// <summary>
/// The in-memory load run's archive: write-once with the real semantics (the same bytes again are
/// <see cref="ArchiveWriteResult.AlreadyArchived"/>, different bytes under a taken name a <see cref="ArchiveWriteResult.Conflict"/>),
/// but in bounded memory — each record is kept as a 128-bit digest of its day and name and a 128-bit digest of its bytes,
/// not as bytes (in a dictionary of structs, not a node per record: a million trades write about 13 million records). Only
/// the inbound records that a stage reads back keep their bytes, compressed: capture reads its first outcome back on a
/// redelivery, and compliance looks before it archives a message that is not a first evaluation. It counts records and
/// bytes; reading any other record back is refused (the load run does not seal).
/// </summary>
internal sealed class CountingArchiveStore : IArchiveStore
{
    private static readonly string[] RetainedPrefixes =
        [$"inbound/{ArchiveRecordNames.Safe(Entities.OmsTrades.Name)}/", $"inbound/{ArchiveRecordNames.Safe(ComplianceHandler.InboundEntity)}/"];

    // One compressor per kind of retained record, primed with the first of its kind.
    private readonly Dictionary<string, PrimedCompressor> _compressors = RetainedPrefixes.ToDictionary(p => p, _ => new PrimedCompressor(), StringComparer.Ordinal);

    private readonly Dictionary<UInt128, UInt128> _digests = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<UInt128, byte[]> _retained = new(); // by the digest of day and name, as _digests
    private UInt128 _fingerprint;
    private long _bytes;
    private long _conflicts;

    /// <summary>Records written.</summary>
    public long Records
    {
        get
        {
            lock (_gate)
            {
                return _digests.Count;
            }
        }
    }

    /// <summary>
    /// A digest of every record written, names and bytes, in any order: two runs that archived the same records have the
    /// same fingerprint.
    /// </summary>
    public UInt128 Fingerprint
    {
        get
        {
            lock (_gate)
            {
                return _fingerprint;
            }
        }
    }

    /// <summary>Bytes written.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Writes refused because different bytes were already archived under the name.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = NameDigest(record.BusinessDate, record.Name);
        var content = Digest(record.Content.Span);
        UInt128 archived;
        bool added;
        lock (_gate)
        {
            added = !_digests.TryGetValue(key, out archived) && _digests.TryAdd(key, content);
            _fingerprint += added ? key ^ content : UInt128.Zero;
        }

        if (added)
        {
            Interlocked.Add(ref _bytes, record.Content.Length);
            if (RetainedPrefix(record.Name) is { } prefix)
            {
                _retained[key] = _compressors[prefix].Compress(record.Content.Span);
            }

            return Task.FromResult(ArchiveWriteResult.Written);
        }

        if (archived == content)
        {
            return Task.FromResult(ArchiveWriteResult.AlreadyArchived);
        }

        Interlocked.Increment(ref _conflicts);
        return Task.FromResult(ArchiveWriteResult.Conflict);
    }

    public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
    {
        if (_retained.TryGetValue(NameDigest(businessDate, name), out var bytes))
        {
            return Task.FromResult<Stream?>(new MemoryStream(_compressors[RetainedPrefix(name)!].Decompress(bytes), writable: false));
        }

        return RetainedPrefix(name) is not null
            ? Task.FromResult<Stream?>(null)
            : throw new NotSupportedException($"The load run's archive keeps digests, not bytes: {name} cannot be read back.");
    }

    public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The load run's archive keeps digests, not names: it cannot be listed or sealed.");

    public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The load run does not seal its archive.");

    public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, byte[]>?>(null);

    public async IAsyncEnumerable<DateOnly> DaysAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    private static string? RetainedPrefix(string name) => RetainedPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal));

    private static UInt128 NameDigest(DateOnly businessDate, string name) => Digest(Encoding.UTF8.GetBytes($"{businessDate:yyyy-MM-dd}/{name}"));

    private static UInt128 Digest(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
    }
}
