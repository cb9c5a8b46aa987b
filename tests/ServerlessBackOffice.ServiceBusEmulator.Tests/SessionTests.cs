using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Session receivers, the session processor, session state and session locks.</summary>
public sealed class SessionTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ServiceBusEntitySettings Sessions = new() { RequiresSession = true, LockDuration = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task AcceptSession_ReceivesOnlyThatSessionAndKeepsItsState()
    {
        var queue = await broker.CreateQueueAsync(Sessions);
        await using var sender = broker.Client.CreateSender(queue);
        await sender.SendMessagesAsync(
        [
            new ServiceBusMessage("a1") { SessionId = "a" },
            new ServiceBusMessage("b1") { SessionId = "b" },
            new ServiceBusMessage("a2") { SessionId = "a" },
        ], Ct);

        await using var session = await broker.Client.AcceptSessionAsync(queue, "a", cancellationToken: Ct);
        var first = await session.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);
        var second = await session.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);
        await session.CompleteMessageAsync(first, Ct);
        await session.CompleteMessageAsync(second, Ct);
        await session.SetSessionStateAsync(new BinaryData("checkpoint-2"), Ct);
        var state = await session.GetSessionStateAsync(Ct);
        var lockedUntil = session.SessionLockedUntil;
        await Task.Delay(TimeSpan.FromMilliseconds(1100), Ct);
        await session.RenewSessionLockAsync(Ct);

        Assert.Equal("a", session.SessionId);
        Assert.Equal(["a1", "a2"], new[] { first.Body.ToString(), second.Body.ToString() });
        Assert.Equal("a", first.SessionId);
        Assert.Null(await session.ReceiveMessageAsync(TimeSpan.FromMilliseconds(300), Ct));
        Assert.Equal("checkpoint-2", state.ToString());
        Assert.True(session.SessionLockedUntil > lockedUntil);
    }

    [Fact]
    public async Task AcceptSession_WhenAnotherReceiverHoldsIt_IsRefused()
    {
        var queue = await broker.CreateQueueAsync(Sessions);
        await using var sender = broker.Client.CreateSender(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("x") { SessionId = "only" }, Ct);
        await using var owner = await broker.Client.AcceptSessionAsync(queue, "only", cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => broker.Client.AcceptSessionAsync(queue, "only", cancellationToken: Ct));

        Assert.Equal(ServiceBusFailureReason.SessionCannotBeLocked, error.Reason);
    }

    [Fact]
    public async Task AcceptNextSession_LocksASessionThatHasMessages()
    {
        var queue = await broker.CreateQueueAsync(Sessions);
        await using var sender = broker.Client.CreateSender(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("x") { SessionId = "next" }, Ct);

        await using var session = await broker.Client.AcceptNextSessionAsync(queue, cancellationToken: Ct);

        Assert.Equal("next", session.SessionId);
        Assert.Equal("x", (await session.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct))?.Body.ToString());
    }

    [Fact]
    public async Task SessionProcessor_ProcessesEachSessionInOrderWithOneConsumerAtATime()
    {
        var queue = await broker.CreateQueueAsync(Sessions);
        await using var sender = broker.Client.CreateSender(queue);
        var sessions = new[] { "s1", "s2", "s3" };
        await sender.SendMessagesAsync(
            Enumerable.Range(0, 5).SelectMany(i => sessions.Select(s => new ServiceBusMessage($"{i}") { SessionId = s })), Ct);

        var seen = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        var active = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var processed = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = broker.Client.CreateSessionProcessor(queue, new ServiceBusSessionProcessorOptions
        {
            MaxConcurrentSessions = 2,
            SessionIdleTimeout = TimeSpan.FromMilliseconds(500),
            AutoCompleteMessages = true,
        });
        processor.ProcessMessageAsync += async args =>
        {
            if (active.AddOrUpdate(args.SessionId, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            seen.GetOrAdd(args.SessionId, _ => new ConcurrentQueue<int>()).Enqueue(int.Parse(args.Message.Body.ToString()));
            await Task.Delay(10, args.CancellationToken);
            active.AddOrUpdate(args.SessionId, 0, (_, n) => n - 1);
            if (Interlocked.Increment(ref processed) == 15)
            {
                done.TrySetResult();
            }
        };
        processor.ProcessErrorAsync += _ => Task.CompletedTask;

        await processor.StartProcessingAsync(Ct);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await processor.StopProcessingAsync(Ct);

        Assert.Equal(0, overlaps);
        foreach (var session in sessions)
        {
            Assert.Equal([0, 1, 2, 3, 4], seen[session]);
        }
    }
}
