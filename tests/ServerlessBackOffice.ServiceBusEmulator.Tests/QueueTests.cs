using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Sending, receiving and settling on queues, with the real client only.</summary>
public sealed class QueueTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SendAndReceive_WhenPeekLockAndCompleted_DeliversOnceWithLockAndSequenceNumber()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);

        await sender.SendMessageAsync(new ServiceBusMessage("hello") { MessageId = "m1" }, Ct);
        var received = await receiver.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(received);
        Assert.Equal("hello", received.Body.ToString());
        Assert.Equal("m1", received.MessageId);
        Assert.Equal(1, received.DeliveryCount);
        Assert.NotEqual(default, received.LockToken);
        Assert.True(received.LockedUntil > DateTimeOffset.UtcNow);
        Assert.True(received.SequenceNumber > 0);
        await receiver.CompleteMessageAsync(received, Ct);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
    }

    [Fact]
    public async Task Operations_CountEachMessageSentDeliveredAndSettled()
    {
        Assert.SkipWhen(broker.IsExternal, "Operation counts are the local emulator's own.");
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        var before = broker.Emulator!.Operations;

        using (var batch = await sender.CreateMessageBatchAsync(Ct))
        {
            Assert.True(batch.TryAddMessage(new ServiceBusMessage("a")));
            Assert.True(batch.TryAddMessage(new ServiceBusMessage("b")));
            await sender.SendMessagesAsync(batch, Ct);
        }

        await sender.SendMessageAsync(new ServiceBusMessage("c"), Ct);
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < 3)
        {
            received.AddRange(await receiver.ReceiveMessagesAsync(3 - received.Count, Wait, Ct));
        }

        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message, Ct);
        }

        var after = broker.Emulator.Operations;
        Assert.Equal(3, after.MessagesSent - before.MessagesSent);
        Assert.Equal(2, after.SendOperations - before.SendOperations);
        Assert.Equal(3, after.MessagesDelivered - before.MessagesDelivered);
        Assert.Equal(3, after.Settlements - before.Settlements);
    }

    [Fact]
    public async Task Send_WhenEveryPropertyIsSet_RoundTripsEveryProperty()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        var id = Guid.NewGuid();
        var when = new DateTime(2026, 11, 25, 8, 30, 0, DateTimeKind.Utc);
        var message = new ServiceBusMessage(new BinaryData(new byte[] { 0, 1, 2, 254, 255 }))
        {
            MessageId = "id-1",
            CorrelationId = "corr-1",
            SessionId = "session-1",
            Subject = "subject-1",
            ContentType = "application/octet-stream",
            ReplyTo = "reply-queue",
            ReplyToSessionId = "reply-session",
            To = "to-1",
            TimeToLive = TimeSpan.FromHours(2),
        };
        message.ApplicationProperties["string"] = "text";
        message.ApplicationProperties["int"] = 42;
        message.ApplicationProperties["long"] = 1L << 40;
        message.ApplicationProperties["double"] = 1.5;
        message.ApplicationProperties["bool"] = true;
        message.ApplicationProperties["guid"] = id;
        message.ApplicationProperties["datetime"] = when;
        message.ApplicationProperties["timespan"] = TimeSpan.FromMinutes(3);
        message.ApplicationProperties["uri"] = new Uri("https://example.org/x");
        message.ApplicationProperties["bytes"] = new byte[] { 9, 8, 7 };

        await sender.SendMessageAsync(message, Ct);
        var received = await receiver.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(received);
        Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, received.Body.ToArray());
        Assert.Equal("id-1", received.MessageId);
        Assert.Equal("corr-1", received.CorrelationId);
        Assert.Equal("session-1", received.SessionId);
        Assert.Equal("subject-1", received.Subject);
        Assert.Equal("application/octet-stream", received.ContentType);
        Assert.Equal("reply-queue", received.ReplyTo);
        Assert.Equal("reply-session", received.ReplyToSessionId);
        Assert.Equal("to-1", received.To);
        Assert.Equal(TimeSpan.FromHours(2), received.TimeToLive);
        Assert.Equal("text", received.ApplicationProperties["string"]);
        Assert.Equal(42, received.ApplicationProperties["int"]);
        Assert.Equal(1L << 40, received.ApplicationProperties["long"]);
        Assert.Equal(1.5, received.ApplicationProperties["double"]);
        Assert.Equal(true, received.ApplicationProperties["bool"]);
        Assert.Equal(id, received.ApplicationProperties["guid"]);
        Assert.Equal(when, ((DateTime)received.ApplicationProperties["datetime"]).ToUniversalTime());
        Assert.Equal(TimeSpan.FromMinutes(3), received.ApplicationProperties["timespan"]);
        Assert.Equal(new Uri("https://example.org/x"), received.ApplicationProperties["uri"]);
        Assert.Equal(new byte[] { 9, 8, 7 }, (byte[])received.ApplicationProperties["bytes"]);
        await receiver.CompleteMessageAsync(received, Ct);
    }

    [Fact]
    public async Task Send_WhenListAndBatch_DeliversEveryMessageInOrder()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        await sender.SendMessagesAsync([new ServiceBusMessage("l1"), new ServiceBusMessage("l2"), new ServiceBusMessage("l3")], Ct);
        using var batch = await sender.CreateMessageBatchAsync(Ct);
        Assert.True(batch.TryAddMessage(new ServiceBusMessage("b1")));
        Assert.True(batch.TryAddMessage(new ServiceBusMessage("b2")));
        await sender.SendMessagesAsync(batch, Ct);

        var bodies = new List<string>();
        var sequences = new List<long>();
        while (bodies.Count < 5)
        {
            var messages = await receiver.ReceiveMessagesAsync(10, Wait, Ct);
            Assert.NotEmpty(messages);
            bodies.AddRange(messages.Select(m => m.Body.ToString()));
            sequences.AddRange(messages.Select(m => m.SequenceNumber));
        }

        Assert.Equal(["l1", "l2", "l3", "b1", "b2"], bodies);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(5, sequences.Distinct().Count());
    }

    [Fact]
    public async Task Receive_WhenReceiveAndDelete_RemovesTheMessage()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        await sender.SendMessageAsync(new ServiceBusMessage("once"), Ct);

        Assert.Equal("once", (await receiver.ReceiveMessageAsync(Wait, Ct))?.Body.ToString());
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
    }

    [Fact]
    public async Task Abandon_WithPropertiesToModify_RedeliversWithDeliveryCountTwoAndTheNewProperty()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("retry"), Ct);

        var first = await receiver.ReceiveMessageAsync(Wait, Ct);
        await receiver.AbandonMessageAsync(first, new Dictionary<string, object> { ["attempt"] = "first failed" }, Ct);
        var second = await receiver.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(second);
        Assert.Equal(first.SequenceNumber, second.SequenceNumber);
        Assert.Equal(2, second.DeliveryCount);
        Assert.Equal("first failed", second.ApplicationProperties["attempt"]);
        await receiver.CompleteMessageAsync(second, Ct);
    }

    [Fact]
    public async Task DeadLetter_WithReasonAndDescription_MovesTheMessageToTheDeadLetterQueue()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await using var deadLetters = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("poison") { MessageId = "p1" }, Ct);

        var received = await receiver.ReceiveMessageAsync(Wait, Ct);
        await receiver.DeadLetterMessageAsync(received, "UnknownIsin", "ISIN XS000 has a bad check digit", Ct);
        var dead = await deadLetters.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(dead);
        Assert.Equal("p1", dead.MessageId);
        Assert.Equal("UnknownIsin", dead.DeadLetterReason);
        Assert.Equal("ISIN XS000 has a bad check digit", dead.DeadLetterErrorDescription);
        Assert.Equal(queue, dead.DeadLetterSource);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
        await deadLetters.CompleteMessageAsync(dead, Ct);
    }

    [Fact]
    public async Task Defer_ThenReceiveDeferred_ReturnsTheMessageOnlyBySequenceNumber()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("later"), Ct);

        var received = await receiver.ReceiveMessageAsync(Wait, Ct);
        await receiver.DeferMessageAsync(received, cancellationToken: Ct);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
        var deferred = await receiver.ReceiveDeferredMessageAsync(received.SequenceNumber, Ct);

        Assert.Equal("later", deferred.Body.ToString());
        Assert.Equal(ServiceBusMessageState.Deferred, deferred.State);
        await receiver.CompleteMessageAsync(deferred, Ct);
        await Assert.ThrowsAsync<ServiceBusException>(() => receiver.ReceiveDeferredMessageAsync(received.SequenceNumber, Ct));
    }

    [Fact]
    public async Task LockExpiry_WhenNotSettled_RedeliversWithDeliveryCountIncremented()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { LockDuration = TimeSpan.FromSeconds(1) });
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("slow"), Ct);

        var first = await receiver.ReceiveMessageAsync(Wait, Ct);
        var second = await receiver.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(second);
        Assert.Equal(first.SequenceNumber, second.SequenceNumber);
        Assert.Equal(2, second.DeliveryCount);
        var lockLost = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(first, Ct));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lockLost.Reason);
        await receiver.CompleteMessageAsync(second, Ct);
    }

    [Fact]
    public async Task RenewMessageLock_ExtendsTheLockPastItsFirstExpiry()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { LockDuration = TimeSpan.FromSeconds(2) });
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("renew"), Ct);

        var received = await receiver.ReceiveMessageAsync(Wait, Ct);
        var firstLock = received.LockedUntil;
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await receiver.RenewMessageLockAsync(received, Ct);

        Assert.True(received.LockedUntil > firstLock);
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        await receiver.CompleteMessageAsync(received, Ct);
    }

    [Fact]
    public async Task Abandon_WhenMaxDeliveryCountReached_DeadLettersWithMaxDeliveryCountExceeded()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { MaxDeliveryCount = 2 });
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await using var deadLetters = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("fails"), Ct);

        await receiver.AbandonMessageAsync(await receiver.ReceiveMessageAsync(Wait, Ct), cancellationToken: Ct);
        await receiver.AbandonMessageAsync(await receiver.ReceiveMessageAsync(Wait, Ct), cancellationToken: Ct);
        var dead = await deadLetters.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(dead);
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
    }

    [Fact]
    public async Task Peek_ReturnsMessagesWithTheirSequenceNumbersWithoutLockingThem()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await sender.SendMessagesAsync([new ServiceBusMessage("a"), new ServiceBusMessage("b"), new ServiceBusMessage("c")], Ct);

        var peeked = await receiver.PeekMessagesAsync(10, cancellationToken: Ct);
        var received = await receiver.ReceiveMessagesAsync(3, Wait, Ct);
        var later = await receiver.PeekMessagesAsync(10, fromSequenceNumber: peeked[1].SequenceNumber, cancellationToken: Ct);

        Assert.Equal(["a", "b", "c"], peeked.Select(m => m.Body.ToString()));
        Assert.Equal(peeked.Select(m => m.SequenceNumber).Order(), received.Select(m => m.SequenceNumber).Order());
        Assert.Equal(["b", "c"], later.Select(m => m.Body.ToString()));
    }

    [Fact]
    public async Task Send_WhenEntityDoesNotExist_FailsWithMessagingEntityNotFound()
    {
        await using var sender = broker.Client.CreateSender("no-such-queue-" + Guid.NewGuid().ToString("N")[..8]);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("x"), Ct));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    [Fact]
    public async Task Send_WhenMessageIsLargerThan256KB_FailsWithMessageSizeExceeded()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage(new byte[300 * 1024]), Ct));

        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, error.Reason);
        await sender.SendMessageAsync(new ServiceBusMessage(new byte[200 * 1024]), Ct);
    }

    [Fact]
    public async Task ScheduleMessage_DeliversAtTheScheduledTimeAndCancelRemovesIt()
    {
        var queue = await broker.CreateQueueAsync();
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);

        var kept = await sender.ScheduleMessageAsync(new ServiceBusMessage("kept"), DateTimeOffset.UtcNow.AddSeconds(1), Ct);
        var cancelled = await sender.ScheduleMessageAsync(new ServiceBusMessage("cancelled"), DateTimeOffset.UtcNow.AddSeconds(1), Ct);
        await sender.CancelScheduledMessageAsync(cancelled, Ct);
        var peeked = await receiver.PeekMessageAsync(cancellationToken: Ct);
        var received = await receiver.ReceiveMessageAsync(Wait, Ct);

        Assert.NotEqual(kept, cancelled);
        Assert.Equal(ServiceBusMessageState.Scheduled, peeked?.State);
        Assert.Equal("kept", received?.Body.ToString());
        Assert.Equal(kept, received?.SequenceNumber);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(1500), Ct));
    }

    [Fact]
    public async Task Send_WhenMessageIdRepeatsWithinTheWindow_DropsTheDuplicate()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { RequiresDuplicateDetection = true, DuplicateDetectionHistoryTimeWindow = TimeSpan.FromMinutes(1) });
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "same" }, Ct);
        await sender.SendMessageAsync(new ServiceBusMessage("second") { MessageId = "same" }, Ct);
        await sender.SendMessageAsync(new ServiceBusMessage("other") { MessageId = "other" }, Ct);
        var messages = await receiver.ReceiveMessagesAsync(10, Wait, Ct);
        if (messages.Count < 2)
        {
            messages = [.. messages, .. await receiver.ReceiveMessagesAsync(10, Wait, Ct)];
        }

        Assert.Equal(["first", "other"], messages.Select(m => m.Body.ToString()));
    }

    [Fact]
    public async Task TimeToLive_WhenExpiredAndDeadLetteringOnExpiration_DeadLettersWithTTLExpiredException()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { DeadLetteringOnMessageExpiration = true });
        await using var sender = broker.Client.CreateSender(queue);
        await using var receiver = broker.Client.CreateReceiver(queue);
        await using var deadLetters = broker.Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        await sender.SendMessageAsync(new ServiceBusMessage("stale") { TimeToLive = TimeSpan.FromMilliseconds(500) }, Ct);
        var dead = await deadLetters.ReceiveMessageAsync(Wait, Ct);

        Assert.NotNull(dead);
        Assert.Equal("stale", dead.Body.ToString());
        Assert.Equal("TTLExpiredException", dead.DeadLetterReason);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
    }

    [Fact]
    public async Task ForwardTo_AndForwardDeadLetteredMessagesTo_MoveMessagesToTheNamedEntities()
    {
        var target = await broker.CreateQueueAsync();
        var deadTarget = await broker.CreateQueueAsync();
        var forwarding = await broker.CreateQueueAsync(new ServiceBusEntitySettings { ForwardTo = target });
        var deadForwarding = await broker.CreateQueueAsync(new ServiceBusEntitySettings { ForwardDeadLetteredMessagesTo = deadTarget });
        await using var toForwarding = broker.Client.CreateSender(forwarding);
        await using var toDeadForwarding = broker.Client.CreateSender(deadForwarding);
        await using var fromTarget = broker.Client.CreateReceiver(target);
        await using var fromDeadForwarding = broker.Client.CreateReceiver(deadForwarding);
        await using var fromDeadTarget = broker.Client.CreateReceiver(deadTarget);

        await toForwarding.SendMessageAsync(new ServiceBusMessage("forwarded"), Ct);
        await toDeadForwarding.SendMessageAsync(new ServiceBusMessage("dead"), Ct);
        await fromDeadForwarding.DeadLetterMessageAsync(await fromDeadForwarding.ReceiveMessageAsync(Wait, Ct), "Bad", "bad", Ct);

        Assert.Equal("forwarded", (await fromTarget.ReceiveMessageAsync(Wait, Ct))?.Body.ToString());
        var dead = await fromDeadTarget.ReceiveMessageAsync(Wait, Ct);
        Assert.Equal("dead", dead?.Body.ToString());
        Assert.Equal("Bad", dead?.DeadLetterReason);
    }

    [Fact]
    public async Task Processor_WithAutoLockRenewal_KeepsTheLockWhileTheHandlerRunsPastLockDuration()
    {
        var queue = await broker.CreateQueueAsync(new ServiceBusEntitySettings { LockDuration = TimeSpan.FromSeconds(3) });
        await using var sender = broker.Client.CreateSender(queue);
        await using var processor = broker.Client.CreateProcessor(queue, new ServiceBusProcessorOptions
        {
            MaxConcurrentCalls = 16,
            AutoCompleteMessages = true,
            MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(1),
        });
        var deliveries = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        processor.ProcessMessageAsync += async args =>
        {
            lock (deliveries)
            {
                deliveries.Add(args.Message.DeliveryCount);
            }

            // Past two lock durations: without renewal the message would be delivered again. The lock is long enough that a
            // renewal made late by a loaded machine (two cores, parallel test projects) still lands in time.
            await Task.Delay(TimeSpan.FromSeconds(7), args.CancellationToken);
            done.TrySetResult();
        };
        processor.ProcessErrorAsync += _ => Task.CompletedTask;

        await sender.SendMessageAsync(new ServiceBusMessage("long work"), Ct);
        await processor.StartProcessingAsync(Ct);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        await processor.StopProcessingAsync(Ct);

        Assert.Equal([1], deliveries);
    }

    [Fact]
    public async Task Connect_WhenTheKeyIsWrong_IsRefusedAsUnauthorized()
    {
        Assert.SkipWhen(broker.IsExternal, "Builds a wrong key for the emulator's endpoint.");
        var wrong = broker.ConnectionString.Replace("SharedAccessKey=SAS_KEY_VALUE", "SharedAccessKey=WRONG", StringComparison.Ordinal);
        await using var client = new ServiceBusClient(wrong, new ServiceBusClientOptions { RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(5) } });
        var queue = await broker.CreateQueueAsync();
        await using var sender = client.CreateSender(queue);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(new ServiceBusMessage("x"), Ct));
    }
}
