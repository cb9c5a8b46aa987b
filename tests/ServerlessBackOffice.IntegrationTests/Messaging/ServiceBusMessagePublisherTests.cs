using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Azure.Messaging;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.ServiceBusEmulator;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.IntegrationTests.Messaging;

/// <summary>The Service Bus publisher with the real client against the local emulator and the project's topology.</summary>
public sealed class ServiceBusMessagePublisherTests
{
    [Fact]
    public async Task Publish_DeliversToTheFilteredSubscriptionWithEveryPropertyAndDropsARetriedPublish()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = EmulatorConfig.FromTopology(TopologyDocument.Default) }, ct);
        await using var client = new ServiceBusClient(emulator.ConnectionString);
        await using var publisher = new ServiceBusMessagePublisher(client);
        var message = new OutboundMessage(Entities.TradeEvents.Name, "T-1:1:TradeCaptured", "TradeCaptured", "corr-1",
            new Dictionary<string, string> { ["eventType"] = "TradeCaptured" }, """{"tradeId":"T-1"}""");

        await publisher.PublishAsync(message, ct);
        await publisher.PublishAsync(message, ct); // a retry after a crash: same id, dropped by duplicate detection

        await using var receiver = client.CreateReceiver(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Ledger.Name);
        var received = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10), ct);
        Assert.NotNull(received);
        Assert.Equal("T-1:1:TradeCaptured", received.MessageId);
        Assert.Equal("TradeCaptured", received.Subject);
        Assert.Equal("corr-1", received.CorrelationId);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal("TradeCaptured", received.ApplicationProperties["eventType"]);
        Assert.Equal("""{"tradeId":"T-1"}""", received.Body.ToString());
        await receiver.CompleteMessageAsync(received, ct);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1), ct));

        // The settlement subscription filters TradeCaptured out.
        var settlementPath = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Settlement.Name}";
        Assert.Equal(0, emulator.GetCounts(settlementPath).Active);
    }
}

/// <summary>
/// The shared publisher contract (the in-memory publisher runs it in Pipeline.Tests) over the Service Bus publisher: the
/// real client against the local emulator, read back from the ledger's subscription of the trade events topic.
/// </summary>
public sealed class ServiceBusMessagePublisherContractTests : ServerlessBackOffice.Pipeline.Contracts.MessagePublisherContract, IAsyncLifetime
{
    private ServiceBusEmulatorServer? _emulator;
    private ServiceBusClient? _client;
    private ServiceBusMessagePublisher? _publisher;

    public async ValueTask InitializeAsync()
    {
        _emulator = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions { Config = EmulatorConfig.FromTopology(TopologyDocument.Default) }, TestContext.Current.CancellationToken);
        _client = new ServiceBusClient(_emulator.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_publisher is not null)
        {
            await _publisher.DisposeAsync();
        }

        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    protected override IMessagePublisher CreatePublisher() => _publisher ??= new ServiceBusMessagePublisher(_client!);

    protected override async Task<IReadOnlyList<OutboundMessage>> DeliveredAsync(IMessagePublisher publisher, CancellationToken cancellationToken)
    {
        await using var receiver = _client!.CreateReceiver(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Ledger.Name);
        var delivered = new List<OutboundMessage>();
        var wait = TimeSpan.FromSeconds(10);
        while (await receiver.ReceiveMessageAsync(wait, cancellationToken) is { } received)
        {
            delivered.Add(new OutboundMessage(
                Entities.TradeEvents.Name,
                received.MessageId,
                received.Subject,
                received.CorrelationId,
                received.ApplicationProperties.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.Ordinal),
                received.Body.ToString()));
            await receiver.CompleteMessageAsync(received, cancellationToken);
            wait = TimeSpan.FromSeconds(1); // after the first, a second's silence means the subscription is drained
        }

        return delivered;
    }
}
