using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Several senders and processors on one queue: nothing lost, nothing delivered twice to a completing consumer.</summary>
public sealed class ConcurrencyTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int Senders = 4;
    private const int MessagesPerSender = 2_500;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TenThousandMessages_WithFourSendersAndTwoProcessors_AreEachCompletedExactlyOnce()
    {
        var queue = await broker.CreateQueueAsync();
        var total = Senders * MessagesPerSender;
        var completions = new ConcurrentDictionary<string, int>();
        var redeliveries = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var processors = new List<ServiceBusProcessor>();
        for (var p = 0; p < 2; p++)
        {
            var processor = broker.Client.CreateProcessor(queue, new ServiceBusProcessorOptions { MaxConcurrentCalls = 16, AutoCompleteMessages = false, PrefetchCount = 50 });
            processor.ProcessMessageAsync += async args =>
            {
                if (args.Message.DeliveryCount > 1)
                {
                    Interlocked.Increment(ref redeliveries);
                }

                await args.CompleteMessageAsync(args.Message, args.CancellationToken);
                if (completions.AddOrUpdate(args.Message.MessageId, 1, (_, n) => n + 1) == 1 && completions.Count == total)
                {
                    done.TrySetResult();
                }
            };
            processor.ProcessErrorAsync += args =>
            {
                done.TrySetException(args.Exception);
                return Task.CompletedTask;
            };
            processors.Add(processor);
        }

        foreach (var processor in processors)
        {
            await processor.StartProcessingAsync(Ct);
        }

        await Task.WhenAll(Enumerable.Range(0, Senders).Select(async s =>
        {
            await using var sender = broker.Client.CreateSender(queue);
            for (var offset = 0; offset < MessagesPerSender; offset += 100)
            {
                using var batch = await sender.CreateMessageBatchAsync(Ct);
                for (var i = offset; i < offset + 100; i++)
                {
                    Assert.True(batch.TryAddMessage(new ServiceBusMessage($"payload {s}-{i}") { MessageId = $"{s}-{i}" }));
                }

                await sender.SendMessagesAsync(batch, Ct);
            }
        }));

        await done.Task.WaitAsync(TimeSpan.FromSeconds(90), Ct);
        foreach (var processor in processors)
        {
            await processor.StopProcessingAsync(Ct);
            await processor.DisposeAsync();
        }

        Assert.Equal(total, completions.Count);
        Assert.All(completions.Values, count => Assert.Equal(1, count));
        Assert.Equal(0, redeliveries);
        if (broker.Emulator is { } emulator)
        {
            Assert.Equal(new ServiceBusEntityCounts(0, 0, 0, 0), emulator.GetCounts(queue));
        }
    }
}
