using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>
/// The ComplianceAlertRaised event on the trade-events topic (docs/contracts/compliance-events-v1.md). The same JSON is the
/// alert's stored document body and its archived state record, so the three never disagree.
/// </summary>
/// <param name="EventId">The alert id: deterministic from the rule, the breach and the trades (one event per distinct breach).</param>
/// <param name="EventType">Always <see cref="ComplianceAlertRaised.EventTypeName"/>.</param>
/// <param name="AlertId">The alert id (equal to <paramref name="EventId"/>).</param>
/// <param name="Rule">The rule that was breached.</param>
/// <param name="Severity">High, Medium or Low.</param>
/// <param name="Summary">One human sentence.</param>
/// <param name="Evidence">What the rule saw, as name/value strings, sorted by name.</param>
/// <param name="TradeIds">Every trade involved, sorted.</param>
/// <param name="TradeId">The trade whose evaluation raised the alert.</param>
/// <param name="Version">That trade's version.</param>
/// <param name="BookId">Its book.</param>
/// <param name="Account">Its account.</param>
/// <param name="BeneficialOwner">The account's beneficial owner.</param>
/// <param name="Isin">The instrument.</param>
/// <param name="TradeDate">The trade date (yyyy-MM-dd).</param>
/// <param name="DetectedAt">When surveillance raised it (UTC, ISO 8601); fixed when first raised, so a re-publication is byte-identical.</param>
/// <param name="CorrelationId">The OMS correlation id of the trade.</param>
public sealed record ComplianceAlertRaised(
    string EventId,
    string EventType,
    string AlertId,
    string Rule,
    string Severity,
    string Summary,
    IReadOnlyDictionary<string, string> Evidence,
    IReadOnlyList<string> TradeIds,
    string TradeId,
    long Version,
    string BookId,
    string Account,
    string BeneficialOwner,
    string Isin,
    string TradeDate,
    string DetectedAt,
    string? CorrelationId)
{
    /// <summary>The event type, as subject and as the eventType application property.</summary>
    public const string EventTypeName = "ComplianceAlertRaised";

    /// <summary>The stage's word in archive names: <c>state/surveillance/&lt;alertId&gt;.json</c>.</summary>
    public const string ArchiveStage = "surveillance";

    /// <summary>The event for an alert raised on a trade.</summary>
    public static ComplianceAlertRaised From(ComplianceAlert alert, SurveillanceTrade trade, DateTimeOffset detectedAt, string? correlationId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(trade);
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in alert.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            evidence[name] = value;
        }

        return new ComplianceAlertRaised(
            alert.AlertId, EventTypeName, alert.AlertId, alert.Rule, alert.Severity, alert.Summary, evidence, alert.TradeIds,
            trade.TradeId, trade.Version, trade.Book, trade.Account, trade.BeneficialOwner, trade.Isin,
            TradeEventWire.Date(trade.TradeDate),
            detectedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            correlationId);
    }

    /// <summary>When it was detected.</summary>
    public DateTimeOffset DetectedAtInstant => DateTimeOffset.Parse(DetectedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>The JSON body: deterministic for equal events.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ComplianceJsonContext.Default.ComplianceAlertRaised);

    /// <summary>The message on the trade-events topic: message id = alert id, subject and eventType = the event type.</summary>
    public OutboundMessage ToMessage() => new(
        Entities.TradeEvents.Name,
        AlertId,
        EventTypeName,
        CorrelationId,
        new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = EventTypeName },
        ToJson());

    /// <summary>The archive name of the alert's state record.</summary>
    public string ArchiveName => Archive.ArchiveRecordNames.State(ArchiveStage, AlertId + ".json");
}

/// <summary>What the stage archives for each inbound trade event: the message as received and the one outcome it got.</summary>
/// <param name="MessageId">The Service Bus message id.</param>
/// <param name="Entity">The topic and subscription it came from.</param>
/// <param name="CorrelationId">The correlation id it carried.</param>
/// <param name="EnqueuedAt">When it was enqueued (UTC): the same on every redelivery, so the record is too.</param>
/// <param name="Outcome">evaluated, duplicate, stale, ignored or deadLettered.</param>
/// <param name="Reason">The dead-letter reason, when dead-lettered.</param>
/// <param name="Description">The dead-letter description, or what made a message a duplicate or stale.</param>
/// <param name="AlertIds">The alerts the evaluation raised (new ones only; a breach already alerted is not raised twice).</param>
/// <param name="Body">The body as received, embedded as JSON when it is JSON, otherwise null (see <paramref name="BodyText"/>).</param>
/// <param name="BodyText">The body as text when it is not JSON.</param>
public sealed record ComplianceInboundRecord(
    string MessageId,
    string Entity,
    string? CorrelationId,
    string EnqueuedAt,
    string Outcome,
    string? Reason,
    string? Description,
    IReadOnlyList<string> AlertIds,
    JsonElement? Body,
    string? BodyText);

/// <summary>Source-generated serialisation of the stage's wire formats.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ComplianceAlertRaised))]
[JsonSerializable(typeof(ComplianceInboundRecord))]
public sealed partial class ComplianceJsonContext : JsonSerializerContext;
