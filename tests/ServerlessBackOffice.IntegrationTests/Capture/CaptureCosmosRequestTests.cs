using System.Text;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.Azure.ReferenceData;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.IntegrationTests.Capture;

/// <summary>
/// The Cosmos requests capture spends per message, counted on the wire by an SDK request handler: the product's budget is
/// six Cosmos writes per trade across all stages, and capture's share is one (the state with its outbox; decision 0065: no
/// write clears the outbox), plus one point read.
/// </summary>
public sealed class CaptureCosmosRequestTests(CaptureCosmosFixture fixture) : IClassFixture<CaptureCosmosFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 16, 0, 0, TimeSpan.Zero);

    internal static InboundMessage Oms(string tradeId, int version, string action, string quantity, string messageId) => new(
        messageId,
        Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":"1","tradeId":"{{tradeId}}","version":{{version}},"action":"{{action}}","executionTimestamp":"2026-11-24T15:30:12.345Z",
             "tradeDate":"2026-11-24","account":"ACC-US-001","side":"buy","isin":"US0378331005","mic":"XNAS","quantity":"{{quantity}}","price":"187.25",
             "priceType":"perUnit","currency":"USD","counterpartyLei":"W22LROWP2IHZNBB6K528","correlationId":"corr-{{tradeId}}"}
            """),
        1);

    [Fact]
    public async Task Capture_SpendsOneWriteForANewTrade_OneReadAndOneWritePerLaterChange_AndOneReadForARedelivery()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counter = new CountedCosmosClient(fixture.ConnectionString);
        var client = counter.Client;
        var container = await CosmosTradeStoreTests.CreateTradesContainerAsync(client, ct);
        var handler = new CaptureHandler(
            new CosmosTradeStore(container), new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()), new InMemoryMessagePublisher(),
            new InMemoryCaptureArchive(), new FakeTimeProvider(Now), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);
        const int trades = 20;

        counter.Reset();
        for (var i = 0; i < trades; i++)
        {
            var result = await handler.HandleAsync(Oms($"T-{i}", 1, "new", "100", $"M-{i}"), ct);
            Assert.Equal(CaptureOutcomeKind.Accepted, result.Outcome);
        }

        // A first version creates without reading: the create fails if the trade exists.
        Assert.Equal((0, trades), (counter.Reads, counter.Writes));

        // Its redelivery finds its archived record and reads the trade; the OMS resending it under another id spends the
        // create that fails, then the read.
        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms("T-1", 1, "new", "100", "M-1"), ct)).Outcome);
        Assert.Equal((1, 0), (counter.Reads, counter.Writes));
        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Duplicate, (await handler.HandleAsync(Oms("T-1", 1, "new", "100", "M-1-resent"), ct)).Outcome);
        Assert.Equal((1, 1), (counter.Reads, counter.Writes));

        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms("T-0", 2, "amend", "150", "M-0-2"), ct)).Outcome);
        Assert.Equal((1, 1), (counter.Reads, counter.Writes));

        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms("T-0", 2, "amend", "150", "M-0-2"), ct)).Outcome);
        Assert.Equal(CaptureOutcomeKind.Duplicate, (await handler.HandleAsync(Oms("T-0", 2, "amend", "150", "M-0-2-resent"), ct)).Outcome);
        Assert.Equal((2, 0), (counter.Reads, counter.Writes));

        counter.Reset();
        var unknownIsin = new InboundMessage("M-bad", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Oms("T-bad", 1, "new", "100", "M-bad").Body.Span).Replace("US0378331005", "US0378331006", StringComparison.Ordinal)), 1);
        Assert.Equal(CaptureOutcomeKind.Rejected, (await handler.HandleAsync(unknownIsin, ct)).Outcome);
        Assert.Equal((1, 0), (counter.Reads, counter.Writes));

        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Rejected, (await handler.HandleAsync(new InboundMessage("M-garbage", "not json"u8.ToArray(), 1), ct)).Outcome);
        Assert.Equal((0, 0), (counter.Reads, counter.Writes));

        // An id reused for another body (decision 0067) costs the trade's read and no write: the archive tells, not Cosmos.
        counter.Reset();
        var reusedAfterAcceptance = await handler.HandleAsync(Oms("T-0", 3, "amend", "175", "M-0-2"), ct);
        var reusedAfterRejection = await handler.HandleAsync(Oms("T-new", 1, "new", "100", "M-bad"), ct);
        Assert.Equal((ReasonCode.MessageIdReused, ReasonCode.MessageIdReused), (reusedAfterAcceptance.ReasonCode, reusedAfterRejection.ReasonCode));
        Assert.Equal((2, 0), (counter.Reads, counter.Writes));
    }

    [Fact]
    public async Task Capture_WithReferenceDataFromCosmos_SpendsNoRequestOnReferenceDataOnceCached()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counter = new CountedCosmosClient(fixture.ConnectionString);
        var client = counter.Client;
        var trades = await CosmosTradeStoreTests.CreateTradesContainerAsync(client, ct);
        var referenceData = await CosmosReferenceDataSourceTests.CreateReferenceDataContainerAsync(client, ct);
        var clock = new FakeTimeProvider(Now);
        await new ReferenceDataLoader(referenceData, clock).LoadAsync(ReferenceDataJson.LoadEmbedded(), ct);
        var source = new CosmosReferenceDataSource(referenceData, clock, new ReferenceDataCacheOptions(), NullLogger<CosmosReferenceDataSource>.Instance);
        var handler = new CaptureHandler(
            new CosmosTradeStore(trades), source, new InMemoryMessagePublisher(), new InMemoryCaptureArchive(), clock, CapturePolicy.Default,
            NullLogger<CaptureHandler>.Instance);

        // The first trade of an instance waits for the set: the activation list, the manifest and one query per kind.
        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms("T-first", 1, "new", "100", "M-first"), ct)).Outcome);
        Assert.Equal((2, 10, 1), (counter.Reads, counter.Queries, counter.Writes));

        // Then reference data costs nothing: exactly the trade's one write (a first version is created without a read).
        const int count = 20;
        counter.Reset();
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms($"T-{i}", 1, "new", "100", $"M-{i}"), ct)).Outcome);
        }

        Assert.Equal((0, 0, count), (counter.Reads, counter.Queries, counter.Writes));

        // After the cache's expiry, one point read of the activation list, once per instance, whatever the trade count.
        clock.Advance(new ReferenceDataCacheOptions().Expiry + TimeSpan.FromSeconds(1));
        counter.Reset();
        Assert.Equal(CaptureOutcomeKind.Accepted, (await handler.HandleAsync(Oms("T-late", 1, "new", "100", "M-late"), ct)).Outcome);
        await source.PendingRefresh.WaitAsync(ct);
        Assert.Equal((1, 0, 1), (counter.Reads, counter.Queries, counter.Writes));
    }
}
