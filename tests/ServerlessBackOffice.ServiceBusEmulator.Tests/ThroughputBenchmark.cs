using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>
/// A benchmark, not a timed test: it runs only when SERVICEBUS_EMULATOR_BENCHMARK=1 and reports messages per second
/// (send, then receive + complete, then both at once) through the test output. See docs/performance/service-bus-emulator.md.
/// </summary>
public sealed class ThroughputBenchmark(BrokerFixture broker, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    private static readonly int Messages =
        int.TryParse(Environment.GetEnvironmentVariable("SERVICEBUS_EMULATOR_BENCHMARK_MESSAGES"), out var n) && n >= 400 ? n / 400 * 400 : 20_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendReceiveComplete_MessagesPerSecond()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("SERVICEBUS_EMULATOR_BENCHMARK") == "1", "Set SERVICEBUS_EMULATOR_BENCHMARK=1 to run the throughput benchmark.");

        var queue = await broker.CreateQueueAsync();
        var send = Stopwatch.StartNew();
        await SendAsync(queue, Messages);
        send.Stop();

        var receive = await ProcessAsync(queue, Messages, sendFirst: null);
        var both = await ProcessAsync(queue, Messages, sendFirst: () => SendAsync(queue, Messages));

        var lines = new[]
        {
            $"send only:              {Messages / send.Elapsed.TotalSeconds,8:N0} msg/s ({Messages:N0} in {send.Elapsed.TotalSeconds:N2} s; 4 senders, batches of 100)",
            $"receive + complete:     {Messages / receive.Elapsed.TotalSeconds,8:N0} msg/s ({Messages:N0} in {receive.Elapsed.TotalSeconds:N2} s; processor, MaxConcurrentCalls 16, prefetch 100)",
            $"send+receive+complete:  {Messages / both.Elapsed.TotalSeconds,8:N0} msg/s ({Messages:N0} in {both.Elapsed.TotalSeconds:N2} s; both at once)",
        };
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        // Passing tests' output is not printed by default; a report file makes the figures easy to collect.
        if (Environment.GetEnvironmentVariable("SERVICEBUS_EMULATOR_BENCHMARK_REPORT") is { Length: > 0 } report)
        {
            await File.WriteAllLinesAsync(report, lines, Ct);
        }
    }

    private async Task SendAsync(string queue, int count)
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async s =>
        {
            await using var sender = broker.Client.CreateSender(queue);
            for (var offset = 0; offset < count / 4; offset += 100)
            {
                using var batch = await sender.CreateMessageBatchAsync(Ct);
                for (var i = 0; i < 100; i++)
                {
                    batch.TryAddMessage(new ServiceBusMessage("{\"tradeId\":\"T-0001\",\"quantity\":\"100\"}"));
                }

                await sender.SendMessagesAsync(batch, Ct);
            }
        }));
    }

    /// <summary>Times from the processor's start to the last handler call; stopping (which waits out receive calls) is not counted.</summary>
    private async Task<Stopwatch> ProcessAsync(string queue, int count, Func<Task>? sendFirst)
    {
        var remaining = count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = broker.Client.CreateProcessor(queue, new ServiceBusProcessorOptions { MaxConcurrentCalls = 16, PrefetchCount = 100, AutoCompleteMessages = true });
        processor.ProcessMessageAsync += args =>
        {
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        };
        processor.ProcessErrorAsync += args =>
        {
            done.TrySetException(args.Exception);
            return Task.CompletedTask;
        };
        var watch = Stopwatch.StartNew();
        await processor.StartProcessingAsync(Ct);
        if (sendFirst is not null)
        {
            await sendFirst();
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(2), Ct);
        watch.Stop();
        await processor.StopProcessingAsync(Ct);
        return watch;
    }
}
