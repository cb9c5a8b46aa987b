using System.Globalization;
using System.Text;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using Xunit;

namespace ServerlessBackOffice.Pipeline.Contracts;

/// <summary>
/// What every <see cref="ITradeStore"/> must do: conditional writes by ETag, create-only when no ETag is given, exactly one
/// winner among racing writers, and reads that return exactly what was written. The in-memory store runs these in
/// Pipeline.Tests; the Cosmos adapter runs the same class against the Cosmos stand-in in IntegrationTests.
/// </summary>
public abstract class TradeStoreContract
{
    /// <summary>How many writers race in the concurrency cases.</summary>
    protected const int RacingWriters = 8;

    /// <summary>A fresh, empty store.</summary>
    protected abstract Task<ITradeStore> CreateStoreAsync();

    [Fact]
    public async Task Get_WhenTradeIsUnknown_ReturnsNull()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetAsync("T-unknown", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TryWrite_WithoutETag_CreatesOnlyOnce()
    {
        var store = await CreateStoreAsync();
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
        var store = await CreateStoreAsync();
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
        var store = await CreateStoreAsync();
        var created = await store.TryWriteAsync(PortSamples.Document("T-3"), null, TestContext.Current.CancellationToken);
        await store.TryWriteAsync(PortSamples.Document("T-3") with { Outbox = [] }, created.ETag, TestContext.Current.CancellationToken);

        var stale = await store.TryWriteAsync(PortSamples.Document("T-3"), created.ETag, TestContext.Current.CancellationToken);

        Assert.False(stale.Written);
        Assert.Empty((await store.GetAsync("T-3", TestContext.Current.CancellationToken))!.Outbox);
    }

    [Fact]
    public async Task TryWrite_WithAnETagWhenNoDocumentExists_IsAConflict()
    {
        var store = await CreateStoreAsync();
        var other = await store.TryWriteAsync(PortSamples.Document("T-other"), null, TestContext.Current.CancellationToken);

        var result = await store.TryWriteAsync(PortSamples.Document("T-5"), other.ETag, TestContext.Current.CancellationToken);

        Assert.False(result.Written);
        Assert.Null(await store.GetAsync("T-5", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_ReturnsTheStateOutboxAndPendingArchiveAsWritten()
    {
        var store = await CreateStoreAsync();
        var document = PortSamples.Document("T-4");
        await store.TryWriteAsync(document, null, TestContext.Current.CancellationToken);

        var stored = (await store.GetAsync("T-4", TestContext.Current.CancellationToken))!;

        PortSamples.AssertSameContent(document, stored);
    }

    [Fact]
    public async Task RoundTrip_ABondWithFeesAndAccruedInterest_ThenAnAmendAndACancel_IsExactAtEveryStep()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var captured = PortSamples.BondDocument("T-bond", 1, LifecycleAction.New, TradeStatus.Live);
        var amended = PortSamples.BondDocument("T-bond", 2, LifecycleAction.Amend, TradeStatus.Live) with
        {
            RecentInboundMessageIds = ["m-T-bond-1", "m-T-bond-2"],
        };
        var cancelled = PortSamples.BondDocument("T-bond", 3, LifecycleAction.Cancel, TradeStatus.Cancelled) with
        {
            Outbox = [],
            PendingArchive = null,
            RecentInboundMessageIds = ["m-T-bond-1", "m-T-bond-2", "m-T-bond-3"],
        };

        string? etag = null;
        foreach (var document in new[] { captured, amended, cancelled })
        {
            var written = await store.TryWriteAsync(document, etag, ct);
            Assert.True(written.Written);
            etag = written.ETag;

            var stored = (await store.GetAsync("T-bond", ct))!;
            PortSamples.AssertSameContent(document, stored);
            Assert.Equal(etag, stored.ETag);
        }
    }

    [Fact]
    public async Task TryWrite_RacingCreates_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;

        var results = await Task.WhenAll(Enumerable.Range(0, RacingWriters).Select(i =>
            Task.Run(() => store.TryWriteAsync(PortSamples.Document("T-race") with { RecentInboundMessageIds = [$"m-{i}"] }, null, ct), ct)));

        var winner = Assert.Single(results, r => r.Written);
        var stored = (await store.GetAsync("T-race", ct))!;
        Assert.Equal(winner.ETag, stored.ETag);
        Assert.Single(stored.RecentInboundMessageIds);
    }

    [Fact]
    public async Task TryWrite_RacingReplacesWithTheSameETag_ExactlyOneWinsAndItsContentIsStored()
    {
        var store = await CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        var created = await store.TryWriteAsync(PortSamples.Document("T-race2"), null, ct);

        var attempts = Enumerable.Range(0, RacingWriters).Select(i => PortSamples.Document("T-race2") with { RecentInboundMessageIds = [$"m-{i}"] }).ToList();
        var results = await Task.WhenAll(attempts.Select(d => Task.Run(() => store.TryWriteAsync(d, created.ETag, ct), ct)));

        var winner = Assert.Single(results, r => r.Written);
        var stored = (await store.GetAsync("T-race2", ct))!;
        Assert.Equal(winner.ETag, stored.ETag);
        Assert.Equal(attempts[Array.IndexOf(results, winner)].RecentInboundMessageIds, stored.RecentInboundMessageIds);
    }
}

/// <summary>
/// What every <see cref="ICaptureArchive"/> must do: write once per inbound message id, and return the first entry
/// thereafter — exactly, whatever the redelivery's outcome, time (even on the next archive day) or concurrency; and find that
/// first entry by id without writing (capture reads it before a state change, decision 0067).
/// </summary>
public abstract class CaptureArchiveContract
{
    /// <summary>A fresh, empty archive.</summary>
    protected abstract Task<ICaptureArchive> CreateArchiveAsync();

    [Fact]
    public async Task Archive_FirstEntry_IsStoredAndReturned()
    {
        var archive = await CreateArchiveAsync();
        var entry = PortSamples.Entry("m-1", CaptureOutcomeKind.Accepted);

        var stored = await archive.ArchiveAsync(entry, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(entry, stored);
    }

    [Fact]
    public async Task Archive_SecondEntryForTheSameMessage_IsIgnoredAndTheFirstIsReturned()
    {
        var archive = await CreateArchiveAsync();
        await archive.ArchiveAsync(PortSamples.Entry("m-2", CaptureOutcomeKind.Rejected), TestContext.Current.CancellationToken);

        var stored = await archive.ArchiveAsync(PortSamples.Entry("m-2", CaptureOutcomeKind.Duplicate), TestContext.Current.CancellationToken);

        Assert.Equal(CaptureOutcomeKind.Rejected, stored.Outcome);
    }

    [Fact]
    public async Task Archive_SameEntryTwice_ReturnsItBothTimes()
    {
        var archive = await CreateArchiveAsync();
        var entry = PortSamples.Entry("m-3", CaptureOutcomeKind.Stale);

        await archive.ArchiveAsync(entry, TestContext.Current.CancellationToken);
        var again = await archive.ArchiveAsync(entry, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(entry, again);
    }

    [Fact]
    public async Task Archive_ARedeliveryLaterWithAnotherOutcome_ReturnsTheFirstEntryExactly()
    {
        var archive = await CreateArchiveAsync();
        var first = PortSamples.Entry("m-4", CaptureOutcomeKind.Rejected) with
        {
            ReasonCode = ReasonCode.UnknownInstrument,
            ReceivedAt = new DateTimeOffset(2026, 11, 24, 10, 15, 30, 123, TimeSpan.FromHours(-5)).AddTicks(4567),
        };
        await archive.ArchiveAsync(first, TestContext.Current.CancellationToken);

        var later = PortSamples.Entry("m-4", CaptureOutcomeKind.DeadLettered) with { ReasonCode = ReasonCode.DeliveryLimitExceeded, ReplyBody = "{\"outcome\":\"deadLettered\"}" };
        var stored = await archive.ArchiveAsync(later with { ReceivedAt = first.ReceivedAt.AddMinutes(3) }, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(first, stored);
    }

    [Fact]
    public async Task Archive_ABodyThatIsNotJson_KeepsEveryByte()
    {
        var archive = await CreateArchiveAsync();
        var first = PortSamples.Entry("m-5", CaptureOutcomeKind.Rejected) with
        {
            Body = new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', 0xC3, 0x28, (byte)'}', (byte)'\n', 0x00 },
            ReasonCode = ReasonCode.MalformedMessage,
            ReplyBody = "not json \u00e9",
        };
        await archive.ArchiveAsync(first, TestContext.Current.CancellationToken);

        var stored = await archive.ArchiveAsync(first with { Outcome = CaptureOutcomeKind.DeadLettered }, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(first, stored);
    }

    [Fact]
    public async Task Archive_ARedeliveryAfterMidnightInNewYork_ReturnsTheFirstEntry()
    {
        var archive = await CreateArchiveAsync();
        var beforeMidnight = new DateTimeOffset(2026, 11, 24, 23, 59, 58, TimeSpan.FromHours(-5));
        var first = PortSamples.Entry("m-6", CaptureOutcomeKind.Accepted) with { ReceivedAt = beforeMidnight };
        await archive.ArchiveAsync(first, TestContext.Current.CancellationToken);

        var stored = await archive.ArchiveAsync(PortSamples.Entry("m-6", CaptureOutcomeKind.Duplicate) with { ReceivedAt = beforeMidnight.AddSeconds(5) }, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(first, stored);
    }

    [Fact]
    public async Task Archive_RacingDeliveriesWithDifferentOutcomes_AllGetTheSameStoredEntry()
    {
        var archive = await CreateArchiveAsync();
        var ct = TestContext.Current.CancellationToken;
        var outcomes = Enum.GetValues<CaptureOutcomeKind>();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => archive.ArchiveAsync(PortSamples.Entry("m-7", outcomes[i % outcomes.Length]) with { ReceivedAt = PortSamples.ReceivedAt.AddSeconds(i) }, ct), ct)));

        var first = results[0];
        Assert.All(results, r => PortSamples.AssertSameEntry(first, r));
        PortSamples.AssertSameEntry(first, await archive.ArchiveAsync(PortSamples.Entry("m-7", CaptureOutcomeKind.Stale), ct));
    }

    [Fact]
    public async Task Find_WhenNothingIsArchivedUnderTheId_ReturnsNull_AndWritesNothing()
    {
        var archive = await CreateArchiveAsync();
        var ct = TestContext.Current.CancellationToken;

        Assert.Null(await archive.FindAsync("m-find-1", PortSamples.ReceivedAt, ct));

        // Nothing was claimed: the first entry archived afterwards is the one stored.
        var entry = PortSamples.Entry("m-find-1", CaptureOutcomeKind.Rejected) with { ReasonCode = ReasonCode.MalformedMessage };
        PortSamples.AssertSameEntry(entry, await archive.ArchiveAsync(entry, ct));
    }

    [Fact]
    public async Task Find_ReturnsTheFirstEntryExactly_BodyByteForByte()
    {
        var archive = await CreateArchiveAsync();
        var ct = TestContext.Current.CancellationToken;
        var first = PortSamples.Entry("m-find-2", CaptureOutcomeKind.Rejected) with
        {
            Body = new byte[] { 0xEF, 0xBB, 0xBF, (byte)'{', 0xC3, 0x28, (byte)'}', (byte)'\n', 0x00 },
            ReasonCode = ReasonCode.MalformedMessage,
            ReceivedAt = PortSamples.ReceivedAt.AddTicks(1234),
        };
        await archive.ArchiveAsync(first, ct);
        await archive.ArchiveAsync(PortSamples.Entry("m-find-2", CaptureOutcomeKind.Accepted) with { ReceivedAt = first.ReceivedAt.AddMinutes(20) }, ct);

        var found = await archive.FindAsync("m-find-2", first.ReceivedAt.AddMinutes(30), ct);

        PortSamples.AssertSameEntry(first, found!);
    }

    [Fact]
    public async Task Find_AfterMidnightInNewYork_FindsTheEntryOfTheDayBefore()
    {
        var archive = await CreateArchiveAsync();
        var ct = TestContext.Current.CancellationToken;
        var beforeMidnight = new DateTimeOffset(2026, 11, 24, 23, 59, 58, TimeSpan.FromHours(-5));
        var first = PortSamples.Entry("m-find-3", CaptureOutcomeKind.Rejected) with { ReceivedAt = beforeMidnight, ReasonCode = ReasonCode.UnknownInstrument };
        await archive.ArchiveAsync(first, ct);

        PortSamples.AssertSameEntry(first, (await archive.FindAsync("m-find-3", beforeMidnight.AddMinutes(15), ct))!);
    }

    [Fact]
    public async Task Find_ADistinctNameForAReusedIdsSecondBody_LeavesTheFirstEntryAsItWas()
    {
        var archive = await CreateArchiveAsync();
        var ct = TestContext.Current.CancellationToken;
        var first = PortSamples.Entry("m-find-4", CaptureOutcomeKind.Rejected) with { ReasonCode = ReasonCode.InvalidIsin };
        await archive.ArchiveAsync(first, ct);
        var body = Encoding.UTF8.GetBytes("{\"tradeId\":\"T-other\"}");
        var reusedId = CaptureHandler.ReusedArchiveId("m-find-4", CaptureHandler.Sha256Hex(body));
        var second = new CaptureArchiveEntry(reusedId, PortSamples.ReceivedAt.AddMinutes(30), body, CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused, "{\"outcome\":\"deadLettered\"}");

        PortSamples.AssertSameEntry(second, await archive.ArchiveAsync(second, ct));

        PortSamples.AssertSameEntry(first, (await archive.FindAsync("m-find-4", second.ReceivedAt, ct))!);
        PortSamples.AssertSameEntry(second, (await archive.FindAsync(reusedId, second.ReceivedAt, ct))!);
        PortSamples.AssertSameEntry(second, await archive.ArchiveAsync(second with { ReceivedAt = second.ReceivedAt.AddMinutes(5) }, ct));
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

/// <summary>Sample values for the contract tests, and exact comparisons (decimal scale, instant offset, bytes).</summary>
public static class PortSamples
{
    /// <summary>The receive time of sample entries.</summary>
    public static DateTimeOffset ReceivedAt { get; } = new(2026, 11, 24, 15, 30, 1, TimeSpan.Zero);

    /// <summary>A trade document with one state, one outbox message and a pending archive entry.</summary>
    public static TradeDocument Document(string tradeId)
    {
        var terms = new TradeTerms(tradeId, 1, LifecycleAction.New, new DateTimeOffset(2026, 11, 24, 15, 30, 0, TimeSpan.Zero), new DateOnly(2026, 11, 24),
            "ACC-US-001", Side.Buy, "US0378331005", "XNAS", 100m, 187.25m, PriceType.PerUnit, Currencies.Usd, "W22LROWP2IHZNBB6K528", null, null);
        var economics = new TradeEconomics(Money.Round(18_725m, Currencies.Usd), Money.Round(10m, Currencies.Usd), [], Money.Zero(Currencies.Usd), Money.Round(18_735m, Currencies.Usd));
        var trade = new EnrichedTrade(terms, "NY-CASH", "571474TGEMMWANRLN572", AssetClass.Equity, new DateOnly(2026, 11, 25), economics);
        return new TradeDocument(tradeId, new TradeState(trade, TradeStatus.Live), [Message(tradeId + ":1:TradeCaptured")], Entry("m-" + tradeId, CaptureOutcomeKind.Accepted), ["m-" + tradeId], null);
    }

    /// <summary>
    /// A corporate bond sale in GBP with a fee line, accrued interest, a commission override and a settlement date override,
    /// amounts with trailing zeros and more digits than a double keeps, an execution time with sub-millisecond ticks and an offset.
    /// </summary>
    public static TradeDocument BondDocument(string tradeId, long version, LifecycleAction action, TradeStatus status)
    {
        var gbp = Currencies.Gbp;
        var terms = new TradeTerms(tradeId, version, action, new DateTimeOffset(2026, 11, 24, 9, 5, 7, 891, TimeSpan.FromHours(1)).AddTicks(2345 + version), new DateOnly(2026, 11, 24),
            "ACC-UK-007", Side.Sell, "XS2345678901", "XLON", 1_234_567.000m + version, 99.123456789012345678m, PriceType.PercentOfPar, gbp, "213800ABCDEFGHIJKL12", 12.50m, new DateOnly(2026, 11, 27));
        var fees = new List<FeeLine>
        {
            new("PTM", Money.Round(1.50m, gbp), "Panel on Takeovers and Mergers levy (sample)"),
            new("OTHER", Money.Round(0.10m, gbp), "Sample \"quoted\" source / with ünïcödé"),
        };
        var economics = new TradeEconomics(
            Money.Round(1_223_727_963.10m, gbp), Money.Round(12.50m, gbp), fees, Money.Round(98_765.43m, gbp), Money.Round(1_223_826_714.43m, gbp));
        var trade = new EnrichedTrade(terms, "LDN-BONDS", "549300ABCDEFGHIJKL34", AssetClass.CorporateBond, new DateOnly(2026, 11, 27), economics);
        var reply = new OutboundMessage(ServerlessBackOffice.Topology.Entities.OmsReplies.Name, $"m-{tradeId}-{version}:reply", "accepted", $"corr-{version}",
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.OutcomeProperty] = "accepted" }, "{\"outcome\":\"accepted\",\"netAmount\":\"1223826714.43\"}");
        var eventType = action switch { LifecycleAction.New => "TradeCaptured", LifecycleAction.Amend => "TradeAmended", _ => "TradeCancelled" };
        var tradeEvent = new OutboundMessage(ServerlessBackOffice.Topology.Entities.TradeEvents.Name, $"{tradeId}:{version}:{eventType}", eventType, null,
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = eventType }, "{\"eventType\":\"" + eventType + "\"}");
        var entry = new CaptureArchiveEntry($"m-{tradeId}-{version}", ReceivedAt.AddTicks(version), Encoding.UTF8.GetBytes("{ \"tradeId\": \"" + tradeId + "\" }\n"),
            CaptureOutcomeKind.Accepted, null, reply.Body);
        return new TradeDocument(tradeId, new TradeState(trade, status), [reply, tradeEvent], entry, [$"m-{tradeId}-1"], null);
    }

    /// <summary>An archive entry.</summary>
    public static CaptureArchiveEntry Entry(string inboundMessageId, CaptureOutcomeKind outcome) =>
        new(inboundMessageId, ReceivedAt, Encoding.UTF8.GetBytes("{\"tradeId\":\"T\"}"), outcome, null, "{\"outcome\":\"" + CaptureHandler.OutcomeName(outcome) + "\"}");

    /// <summary>An event message.</summary>
    public static OutboundMessage Message(string messageId) =>
        new(ServerlessBackOffice.Topology.Entities.TradeEvents.Name, messageId, "TradeCaptured", "corr-1",
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = "TradeCaptured" }, "{\"eventId\":\"" + messageId + "\"}");

    /// <summary>
    /// Asserts that a stored document holds exactly what was written: every field, decimals with their scale, instants with
    /// their offset and ticks, fee lines in order, outbox messages with their properties, archive bodies byte for byte.
    /// </summary>
    public static void AssertSameContent(TradeDocument expected, TradeDocument actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.Equal(expected.TradeId, actual.TradeId);
        Assert.Equal(Describe(expected.State), Describe(actual.State));
        Assert.Equal(expected.State.Trade.Terms, actual.State.Trade.Terms);
        Assert.Equal(expected.Outbox.Select(Describe), actual.Outbox.Select(Describe));
        Assert.Equal(expected.PendingArchive is null, actual.PendingArchive is null);
        if (expected.PendingArchive is { } entry)
        {
            AssertSameEntry(entry, actual.PendingArchive!);
        }

        Assert.Equal(expected.RecentInboundMessageIds, actual.RecentInboundMessageIds);
    }

    /// <summary>Asserts that two archive entries are the same, byte for byte and tick for tick.</summary>
    public static void AssertSameEntry(CaptureArchiveEntry expected, CaptureArchiveEntry actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.Equal(expected.InboundMessageId, actual.InboundMessageId);
        Assert.Equal(expected.ReceivedAt.ToString("O", CultureInfo.InvariantCulture), actual.ReceivedAt.ToString("O", CultureInfo.InvariantCulture));
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.ReasonCode, actual.ReasonCode);
        Assert.Equal(expected.ReplyBody, actual.ReplyBody);
    }

    private static string Describe(OutboundMessage m) =>
        string.Join("|", m.Destination, m.MessageId, m.Subject, m.CorrelationId ?? "(null)", m.Body,
            string.Join(",", m.ApplicationProperties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));

    // Decimals print with their scale ("18725.00" is not "18725"), instants in round-trip form with their offset.
    private static string Describe(TradeState state)
    {
        var trade = state.Trade;
        var t = trade.Terms;
        var e = trade.Economics;
        static string M(Money m) => string.Create(CultureInfo.InvariantCulture, $"{m.Amount} {m.Currency.Code}/{m.Currency.MinorUnits}");
        return string.Join("|",
            t.TradeId, t.Version, t.Action, t.ExecutedAt.ToString("O", CultureInfo.InvariantCulture), t.TradeDate, t.AccountId, t.Side, t.Isin, t.Mic,
            t.Quantity.ToString(CultureInfo.InvariantCulture), t.Price.ToString(CultureInfo.InvariantCulture), t.PriceType, t.Currency,
            t.CounterpartyLei, t.CommissionOverride?.ToString(CultureInfo.InvariantCulture) ?? "-", t.SettlementDateOverride?.ToString() ?? "-",
            trade.BookId, trade.CustodianLei, trade.AssetClass, trade.SettlementDate, M(e.Gross), M(e.Commission),
            string.Join(";", e.Fees.Select(f => f.Code + "=" + M(f.Amount) + "@" + f.Source)), M(e.AccruedInterest), M(e.Net), state.Status);
    }
}
