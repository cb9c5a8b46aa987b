using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Archive;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>The archive in memory, with the same write-once semantics as the Blob store.</summary>
public sealed class InMemoryArchiveStore : IArchiveStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(DateOnly, string), byte[]> _records = [];
    private readonly Dictionary<DateOnly, IReadOnlyDictionary<string, byte[]>> _seals = [];

    public Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.TryGetValue((record.BusinessDate, record.Name), out var existing))
            {
                return Task.FromResult(existing.AsSpan().SequenceEqual(record.Content.Span) ? ArchiveWriteResult.AlreadyArchived : ArchiveWriteResult.Conflict);
            }

            _records[(record.BusinessDate, record.Name)] = record.Content.ToArray();
            return Task.FromResult(ArchiveWriteResult.Written);
        }
    }

    public async IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ArchivedRecordInfo> list;
        lock (_gate)
        {
            list = _records.Where(r => r.Key.Item1 == businessDate).OrderBy(r => r.Key.Item2, StringComparer.Ordinal)
                .Select(r => new ArchivedRecordInfo(r.Key.Item2, r.Value.Length, SHA256.HashData(r.Value))).ToList();
        }

        foreach (var item in list)
        {
            yield return item;
        }

        await Task.CompletedTask;
    }

    public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<Stream?>(_records.TryGetValue((businessDate, name), out var bytes) ? new MemoryStream(bytes, writable: false) : null);
        }
    }

    public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seal);
        lock (_gate)
        {
            return Task.FromResult(_seals.TryAdd(seal.Manifest.BusinessDate, seal.Files));
        }
    }

    public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_seals.TryGetValue(businessDate, out var files) ? files : null);
        }
    }

    public async IAsyncEnumerable<DateOnly> DaysAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<DateOnly> days;
        lock (_gate)
        {
            days = _records.Keys.Select(k => k.Item1).Distinct().Order().ToList();
        }

        foreach (var day in days)
        {
            yield return day;
        }

        await Task.CompletedTask;
    }

    /// <summary>Replaces a record's bytes behind the store's back — only tests use this, to prove tampering is detected.</summary>
    public void TamperForTest(DateOnly businessDate, string name, string content)
    {
        lock (_gate)
        {
            _records[(businessDate, name)] = Encoding.UTF8.GetBytes(content);
        }
    }
}

/// <summary>A signing key held in memory (tests and the local day run, which keeps its development key in a git-ignored file).</summary>
public sealed class FixedSigningKeyProvider(ArchiveSigningKey key, params string[] rotatedPublicKeys) : IArchiveSigningKeyProvider
{
    public Task<ArchiveSigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) => Task.FromResult(key);

    public Task<IReadOnlyList<string>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([key.ExportPublicKeyPem(), .. rotatedPublicKeys]);
}
