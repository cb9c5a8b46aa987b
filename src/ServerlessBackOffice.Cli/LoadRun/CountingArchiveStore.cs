using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.LoadRun;

/// <summary>
/// The in-memory load run's archive: write-once with the real semantics (the same bytes again are
/// <see cref="ArchiveWriteResult.AlreadyArchived"/>, different bytes under a taken name a <see cref="ArchiveWriteResult.Conflict"/>),
/// but in bounded memory — each record is kept as a 128-bit digest of its day and name and a 128-bit digest of its bytes,
/// not as bytes. Only the OMS inbound records keep their bytes, because capture reads its first outcome back on a
/// redelivery. It counts records and bytes; reading any other record back is refused (the load run does not seal).
/// </summary>
internal sealed class CountingArchiveStore : IArchiveStore
{
    private static readonly string RetainedPrefix = $"inbound/{Entities.OmsTrades.Name}/";
    private readonly ConcurrentDictionary<UInt128, UInt128> _digests = new();
    private readonly ConcurrentDictionary<(DateOnly Day, string Name), byte[]> _retained = new();
    private long _bytes;
    private long _conflicts;

    /// <summary>Records written.</summary>
    public long Records => _digests.Count;

    /// <summary>Bytes written.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Writes refused because different bytes were already archived under the name.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var key = Digest(Encoding.UTF8.GetBytes($"{record.BusinessDate:yyyy-MM-dd}/{record.Name}"));
        var content = Digest(record.Content.Span);
        if (_digests.TryAdd(key, content))
        {
            Interlocked.Add(ref _bytes, record.Content.Length);
            if (record.Name.StartsWith(RetainedPrefix, StringComparison.Ordinal))
            {
                _retained[(record.BusinessDate, record.Name)] = record.Content.ToArray();
            }

            return Task.FromResult(ArchiveWriteResult.Written);
        }

        if (_digests[key] == content)
        {
            return Task.FromResult(ArchiveWriteResult.AlreadyArchived);
        }

        Interlocked.Increment(ref _conflicts);
        return Task.FromResult(ArchiveWriteResult.Conflict);
    }

    public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
    {
        if (_retained.TryGetValue((businessDate, name), out var bytes))
        {
            return Task.FromResult<Stream?>(new MemoryStream(bytes, writable: false));
        }

        return name.StartsWith(RetainedPrefix, StringComparison.Ordinal)
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

    private static UInt128 Digest(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
    }
}
