using System.Text;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Capture.Contracts;

/// <summary>
/// What every <see cref="ITradeStore"/> must do: conditional writes by ETag, create-only when no ETag is given, and reads
/// that return exactly what was written. The Cosmos adapter passes the same tests against the emulator or its stand-in.
/// </summary>
public abstract class TradeStoreContract
{
    /// <summary>A fresh, empty store.</summary>
    protected abstract ITradeStore CreateStore();

    [Fact]
    public async Task Get_WhenTradeIsUnknown_ReturnsNull()
    {
        var store = CreateStore();
        Assert.Null(await store.GetAsync("T-unknown", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TryWrite_WithoutETag_CreatesOnlyOnce()
    {
        var store = CreateStore();
        var document = PortSamples.Document("T-1");

        var first = await store.TryWriteAsync(document, null, TestContext.Current.CancellationToken);
        var second = await store.TryWriteAsync(document, null, TestContext.Current.CancellationToken);

        Assert.True(first.Written);
        Assert.NotNull(first.ETag);
        Assert.False(second.Written);
    }

    [Fact]
    public async Task TryWrite_WithCurrentETag_ReplacesAndChangesTheETag()
    {
        var store = CreateStore();
        var created = await store.TryWriteAsync(PortSamples.Document("T-2"), null, TestContext.Current.CancellationToken);
        var replaced = await store.TryWriteAsync(PortSamples.Document("T-2") with { Outbox = [] }, created.ETag, TestContext.Current.CancellationToken);

        Assert.True(replaced.Written);
        Assert.NotEqual(created.ETag, replaced.ETag);
        var stored = await store.GetAsync("T-2", TestContext.Current.CancellationToken);
        Assert.Empty(stored!.Outbox);
        Assert.Equal(replaced.ETag, stored.ETag);
    }

    [Fact]
    public async Task TryWrite_WithStaleETag_IsAConflictAndChangesNothing()
    {
        var store = CreateStore();
        var created = await store.TryWriteAsync(PortSamples.Document("T-3"), null, TestContext.Current.CancellationToken);
        await store.TryWriteAsync(PortSamples.Document("T-3") with { Outbox = [] }, created.ETag, TestContext.Current.CancellationToken);

        var stale = await store.TryWriteAsync(PortSamples.Document("T-3"), created.ETag, TestContext.Current.CancellationToken);

        Assert.False(stale.Written);
        Assert.Empty((await store.GetAsync("T-3", TestContext.Current.CancellationToken))!.Outbox);
    }

    [Fact]
    public async Task Get_ReturnsTheStateOutboxAndPendingArchiveAsWritten()
    {
        var store = CreateStore();
        var document = PortSamples.Document("T-4");
        await store.TryWriteAsync(document, null, TestContext.Current.CancellationToken);

        var stored = (await store.GetAsync("T-4", TestContext.Current.CancellationToken))!;

        Assert.Equal(document.State, stored.State);
        Assert.Equal(document.Outbox.Select(m => (m.Destination, m.MessageId, m.Body)), stored.Outbox.Select(m => (m.Destination, m.MessageId, m.Body)));
        Assert.Equal(document.PendingArchive!.InboundMessageId, stored.PendingArchive!.InboundMessageId);
        Assert.Equal(document.RecentInboundMessageIds, stored.RecentInboundMessageIds);
    }
}

/// <summary>What every <see cref="ICaptureArchive"/> must do: write once per inbound message id, and return the first entry thereafter.</summary>
public abstract class CaptureArchiveContract
{
    /// <summary>A fresh, empty archive.</summary>
    protected abstract ICaptureArchive CreateArchive();

    [Fact]
    public async Task Archive_FirstEntry_IsStoredAndReturned()
    {
        var archive = CreateArchive();
        var entry = PortSamples.Entry("m-1", CaptureOutcomeKind.Accepted);

        var stored = await archive.ArchiveAsync(entry, TestContext.Current.CancellationToken);

        Assert.Equal(entry.Outcome, stored.Outcome);
        Assert.Equal(entry.ReplyBody, stored.ReplyBody);
        Assert.Equal(entry.Body.ToArray(), stored.Body.ToArray());
    }

    [Fact]
    public async Task Archive_SecondEntryForTheSameMessage_IsIgnoredAndTheFirstIsReturned()
    {
        var archive = CreateArchive();
        await archive.ArchiveAsync(PortSamples.Entry("m-2", CaptureOutcomeKind.Rejected), TestContext.Current.CancellationToken);

        var stored = await archive.ArchiveAsync(PortSamples.Entry("m-2", CaptureOutcomeKind.Duplicate), TestContext.Current.CancellationToken);

        Assert.Equal(CaptureOutcomeKind.Rejected, stored.Outcome);
    }
}

/// <summary>What every <see cref="IMessagePublisher"/> must do: accept a message and deliver it once per message id.</summary>
public abstract class MessagePublisherContract
{
    /// <summary>A fresh publisher.</summary>
    protected abstract IMessagePublisher CreatePublisher();

    /// <summary>The messages the destination delivers to a receiver, after duplicate detection.</summary>
    protected abstract Task<IReadOnlyList<OutboundMessage>> DeliveredAsync(IMessagePublisher publisher, CancellationToken cancellationToken);

    [Fact]
    public async Task Publish_SameMessageIdTwice_IsDeliveredOnce()
    {
        var publisher = CreatePublisher();
        var message = PortSamples.Message("evt-1");

        await publisher.PublishAsync(message, TestContext.Current.CancellationToken);
        await publisher.PublishAsync(message, TestContext.Current.CancellationToken);

        var delivered = await DeliveredAsync(publisher, TestContext.Current.CancellationToken);
        Assert.Single(delivered, m => m.MessageId == "evt-1");
    }

    [Fact]
    public async Task Publish_KeepsBodyAndApplicationProperties()
    {
        var publisher = CreatePublisher();
        await publisher.PublishAsync(PortSamples.Message("evt-2"), TestContext.Current.CancellationToken);

        var delivered = Assert.Single(await DeliveredAsync(publisher, TestContext.Current.CancellationToken), m => m.MessageId == "evt-2");
        Assert.Equal(PortSamples.Message("evt-2").Body, delivered.Body);
        Assert.Equal("TradeCaptured", delivered.ApplicationProperties[CaptureHandler.EventTypeProperty]);
    }
}

/// <summary>Sample values for the contract tests.</summary>
public static class PortSamples
{
    /// <summary>A trade document with one state, one outbox message and a pending archive entry.</summary>
    public static TradeDocument Document(string tradeId)
    {
        var terms = new TradeTerms(tradeId, 1, LifecycleAction.New, new DateTimeOffset(2026, 11, 24, 15, 30, 0, TimeSpan.Zero), new DateOnly(2026, 11, 24),
            "ACC-US-001", Side.Buy, "US0378331005", "XNAS", 100m, 187.25m, PriceType.PerUnit, Currencies.Usd, "W22LROWP2IHZNBB6K528", null, null);
        var economics = new TradeEconomics(Money.Round(18_725m, Currencies.Usd), Money.Round(10m, Currencies.Usd), [], Money.Zero(Currencies.Usd), Money.Round(18_735m, Currencies.Usd));
        var trade = new EnrichedTrade(terms, "NY-CASH", "571474TGEMMWANRLN572", AssetClass.Equity, new DateOnly(2026, 11, 25), economics);
        return new TradeDocument(tradeId, new TradeState(trade, TradeStatus.Live), [Message(tradeId + ":1:TradeCaptured")], Entry("m-" + tradeId, CaptureOutcomeKind.Accepted), ["m-" + tradeId], null);
    }

    /// <summary>An archive entry.</summary>
    public static CaptureArchiveEntry Entry(string inboundMessageId, CaptureOutcomeKind outcome) =>
        new(inboundMessageId, new DateTimeOffset(2026, 11, 24, 15, 30, 1, TimeSpan.Zero), Encoding.UTF8.GetBytes("{\"tradeId\":\"T\"}"), outcome, null, "{\"outcome\":\"" + CaptureHandler.OutcomeName(outcome) + "\"}");

    /// <summary>An event message.</summary>
    public static OutboundMessage Message(string messageId) =>
        new(ServerlessBackOffice.Topology.Entities.TradeEvents.Name, messageId, "TradeCaptured", "corr-1",
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = "TradeCaptured" }, "{\"eventId\":\"" + messageId + "\"}");
}
