using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>Who may do what: each role assignment's role definition and scope, per entity, as deployed.</summary>
public sealed class RoleAssignmentTests(CompiledInfrastructure infra)
{
    private const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    private const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDelegator = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static readonly TopologyDocument Topology = TopologyDocument.Default;

    private IReadOnlyList<ExpandedResource> Assignments(string environment = "dev") =>
        infra.Resources[environment].Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToList();

    private static string Role(ExpandedResource assignment) => assignment.GetString("properties.roleDefinitionId")!.Split('/')[^1];

    private static string Principal(ExpandedResource assignment) => assignment.GetString("properties.principalId")!;

    private static bool IsFunctionIdentity(ExpandedResource assignment) => Principal(assignment).Contains("userAssignedIdentities", StringComparison.Ordinal);

    /// <summary>The scope's path below the namespace, e.g. <c>queues/oms-trades</c> or <c>topics/t/subscriptions/s</c>.</summary>
    private static string ServiceBusEntity(ExpandedResource assignment)
    {
        var scope = assignment.Scope ?? string.Empty;
        var start = scope.IndexOf("Microsoft.ServiceBus/namespaces/", StringComparison.Ordinal);
        return start < 0 ? string.Empty : string.Join('/', scope[start..].Split('/').Skip(3));
    }

    [Fact]
    public void FunctionIdentity_HasNoNamespaceWideServiceBusRole()
    {
        var serviceBus = Assignments().Where(a => Role(a) is ServiceBusDataSender or ServiceBusDataReceiver).ToList();

        Assert.NotEmpty(serviceBus);
        Assert.All(serviceBus, a => Assert.NotEqual(string.Empty, ServiceBusEntity(a)));
    }

    [Fact]
    public void FunctionIdentity_ReceivesFromInboundQueues_SendsToTheReplyQueue_AndResubmitsToInboundQueues()
    {
        var function = Assignments().Where(IsFunctionIdentity).ToList();
        var receives = function.Where(a => Role(a) == ServiceBusDataReceiver).Select(ServiceBusEntity).ToHashSet(StringComparer.Ordinal);
        var sends = function.Where(a => Role(a) == ServiceBusDataSender).Select(ServiceBusEntity).ToHashSet(StringComparer.Ordinal);
        var replies = Topology.Queue("omsReplies").Name;

        foreach (var queue in Topology.ServiceBus.Queues)
        {
            // Every queue: the replies as output, the inbound queues for resubmitting repaired dead letters (docs/exceptions.md).
            Assert.Contains($"queues/{queue.Name}", sends);
            Assert.Equal(queue.Name != replies, receives.Contains($"queues/{queue.Name}"));
        }
    }

    [Fact]
    public void FunctionIdentity_SendsToEveryTopicAndReceivesOnlyFromItsOwnSubscriptions()
    {
        var function = Assignments().Where(IsFunctionIdentity).ToList();
        var receives = function.Where(a => Role(a) == ServiceBusDataReceiver).Select(ServiceBusEntity).ToHashSet(StringComparer.Ordinal);
        var sends = function.Where(a => Role(a) == ServiceBusDataSender).Select(ServiceBusEntity).ToHashSet(StringComparer.Ordinal);

        foreach (var topic in Topology.ServiceBus.Topics)
        {
            Assert.Contains($"topics/{topic.Name}", sends);
            Assert.DoesNotContain($"topics/{topic.Name}", receives);
            foreach (var subscription in topic.Subscriptions)
            {
                // Per-counterparty and per-custodian subscriptions (no app setting) are read by the party, not by us.
                Assert.Equal(subscription.AppSetting is not null, receives.Contains($"topics/{topic.Name}/subscriptions/{subscription.Name}"));
            }
        }
    }

    [Fact]
    public void Oms_MaySendToItsQueueAndReadItsRepliesOnly()
    {
        var oms = Assignments().Where(a => Principal(a) == CompiledInfrastructure.OmsPrincipal).ToList();

        Assert.Equal(2, oms.Count);
        Assert.Contains(oms, a => Role(a) == ServiceBusDataSender && ServiceBusEntity(a) == $"queues/{Topology.Queue("omsTrades").Name}");
        Assert.Contains(oms, a => Role(a) == ServiceBusDataReceiver && ServiceBusEntity(a) == $"queues/{Topology.Queue("omsReplies").Name}");
    }

    [Fact]
    public void FunctionIdentity_WritesEachArchiveContainerAtContainerScope()
    {
        var writes = Assignments().Where(a => IsFunctionIdentity(a) && Role(a) == StorageBlobDataContributor).ToList();

        Assert.Equal(Topology.Blob.Containers.Count, writes.Count);
        Assert.All(Topology.Blob.Containers, c => Assert.Contains(writes, a => a.Scope!.EndsWith($"/blobServices/default/containers/{c.Name}", StringComparison.Ordinal)));
    }

    [Fact]
    public void FunctionIdentity_HasTheRuntimeStorageSecretsAndTelemetryRolesItNeeds()
    {
        var roles = Assignments().Where(IsFunctionIdentity).Select(a => (Role(a), a.Scope ?? string.Empty)).ToList();

        Assert.Contains(roles, r => r.Item1 == StorageBlobDataOwner && r.Item2.Contains("Microsoft.Storage/storageAccounts", StringComparison.Ordinal) && !r.Item2.Contains("containers", StringComparison.Ordinal));
        Assert.Contains(roles, r => r.Item1 == StorageBlobDelegator);
        Assert.Contains(roles, r => r.Item1 == KeyVaultSecretsUser && r.Item2.Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal));
        Assert.Contains(roles, r => r.Item1 == MonitoringMetricsPublisher && r.Item2.Contains("Microsoft.Insights/components", StringComparison.Ordinal));
    }

    [Fact]
    public void FunctionIdentity_GetsCosmosDataContributorOnTheDatabaseOnly()
    {
        var assignment = Assert.Single(infra.Resources["dev"], r => r.Type == "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");

        Assert.EndsWith("/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002", assignment.GetString("properties.roleDefinitionId"), StringComparison.Ordinal);
        Assert.EndsWith($"/dbs/{Topology.Cosmos.Database.Name}", assignment.GetString("properties.scope"), StringComparison.Ordinal);
        Assert.True(IsFunctionIdentity(assignment));
    }

    [Fact]
    public void Auditors_WhenGiven_GetTheAuditorReadRoleOnEveryImmutableContainer()
    {
        var auditorRole = Assert.Single(infra.Resources["prod"], r => r.Type == "Microsoft.Authorization/roleDefinitions");
        var auditors = Assignments("prod").Where(a => Principal(a) == CompiledInfrastructure.AuditorPrincipal).ToList();
        var immutable = Topology.Blob.Containers.Where(c => c.Immutable).ToList();

        Assert.StartsWith("Auditor", auditorRole.GetString("properties.roleName"), StringComparison.Ordinal);
        var permissions = (IReadOnlyDictionary<string, object?>)((IReadOnlyList<object?>)auditorRole.Get("properties.permissions")!)[0]!;
        Assert.Equal(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"], (IReadOnlyList<object?>)permissions["dataActions"]!);
        Assert.Equal(["Microsoft.Storage/storageAccounts/blobServices/containers/read"], (IReadOnlyList<object?>)permissions["actions"]!);
        Assert.Equal(immutable.Count, auditors.Count);
        Assert.All(immutable, c => Assert.Contains(auditors, a => a.Scope!.EndsWith($"/containers/{c.Name}", StringComparison.Ordinal)));
        Assert.All(auditors, a => Assert.Contains("Microsoft.Authorization/roleDefinitions", a.GetString("properties.roleDefinitionId"), StringComparison.Ordinal));
    }

    [Fact]
    public void Auditors_WhenNotGiven_GetNoAssignment()
    {
        var assignments = infra.ResourcesWithoutPrincipals.Where(r => r.Type == "Microsoft.Authorization/roleAssignments").ToList();

        Assert.DoesNotContain(assignments, a => a.GetString("properties.roleDefinitionId")!.Contains("roleDefinitions/", StringComparison.Ordinal)
            && !IsFunctionIdentity(a));
    }
}
