using System.Collections.Concurrent;
using System.Globalization;
using ServerlessBackOffice.Pipeline.InMemory;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>
/// The compliance store in memory, for tests and the in-process flow; same contract as the Cosmos store. With a codec it
/// keeps each alert encoded (see <see cref="IDocumentCodec{T}"/>): alerts are the one document of the day whose number grows
/// faster than the trades (a wash trade raises one per opposite trade of its owner in the window), so a million-trade day
/// holds millions of them. Windows are kept as objects: there is one per beneficial owner × instrument, each bounded.
/// </summary>
/// <param name="alertCodec">How alerts are kept; null keeps the objects themselves.</param>
public sealed class InMemoryComplianceStore(IDocumentCodec<ComplianceAlertRaised>? alertCodec = null) : IComplianceStore
{
    private readonly Dictionary<(string Owner, string Isin), (ComplianceWindowDocument Document, string ETag)> _windows = [];
    private readonly ConcurrentDictionary<string, StoredDocument<ComplianceAlertRaised>> _alerts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>Every stored alert.</summary>
    public IReadOnlyCollection<ComplianceAlertRaised> Alerts => [.. _alerts.Values.Select(a => a.Read(alertCodec))];

    /// <summary>How many alerts are stored.</summary>
    public int AlertCount => _alerts.Count;

    /// <summary>How many window writes succeeded (the per-trade Cosmos budget).</summary>
    public int WindowWrites { get; private set; }

    /// <summary>How many window reads were asked for.</summary>
    public int WindowLoads { get; private set; }

    /// <inheritdoc />
    public Task<LoadedComplianceWindow> LoadWindowAsync(string beneficialOwner, string isin, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            WindowLoads++;
            return Task.FromResult(_windows.TryGetValue((beneficialOwner, isin), out var stored)
                ? new LoadedComplianceWindow(stored.Document, stored.ETag)
                : new LoadedComplianceWindow(ComplianceWindowDocument.Empty(beneficialOwner, isin), null));
        }
    }

    /// <inheritdoc />
    public Task<string?> TryWriteWindowAsync(ComplianceWindowDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        var key = (document.Window.BeneficialOwner, document.Window.Isin);
        lock (_gate)
        {
            var exists = _windows.TryGetValue(key, out var current);
            if (exists ? current.ETag != expectedETag : expectedETag is not null)
            {
                return Task.FromResult<string?>(null);
            }

            var etag = (++_nextETag).ToString(CultureInfo.InvariantCulture);
            _windows[key] = (document, etag);
            WindowWrites++;
            return Task.FromResult<string?>(etag);
        }
    }

    /// <inheritdoc />
    public Task<bool> StoreAlertAsync(ComplianceAlertRaised alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(!_alerts.ContainsKey(alert.AlertId) && _alerts.TryAdd(alert.AlertId, new StoredDocument<ComplianceAlertRaised>(alert, alertCodec)));
    }

    /// <inheritdoc />
    public Task<ComplianceAlertRaised?> GetAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_alerts.TryGetValue(alertId, out var alert) ? alert.Read(alertCodec) : null);
    }
}
