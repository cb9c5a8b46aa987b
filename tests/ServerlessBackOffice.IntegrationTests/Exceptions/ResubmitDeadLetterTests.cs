using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Azure.Exceptions;
using ServerlessBackOffice.Azure.Messaging;
using ServerlessBackOffice.Domain.ExceptionManagement;
using ServerlessBackOffice.IntegrationTests.Ledger;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Exceptions;
using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Exceptions;

/// <summary>
/// A dead-lettered message resubmitted through a maker-checker repair, with the real Service Bus client against the local
/// emulator (the topology's queues and their dead-letter sub-queues) and the repair store on the Cosmos stand-in: the
/// consumer receives the corrected message exactly once, however often the repair is approved or its execution repeated.
/// </summary>
public sealed class ResubmitDeadLetterTests(CosmosStandInFixture fixture) : IClassFixture<CosmosStandInFixture>
{
    [Fact]
    public async Task ResubmittedDeadLetter_IsProcessedExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = EmulatorConfig.FromTopology(TopologyDocument.Default) }, ct);
        await using var client = new ServiceBusClient(emulator.ConnectionString);
        var queue = Entities.AffirmationsInbound.Name;

        // A consumer dead-letters a malformed message.
        await using (var sender = client.CreateSender(queue))
        {
            await sender.SendMessageAsync(new ServiceBusMessage("""{"broken":""") { MessageId = "MSG-1", CorrelationId = "C-1", Subject = "affirmation" }, ct);
        }

        await using var consumer = client.CreateReceiver(queue);
        var first = await consumer.ReceiveMessageAsync(TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(first);
        await consumer.DeadLetterMessageAsync(first, "MalformedAffirmation", "not JSON", ct);

        // The exceptions view sees it on the dead-letter sub-queue.
        var queues = new ServiceBusDeadLetterQueues(client);
        Assert.Contains(queue, queues.EntityPaths);
        var dead = Assert.Single(await queues.PeekAsync(queue, 10, ct));
        Assert.Equal(("MSG-1", "MalformedAffirmation", "not JSON"), (dead.MessageId, dead.Reason, dead.Description));
        var listed = await new ExceptionsQuery([new DeadLetterSource(queues)], new InMemoryRepairStore()).ListAsync(ArchiveRecordNames.DayOf(DateTimeOffset.UtcNow), ExceptionType.DeadLetteredMessage, ct);
        Assert.Contains(listed, v => v.Case.CaseId == dead.CaseId);

        // Alice proposes the corrected body; Bob approves; Carol approves too; the execution is repeated after a "crash".
        var database = (await fixture.Client.CreateDatabaseIfNotExistsAsync($"repairs-{Guid.NewGuid():N}", cancellationToken: ct)).Database;
        var definition = Entities.Containers.ExceptionRepairs;
        var container = (await database.CreateContainerIfNotExistsAsync(new ContainerProperties(definition.Name, definition.PartitionKeyPath), cancellationToken: ct)).Container;
        var archive = new InMemoryArchiveStore();
        await using var publisher = new ServiceBusMessagePublisher(client);
        var executor = new ResubmitMessageExecutor(queues, publisher, archive, TimeProvider.System);
        var service = new RepairService(new CosmosRepairStore(container), archive, [executor], TimeProvider.System, NullLogger<RepairService>.Instance);

        var proposed = await service.ProposeAsync(RepairKind.ResubmitMessage, dead.CaseId, """{"fixed":true}""", "counterparty sent a truncated body; corrected from their portal", "alice", ct);
        Assert.Equal(RepairOutcome.Proposed, proposed.Outcome);
        Assert.Equal(RepairOutcome.SameAsMaker, (await service.ApproveAsync(proposed.Repair!.RepairId, "alice", null, ct)).Outcome);
        var approved = await service.ApproveAsync(proposed.Repair.RepairId, "bob", "checked with the counterparty", ct);
        var again = await service.ApproveAsync(proposed.Repair.RepairId, "carol", null, ct);
        await executor.ExecuteAsync(approved.Repair!, ct);
        await publisher.PublishAsync(new Pipeline.Ports.OutboundMessage(queue, ResubmitMessageExecutor.ResubmissionMessageId("MSG-1", approved.Repair!.RepairId), "affirmation", "C-1", new Dictionary<string, string>(), """{"fixed":true}"""), ct);

        Assert.Equal(RepairOutcome.Executed, approved.Outcome);
        Assert.Equal(RepairOutcome.AlreadyExecuted, again.Outcome);
        Assert.Equal(RepairState.Executed, (await new CosmosRepairStore(container).GetAsync(proposed.Repair.RepairId, ct))!.Repair.State);

        // The consumer gets the corrected message once, and the dead-letter sub-queue is empty.
        var resubmitted = await consumer.ReceiveMessageAsync(TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(resubmitted);
        Assert.Equal("""{"fixed":true}""", resubmitted.Body.ToString());
        Assert.Equal("MSG-1", resubmitted.ApplicationProperties[ResubmitMessageExecutor.ResubmittedFromProperty]);
        Assert.Equal("C-1", resubmitted.CorrelationId);
        await consumer.CompleteMessageAsync(resubmitted, ct);
        Assert.Null(await consumer.ReceiveMessageAsync(TimeSpan.FromSeconds(2), ct));
        Assert.Empty(await queues.PeekAsync(queue, 10, ct));
    }
}
