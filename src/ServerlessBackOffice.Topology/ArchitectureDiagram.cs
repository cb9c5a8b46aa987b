using System.Text;

namespace ServerlessBackOffice.Topology;

/// <summary>
/// Renders the architecture as a Mermaid flowchart from the topology, so the README's diagram can be
/// generated from, and checked against, the one source of truth.
/// </summary>
public static class ArchitectureDiagram
{
    /// <summary>The Mermaid source of the pipeline: OMS, queues, stages, topics, stores and archive.</summary>
    public static string ToMermaid(TopologyDocument topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var omsTrades = topology.Queue("omsTrades").Name;
        var omsReplies = topology.Queue("omsReplies").Name;
        var affirmations = topology.Queue("affirmationsInbound").Name;
        var custodianStatus = topology.Queue("custodianStatusInbound").Name;
        var tradeEvents = topology.Topic("tradeEvents");
        var counterpartyOut = topology.Topic("counterpartyOutbound");
        var custodianOut = topology.Topic("custodianOutbound");

        var sb = new StringBuilder();
        sb.AppendLine("flowchart LR");
        sb.AppendLine("  OMS([Upstream OMS])");
        sb.AppendLine("  CPTY([Counterparties])");
        sb.AppendLine("  CUST([Custodians])");
        sb.AppendLine("  AUD([Auditors])");
        sb.AppendLine($"  Q1[[\"queue: {omsTrades}\"]]");
        sb.AppendLine($"  Q2[[\"queue: {omsReplies}\"]]");
        sb.AppendLine($"  Q3[[\"queue: {affirmations}\"]]");
        sb.AppendLine($"  Q4[[\"queue: {custodianStatus}\"]]");
        sb.AppendLine($"  T1{{{{\"topic: {tradeEvents.Name}\"}}}}");
        sb.AppendLine($"  T2{{{{\"topic: {counterpartyOut.Name} ({counterpartyOut.Subscriptions.Count} subscriptions)\"}}}}");
        sb.AppendLine($"  T3{{{{\"topic: {custodianOut.Name} ({custodianOut.Subscriptions.Count} subscriptions)\"}}}}");
        sb.AppendLine("  CAP[Capture]");
        sb.AppendLine("  CONF[Confirmation and affirmation]");
        sb.AppendLine("  SETT[Settlement]");
        sb.AppendLine("  LEDG[Ledger posting]");
        sb.AppendLine("  COMP[Compliance and risk]");
        sb.AppendLine("  EOD[End-of-day reports]");
        sb.AppendLine($"  COSMOS[(\"Cosmos DB: {topology.Cosmos.Database.Name}\")]");
        sb.AppendLine($"  BLOB[(\"Blob Storage: {string.Join(", ", topology.Blob.Containers.Select(c => c.Name))}\")]");
        sb.AppendLine("  OMS --> Q1 --> CAP");
        sb.AppendLine("  CAP --> Q2 --> OMS");
        sb.AppendLine("  CAP --> T1");
        foreach (var subscription in tradeEvents.Subscriptions)
        {
            var stage = subscription.Key switch
            {
                "confirmation" => "CONF",
                "settlement" => "SETT",
                "ledger" => "LEDG",
                "compliance" => "COMP",
                _ => null,
            };
            if (stage is not null)
            {
                sb.AppendLine($"  T1 -- \"{subscription.Name}\" --> {stage}");
            }
        }

        sb.AppendLine("  CONF --> T2 --> CPTY");
        sb.AppendLine("  CPTY --> Q3 --> CONF");
        sb.AppendLine("  CONF --> T1");
        sb.AppendLine("  SETT --> T3 --> CUST");
        sb.AppendLine("  CUST --> Q4 --> SETT");
        sb.AppendLine("  SETT --> T1");
        sb.AppendLine("  CAP & CONF & SETT & LEDG & COMP --> COSMOS");
        sb.AppendLine("  CAP & CONF & SETT & LEDG & COMP & EOD --> BLOB");
        sb.AppendLine("  COSMOS --> EOD");
        sb.AppendLine("  BLOB --> AUD");
        return sb.ToString();
    }
}
