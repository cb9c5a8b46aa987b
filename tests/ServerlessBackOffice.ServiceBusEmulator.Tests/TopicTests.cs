using Azure.Messaging.ServiceBus;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>Topics fan out to subscriptions through their rules.</summary>
public sealed class TopicTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_ToATopic_DeliversOnlyToSubscriptionsWhoseRulesMatch()
    {
        var topic = await broker.CreateTopicAsync();
        await broker.CreateSubscriptionAsync(topic, "all");
        await broker.CreateSubscriptionAsync(topic, "sql", null, new ServiceBusRule("captured", SqlFilter: "eventType IN ('TradeCaptured', 'TradeAmended') AND sys.Label = 'trade'"));
        await broker.CreateSubscriptionAsync(topic, "correlation", null, new ServiceBusRule("lei", CorrelationFilter: new ServiceBusCorrelationFilter
        {
            ContentType = "application/json",
            Properties = new Dictionary<string, object?> { ["counterpartyLei"] = "W22LROWP2IHZNBB6K528" },
        }));
        await using var sender = broker.Client.CreateSender(topic);

        await sender.SendMessagesAsync(
        [
            Event("1", "TradeCaptured", "trade", "W22LROWP2IHZNBB6K528"),
            Event("2", "TradeSettled", "trade", "W22LROWP2IHZNBB6K528"),
            Event("3", "TradeAmended", "other", "7H6GLXDRUGQFU57RNE97"),
        ], Ct);

        Assert.Equal(["1", "2", "3"], await DrainAsync(topic, "all"));
        Assert.Equal(["1"], await DrainAsync(topic, "sql"));
        Assert.Equal(["1", "2"], await DrainAsync(topic, "correlation"));
    }

    [Fact]
    public async Task DeadLetter_OnASubscription_IsReadableFromTheSubscriptionDeadLetterQueue()
    {
        var topic = await broker.CreateTopicAsync();
        await broker.CreateSubscriptionAsync(topic, "s");
        await using var sender = broker.Client.CreateSender(topic);
        await using var receiver = broker.Client.CreateReceiver(topic, "s");
        await using var deadLetters = broker.Client.CreateReceiver(topic, "s", new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });

        await sender.SendMessageAsync(new ServiceBusMessage("bad"), Ct);
        await receiver.DeadLetterMessageAsync(await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct), "Rejected", "by the test", Ct);
        var dead = await deadLetters.ReceiveMessageAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.Equal("bad", dead?.Body.ToString());
        Assert.Equal("Rejected", dead?.DeadLetterReason);
    }

    private static ServiceBusMessage Event(string id, string eventType, string subject, string lei)
    {
        var message = new ServiceBusMessage("{}") { MessageId = id, Subject = subject, ContentType = "application/json" };
        message.ApplicationProperties["eventType"] = eventType;
        message.ApplicationProperties["counterpartyLei"] = lei;
        return message;
    }

    private async Task<List<string>> DrainAsync(string topic, string subscription)
    {
        await using var receiver = broker.Client.CreateReceiver(topic, subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var ids = new List<string>();
        while (await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500), Ct) is { } message)
        {
            ids.Add(message.MessageId);
        }

        return ids;
    }
}
