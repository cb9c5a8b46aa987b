using System.Net;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Pipeline.Compliance;

namespace ServerlessBackOffice.Azure.Compliance;

/// <summary>
/// The compliance store in Cosmos DB (container alerts, partition key path /partitionKey). Every operation is a point read
/// or a single-document write in one logical partition: a window is one document (replace with If-Match), an alert is
/// created once (409 means it is already stored). Nothing on the per-trade path queries.
/// </summary>
public sealed class CosmosComplianceStore(Container container) : IComplianceStore
{
    /// <inheritdoc />
    public async Task<LoadedComplianceWindow> LoadWindowAsync(string beneficialOwner, string isin, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<WindowDocument>(container, ComplianceDocuments.WindowId, new PartitionKey(ComplianceDocuments.WindowPartition(beneficialOwner, isin)), cancellationToken);
        if (response is null)
        {
            return new LoadedComplianceWindow(ComplianceWindowDocument.Empty(beneficialOwner, isin), null);
        }

        return new LoadedComplianceWindow(response.Resource.ToDocument(), response.ETag);
    }

    /// <inheritdoc />
    public async Task<string?> TryWriteWindowAsync(ComplianceWindowDocument document, string? expectedETag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var item = WindowDocument.From(document);
        var partition = new PartitionKey(item.PartitionKey);
        var options = new ItemRequestOptions { EnableContentResponseOnWrite = false };
        try
        {
            var response = expectedETag is null
                ? await container.CreateItemAsync(item, partition, options, cancellationToken)
                : await container.ReplaceItemAsync(item, item.Id, partition, new ItemRequestOptions { EnableContentResponseOnWrite = false, IfMatchEtag = expectedETag }, cancellationToken);
            return response.ETag;
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            // 409: someone created it first; 412: someone replaced it first; 404: it vanished (never deleted by us). Decide again.
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<bool> StoreAlertAsync(ComplianceAlertRaised alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var item = AlertDocument.From(alert);
        try
        {
            await container.CreateItemAsync(item, new PartitionKey(item.PartitionKey), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<ComplianceAlertRaised?> GetAlertAsync(string alertId, CancellationToken cancellationToken)
    {
        var response = await CosmosPointReads.TryReadAsync<AlertDocument>(container, alertId, new PartitionKey(ComplianceDocuments.AlertPartition(alertId)), cancellationToken);
        if (response is null)
        {
            return null;
        }

        return response.Resource.Alert;
    }
}
