using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Time.Testing;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>
/// Broker time comes from ServiceBusEmulatorOptions.TimeProvider: TTLs, schedules and duplicate windows of hours pass
/// in an instant with a FakeTimeProvider. These tests need the emulator itself.
/// </summary>
public sealed class EmulatorClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ServiceBusEmulatorServer _emulator = null!;
    private ServiceBusClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _emulator = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { TimeProvider = _clock }, Ct);
        _client = new ServiceBusClient(_emulator.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task DefaultMessageTimeToLive_WhenTheClockPassesIt_DeadLettersTheMessage()
    {
        _emulator.CreateQueue("ttl", new ServiceBusEntitySettings { DefaultMessageTimeToLive = TimeSpan.FromMinutes(10), DeadLetteringOnMessageExpiration = true });
        await using var sender = _client.CreateSender("ttl");
        await using var deadLetters = _client.CreateReceiver("ttl", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("expires"), Ct);

        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(1, _emulator.GetCounts("ttl").Active);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var dead = await deadLetters.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.Equal("TTLExpiredException", dead?.DeadLetterReason);
        Assert.Equal(0, _emulator.GetCounts("ttl").Active);
    }

    [Fact]
    public async Task ScheduledMessage_IsDeliveredWhenTheClockReachesItsTime()
    {
        _emulator.CreateQueue("scheduled");
        await using var sender = _client.CreateSender("scheduled");
        await using var receiver = _client.CreateReceiver("scheduled");

        await sender.ScheduleMessageAsync(new ServiceBusMessage("at noon"), _clock.GetUtcNow().AddMinutes(30), Ct);
        Assert.Equal(1, _emulator.GetCounts("scheduled").Scheduled);
        _clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal("at noon", (await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct))?.Body.ToString());
    }

    [Fact]
    public async Task DuplicateDetection_AfterTheWindowPasses_AcceptsTheSameMessageIdAgain()
    {
        _emulator.CreateQueue("dedup", new ServiceBusEntitySettings { RequiresDuplicateDetection = true, DuplicateDetectionHistoryTimeWindow = TimeSpan.FromMinutes(10) });
        await using var sender = _client.CreateSender("dedup");

        await sender.SendMessageAsync(new ServiceBusMessage("1") { MessageId = "same" }, Ct);
        await sender.SendMessageAsync(new ServiceBusMessage("2") { MessageId = "same" }, Ct);
        _clock.Advance(TimeSpan.FromMinutes(11));
        await sender.SendMessageAsync(new ServiceBusMessage("3") { MessageId = "same" }, Ct);

        Assert.Equal(2, _emulator.GetCounts("dedup").Active);
    }
}
