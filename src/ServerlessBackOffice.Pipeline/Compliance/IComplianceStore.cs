using ServerlessBackOffice.Domain.Compliance;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>An inbound message the window has applied, with the alerts its evaluation raised (for the archived outcome).</summary>
/// <param name="MessageId">The Service Bus message id.</param>
/// <param name="AlertIds">The alerts raised by it.</param>
public sealed record AppliedInbound(string MessageId, IReadOnlyList<string> AlertIds);

/// <summary>
/// The stored document of one surveillance window (beneficial owner × instrument): the window, the alerts its last change
/// still has to store, archive and publish (the outbox, decision 0010), and the inbound messages it applied.
/// </summary>
/// <param name="Window">The window.</param>
/// <param name="Outbox">Alerts written with the window and not yet confirmed as stored, archived and published.</param>
/// <param name="RecentInbound">The last inbound messages applied, newest last (bounded by <see cref="RecentInboundLimit"/>).</param>
public sealed record ComplianceWindowDocument(SurveillanceWindow Window, IReadOnlyList<ComplianceAlertRaised> Outbox, IReadOnlyList<AppliedInbound> RecentInbound)
{
    /// <summary>How many inbound messages a window remembers; redeliveries come within minutes.</summary>
    public const int RecentInboundLimit = 64;

    /// <summary>An empty window's document.</summary>
    public static ComplianceWindowDocument Empty(string beneficialOwner, string isin) => new(SurveillanceWindow.Empty(beneficialOwner, isin), [], []);
}

/// <summary>A window document as loaded, with the concurrency token a write must present (null when it does not exist yet).</summary>
/// <param name="Document">The document.</param>
/// <param name="ETag">The store's version of it.</param>
public sealed record LoadedComplianceWindow(ComplianceWindowDocument Document, string? ETag);

/// <summary>
/// The compliance stage's storage port. Every call touches one document in one partition: a window per beneficial owner ×
/// instrument, and an alert per alert id (Cosmos container alerts in production; decision 0070).
/// </summary>
public interface IComplianceStore
{
    /// <summary>Loads a window (an empty one, with no ETag, when none is stored).</summary>
    Task<LoadedComplianceWindow> LoadWindowAsync(string beneficialOwner, string isin, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a window if the stored one still has <paramref name="expectedETag"/> (null: only if none exists). Returns the new
    /// ETag, or null when another writer came first (the caller reloads and decides again). Transient failures throw.
    /// </summary>
    Task<string?> TryWriteWindowAsync(ComplianceWindowDocument document, string? expectedETag, CancellationToken cancellationToken);

    /// <summary>Stores an alert once: true when stored now, false when an alert with its id already exists (kept unchanged).</summary>
    Task<bool> StoreAlertAsync(ComplianceAlertRaised alert, CancellationToken cancellationToken);

    /// <summary>Reads an alert, or null.</summary>
    Task<ComplianceAlertRaised?> GetAlertAsync(string alertId, CancellationToken cancellationToken);
}
