using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure.Confirmation;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Exceptions;

namespace ServerlessBackOffice.Azure.Exceptions;

/// <summary>
/// The exceptions view's cross-partition reads in Cosmos DB: confirmation documents by status in the trades container,
/// and compliance alerts by type in the alerts container. A person's query, never on a message's path.
/// </summary>
public sealed class CosmosExceptionDocumentQuery(Container trades, Container alerts) : IExceptionDocumentQuery
{
    /// <inheritdoc />
    public async IAsyncEnumerable<ConfirmationDocument> ConfirmationExceptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type AND (c.status = @mismatched OR c.status = @confirmed)")
            .WithParameter("@type", CosmosConfirmationStore.DocumentType)
            .WithParameter("@mismatched", nameof(ConfirmationStatus.Mismatched))
            .WithParameter("@confirmed", nameof(ConfirmationStatus.Confirmed));
        using var iterator = trades.GetItemQueryIterator<ConfirmationRow>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var row in await iterator.ReadNextAsync(cancellationToken))
            {
                var document = row.State with { TradeId = row.TradeId };
                if (ExceptionSources.NeedsAPerson(document))
                {
                    yield return document;
                }
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ComplianceAlertRaised> AlertsSinceAsync(DateOnly since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.type = @type").WithParameter("@type", "ComplianceAlert");
        var from = since.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var iterator = alerts.GetItemQueryIterator<AlertRow>(query, requestOptions: CosmosScans.Options());
        while (iterator.HasMoreResults)
        {
            foreach (var row in await iterator.ReadNextAsync(cancellationToken))
            {
                if (string.CompareOrdinal(row.Alert.TradeDate, from) >= 0)
                {
                    yield return row.Alert;
                }
            }
        }
    }

    private sealed record ConfirmationRow(
        [property: JsonPropertyName("tradeId")] string TradeId,
        [property: JsonPropertyName("state")] ConfirmationDocument State);

    private sealed record AlertRow([property: JsonPropertyName("alert")] ComplianceAlertRaised Alert);
}
