using System.Collections.Concurrent;
using System.Globalization;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>The compliance store in memory, for tests and the in-process flow; same contract as the Cosmos store.</summary>
public sealed class InMemoryComplianceStore : IComplianceStore
{
    private readonly Dictionary<(string Owner, string Isin), (ComplianceWindowDocument Document, string ETag)> _windows = [];
    private readonly ConcurrentDictionary<string, ComplianceAlertRaised> _alerts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextETag;

    /// <summary>Every stored alert.</summary>
    public IReadOnlyCollection<ComplianceAlertRaised> Alerts => [.. _alerts.Values];

    /// <summary>How many window writes succeeded (the per-trade Cosmos budget).</summary>
    public int WindowWrites { get; private set; }

    /// <inheritdoc />
    public Task<LoadedComplianceWindow> LoadWindowAsync(string beneficialOwner, string isin, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
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
        return Task.FromResult(_alerts.TryAdd(alert.AlertId, alert));
    }

    /// <inheritdoc />
    public Task<ComplianceAlertRaised?> GetAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_alerts.TryGetValue(alertId, out var alert) ? alert : null);
    }
}
