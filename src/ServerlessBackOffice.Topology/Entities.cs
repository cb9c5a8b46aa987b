namespace ServerlessBackOffice.Topology;

/// <summary>
/// Typed access to the entities the pipeline uses, by their keys in <c>infra/topology.json</c>.
/// Names are never spelled in code: each property resolves its name from the topology, and a test checks
/// every property resolves (so a key missing from the file fails the build's tests, not a deployment).
/// </summary>
public static class Entities
{
    private static TopologyDocument Topology => TopologyDocument.Default;

    /// <summary>Executions and bookings published by the OMS.</summary>
    public static QueueDefinition OmsTrades => Topology.Queue("omsTrades");

    /// <summary>Answers to the OMS, one per message.</summary>
    public static QueueDefinition OmsReplies => Topology.Queue("omsReplies");

    /// <summary>Affirmations returned by counterparties.</summary>
    public static QueueDefinition AffirmationsInbound => Topology.Queue("affirmationsInbound");

    /// <summary>Settlement statuses reported by custodians.</summary>
    public static QueueDefinition CustodianStatusInbound => Topology.Queue("custodianStatusInbound");

    /// <summary>Custodian holdings statements (semt.002 semantics) for reconciliation.</summary>
    public static QueueDefinition HoldingsStatementsInbound => Topology.Queue("holdingsStatementsInbound");

    /// <summary>Cash statements (camt.053 semantics) for reconciliation.</summary>
    public static QueueDefinition CashStatementsInbound => Topology.Queue("cashStatementsInbound");

    /// <summary>Domain events of the trade lifecycle.</summary>
    public static TopicDefinition TradeEvents => Topology.Topic("tradeEvents");

    /// <summary>Confirmations to counterparties.</summary>
    public static TopicDefinition CounterpartyOutbound => Topology.Topic("counterpartyOutbound");

    /// <summary>Settlement instructions to custodians.</summary>
    public static TopicDefinition CustodianOutbound => Topology.Topic("custodianOutbound");

    /// <summary>The trade-events subscription of each consuming stage.</summary>
    public static class TradeEventSubscriptions
    {
        public static SubscriptionDefinition Confirmation => TradeEvents.Subscription("confirmation");

        public static SubscriptionDefinition Settlement => TradeEvents.Subscription("settlement");

        public static SubscriptionDefinition Ledger => TradeEvents.Subscription("ledger");

        public static SubscriptionDefinition Compliance => TradeEvents.Subscription("compliance");
    }

    /// <summary>The Cosmos database.</summary>
    public static CosmosDatabaseDefinition CosmosDatabase => Topology.Cosmos.Database;

    /// <summary>Cosmos containers by role.</summary>
    public static class Containers
    {
        public static CosmosContainerDefinition Trades => Topology.Container("trades");

        public static CosmosContainerDefinition ReferenceData => Topology.Container("referenceData");

        public static CosmosContainerDefinition Ledger => Topology.Container("ledger");

        public static CosmosContainerDefinition SettlementInstructions => Topology.Container("settlementInstructions");

        public static CosmosContainerDefinition Alerts => Topology.Container("alerts");

        public static CosmosContainerDefinition ReconciliationBreaks => Topology.Container("reconciliationBreaks");

        public static CosmosContainerDefinition ExceptionRepairs => Topology.Container("exceptionRepairs");

        public static CosmosContainerDefinition Leases => Topology.Container("leases");
    }

    /// <summary>Blob containers by role.</summary>
    public static class BlobContainers
    {
        public static BlobContainerDefinition Archive => Topology.BlobContainer("archive");

        public static BlobContainerDefinition Reports => Topology.BlobContainer("reports");
    }
}
