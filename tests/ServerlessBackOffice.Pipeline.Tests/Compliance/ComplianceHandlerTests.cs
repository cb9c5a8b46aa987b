using System.Text.Json;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;
using static ServerlessBackOffice.Pipeline.Contracts.Compliance.ComplianceEvents;

namespace ServerlessBackOffice.Pipeline.Tests.Compliance;

/// <summary>
/// The compliance stage end to end over in-memory adapters and the sample configuration: for each rule a breach, a near
/// miss and a redelivery; then the at-least-once properties (one alert per breach, no double counting, crash recovery).
/// </summary>
public sealed class ComplianceHandlerTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ComplianceKit _kit = new();

    private IReadOnlyList<ComplianceAlertRaised> Raised(string? rule = null) =>
        [.. _kit.Published.Published
            .Where(m => m.Subject == ComplianceAlertRaised.EventTypeName)
            .Select(m => JsonSerializer.Deserialize(m.Body, ComplianceJsonContext.Default.ComplianceAlertRaised)!)
            .Where(a => rule is null || a.Rule == rule)];

    private async Task AssertRedeliveryRaisesNothingNewAsync(TradeEventWire wire, TimeSpan? captureDelay = null)
    {
        var before = _kit.Published.Published.Count;
        var again = await _kit.HandleAsync(wire, captureDelay);
        Assert.Equal(ComplianceResult.Duplicate, again.Result);
        Assert.Equal(before, _kit.Published.Published.Count);
    }

    [Fact]
    public async Task RestrictedList_BreachNearMissAndRedelivery()
    {
        var breach = Event("T-1", isin: "US17275R1023"); // restricted from 20 November 2026
        var outcome = await _kit.HandleAsync(breach);
        var alert = Assert.Single(Raised("RestrictedList"));
        Assert.Equal([alert.AlertId], outcome.AlertIds);
        Assert.Equal("High", alert.Severity);

        Assert.Empty((await _kit.HandleAsync(Event("T-2", isin: "US5949181045"))).AlertIds); // not on the list
        await AssertRedeliveryRaisesNothingNewAsync(breach);
        Assert.Single(Raised("RestrictedList"));
    }

    [Fact]
    public async Task LargeTrade_BreachNearMissAndRedelivery()
    {
        Assert.Empty((await _kit.HandleAsync(Event("T-1", quantity: 50_000m))).AlertIds); // exactly 5,000,000: not over
        var breach = Event("T-2", quantity: 50_001m);
        var alert = Assert.Single((await _kit.HandleAsync(breach)).AlertIds);

        Assert.Equal("5000100.00", Assert.Single(Raised("LargeTrade")).Evidence["notional"]);
        await AssertRedeliveryRaisesNothingNewAsync(breach);
        Assert.Equal(alert, Assert.Single(Raised("LargeTrade")).AlertId);
    }

    [Fact]
    public async Task LargeTrade_InAForeignCurrency_IsValuedInTheBooksBaseCurrency()
    {
        // 4,700,000 EUR is over 5,000,000 USD at the reference EURUSD fixing (about 1.08).
        var eur = Event("T-1", quantity: 47_000m) with { Currency = "EUR" };
        await _kit.HandleAsync(eur);

        var alert = Assert.Single(Raised("LargeTrade"));
        Assert.True(decimal.Parse(alert.Evidence["notional"], System.Globalization.CultureInfo.InvariantCulture) > 5_000_000m);
    }

    [Fact]
    public async Task LateBooking_BreachNearMissAndRedelivery()
    {
        Assert.Empty((await _kit.HandleAsync(Event("T-1"), TimeSpan.FromMinutes(15))).AlertIds);
        var late = Event("T-2");
        Assert.Single((await _kit.HandleAsync(late, TimeSpan.FromMinutes(16))).AlertIds);

        await AssertRedeliveryRaisesNothingNewAsync(late, TimeSpan.FromMinutes(16));
        Assert.Single(Raised("LateBooking"));
    }

    [Fact]
    public async Task WashTrade_AcrossAccountsOfOneOwner_BreachNearMissAndRedelivery()
    {
        // ACC-US-001 and ACC-US-002 share a beneficial owner in the sample configuration.
        await _kit.HandleAsync(Event("T-1", account: "ACC-US-001", side: "buy", price: 100.00m));
        Assert.Empty((await _kit.HandleAsync(Event("T-2", account: "ACC-US-002", side: "sell", price: 100.60m, minutes: 10))).AlertIds); // 0.6% apart
        Assert.Empty((await _kit.HandleAsync(Event("T-3", account: "ACC-US-002", side: "sell", price: 100.00m, minutes: 31))).AlertIds); // 31 minutes apart
        var wash = Event("T-4", account: "ACC-US-002", side: "sell", price: 100.40m, minutes: 10);

        Assert.Empty(Raised("WashTrade"));
        var alert = Assert.Single((await _kit.HandleAsync(wash)).AlertIds);
        await AssertRedeliveryRaisesNothingNewAsync(wash);

        var raised = Assert.Single(Raised("WashTrade"));
        Assert.Equal(alert, raised.AlertId);
        Assert.Equal(["T-1", "T-4"], raised.TradeIds);
        Assert.Equal("OWNER-HARBOUR-CAPITAL", raised.BeneficialOwner);
    }

    [Fact]
    public async Task WashTrade_BetweenDifferentOwners_IsNoBreach()
    {
        await _kit.HandleAsync(Event("T-1", account: "ACC-US-001", side: "buy"));

        Assert.Empty((await _kit.HandleAsync(Event("T-2", account: "ACC-US-003", side: "sell", minutes: 5))).AlertIds);
    }

    [Fact]
    public async Task PositionLimit_BreachNearMissAndRedelivery()
    {
        // ACC-US-020's limit is 50,000 units.
        await _kit.HandleAsync(Event("T-1", account: "ACC-US-020", quantity: 30_000m));
        Assert.Empty((await _kit.HandleAsync(Event("T-2", account: "ACC-US-020", quantity: 20_000m, minutes: 1))).AlertIds); // exactly at the limit
        var over = Event("T-3", account: "ACC-US-020", quantity: 1m, minutes: 2);
        Assert.Single((await _kit.HandleAsync(over)).AlertIds);

        await AssertRedeliveryRaisesNothingNewAsync(over);
        var alert = Assert.Single(Raised("PositionLimit"));
        Assert.Equal("50001", alert.Evidence["after"]);
    }

    [Fact]
    public async Task PriceReasonability_BreachNearMissAndRedelivery()
    {
        // Closes 99/100/101: median 100, MAD 1, maximum score 8 → the band is 100 ± 11.86.
        Assert.Empty((await _kit.HandleAsync(Event("T-1", price: 111.80m))).AlertIds);
        var outlier = Event("T-2", price: 112m, minutes: 1);
        Assert.Single((await _kit.HandleAsync(outlier)).AlertIds);

        await AssertRedeliveryRaisesNothingNewAsync(outlier);
        Assert.Equal("100", Assert.Single(Raised("PriceReasonability")).Evidence["benchmark"]);
    }

    [Fact]
    public async Task Alert_IsStoredArchivedAndPublishedOnTradeEventsWithItsIdAsMessageId()
    {
        await _kit.HandleAsync(Event("T-1", quantity: 60_000m));

        var message = Assert.Single(_kit.Published.Published);
        var alert = JsonSerializer.Deserialize(message.Body, ComplianceJsonContext.Default.ComplianceAlertRaised)!;
        Assert.Equal(Entities.TradeEvents.Name, message.Destination);
        Assert.Equal(alert.AlertId, message.MessageId);
        Assert.Equal(ComplianceAlertRaised.EventTypeName, message.Subject);
        Assert.Equal(ComplianceAlertRaised.EventTypeName, message.ApplicationProperties[CaptureHandler.EventTypeProperty]);
        Assert.Equal("CORR-T-1", message.CorrelationId);
        Assert.Equal(message.Body, (await _kit.Store.GetAlertAsync(alert.AlertId, TestContext.Current.CancellationToken))!.ToJson());
        Assert.Equal(message.Body, await _kit.ArchivedAsync(Day, $"state/surveillance/{alert.AlertId}.json"));
        Assert.Empty((await _kit.Store.LoadWindowAsync("ACC-US-003", Isin, TestContext.Current.CancellationToken)).Document.Outbox);
    }

    [Fact]
    public async Task Amendment_ThatStillBreaches_RaisesNoSecondAlertAndMovesThePositionOnce()
    {
        await _kit.HandleAsync(Event("T-1", quantity: 60_000m));
        await _kit.HandleAsync(Event("T-1", version: 2, quantity: 70_000m));
        await _kit.HandleAsync(Event("T-1", version: 2, quantity: 70_000m), messageId: "another-delivery-of-v2");

        Assert.Single(Raised("LargeTrade"));
        var window = (await _kit.Store.LoadWindowAsync("ACC-US-003", Isin, TestContext.Current.CancellationToken)).Document.Window;
        Assert.Equal(70_000m, window.Position("ACC-US-003", null));
    }

    [Fact]
    public async Task Reordering_AnOlderVersionAfterANewer_IsStaleAndChangesNothing()
    {
        await _kit.HandleAsync(Event("T-1", version: 2, quantity: 300m));

        var stale = await _kit.HandleAsync(Event("T-1", version: 1, quantity: 100m));

        Assert.Equal(ComplianceResult.Stale, stale.Result);
        var window = (await _kit.Store.LoadWindowAsync("ACC-US-003", Isin, TestContext.Current.CancellationToken)).Document.Window;
        Assert.Equal(300m, window.Position("ACC-US-003", null));
        var record = await _kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, "T-1:1:TradeCaptured"));
        Assert.Contains("\"outcome\":\"stale\"", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATradeWithoutAlerts_CostsOneWindowWrite_AndNoRead()
    {
        var store = (InMemoryComplianceStore)_kit.Store;

        for (var i = 1; i <= 10; i++)
        {
            await _kit.HandleAsync(Event($"T-{i}", minutes: i));
        }

        // The first trade creates the window; each later one starts from the window this handler wrote.
        Assert.Equal((10, 0), (store.WindowWrites, store.WindowLoads));
        Assert.Empty(_kit.Published.Published);
    }

    [Fact]
    public async Task TwoInstancesOnOneWindow_EachWriteThatGuessedWrong_ReadsAndLosesNoTrade()
    {
        var store = new InMemoryComplianceStore();
        var first = new ComplianceKit(store);
        var second = new ComplianceKit(store);

        Assert.Equal(ComplianceResult.Evaluated, (await first.HandleAsync(Event("T-1", minutes: 1))).Result);
        Assert.Equal(ComplianceResult.Evaluated, (await second.HandleAsync(Event("T-2", minutes: 2))).Result); // its create fails: read
        Assert.Equal(ComplianceResult.Evaluated, (await first.HandleAsync(Event("T-3", minutes: 3))).Result); // its ETag is old: read
        Assert.Equal(ComplianceResult.Duplicate, (await second.HandleAsync(Event("T-1", minutes: 1))).Result); // decided from the stored window
        Assert.Equal((3, 3), (store.WindowWrites, store.WindowLoads));

        var window = (await store.LoadWindowAsync("ACC-US-003", ComplianceEvents.Isin, TestContext.Current.CancellationToken)).Document.Window;
        Assert.Equal([1, 1, 1], new[] { "T-1", "T-2", "T-3" }.Select(t => window.AppliedVersion(t) ?? 0));
    }

    [Fact]
    public async Task Redelivery_ArchivesTheInboundMessageOnceWithItsFirstOutcome()
    {
        var wire = Event("T-1", quantity: 60_000m);
        var first = await _kit.HandleAsync(wire);
        await _kit.HandleAsync(wire);

        var record = await _kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, wire.EventId));
        using var json = JsonDocument.Parse(record!);
        Assert.Equal("evaluated", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(first.AlertIds, json.RootElement.GetProperty("alertIds").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("T-1", json.RootElement.GetProperty("body").GetProperty("tradeId").GetString());
    }

    [Fact]
    public async Task ARedeliveryAfterTheWindowForgotTheMessage_IsADuplicate_AndNoArchiveAlert()
    {
        var logger = new ListLogger();
        var kit = new ComplianceKit(logger: logger);
        var first = Event("T-0");
        Assert.Equal(ComplianceResult.Evaluated, (await kit.HandleAsync(first)).Result);
        for (var i = 1; i <= ComplianceWindowDocument.RecentInboundLimit + 1; i++)
        {
            await kit.HandleAsync(Event($"T-{i}"));
        }

        var again = await kit.HandleAsync(first);

        Assert.Equal(ComplianceResult.Duplicate, again.Result);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains(logger.Entries, e => e.Message.Contains("delivered again", StringComparison.Ordinal) && e.Message.Contains(first.EventId, StringComparison.Ordinal));
        var record = await kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, first.EventId));
        using var json = JsonDocument.Parse(record!);
        Assert.Equal("evaluated", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task AnotherBodyUnderAnArchivedMessageId_IsAnArchiveAlert()
    {
        var logger = new ListLogger();
        var kit = new ComplianceKit(logger: logger);
        await kit.HandleAsync(Event("T-1"), messageId: "M-1");

        await kit.HandleAsync(Event("T-2"), messageId: "M-1");

        var error = Assert.Single(logger.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains("A different record is already archived for M-1", error.Message, StringComparison.Ordinal);
        var record = await kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, "M-1"));
        using var json = JsonDocument.Parse(record!);
        Assert.Equal("T-1", json.RootElement.GetProperty("body").GetProperty("tradeId").GetString());
    }

    [Fact]
    public async Task AnEventPublishedAgainWithAnotherEnqueueTime_IsADuplicate_AndWritesNoSecondRecord()
    {
        // Capture publishes a trade's last outbox again when it next touches the trade (decision 0065); beyond the topic's
        // duplicate detection the same event arrives again with another enqueue time, which is part of the inbound record.
        var archive = new ConflictCountingArchive();
        var logger = new ListLogger();
        var kit = new ComplianceKit();
        var handler = new ComplianceHandler(kit.Store, archive, kit.Publisher,
            new ServerlessBackOffice.Pipeline.InMemory.InMemoryReferenceDataSource(ServerlessBackOffice.Pipeline.ReferenceData.ReferenceDataJson.LoadEmbedded()),
            new ServerlessBackOffice.Pipeline.Risk.FixedPriceHistorySource(ComplianceKit.Prices), SampleComplianceConfiguration.Load(), kit.Clock, logger);
        var wire = Event("T-1");

        var first = await handler.HandleAsync(Inbound(wire), TestContext.Current.CancellationToken);
        var again = await handler.HandleAsync(Inbound(wire, TimeSpan.FromMinutes(12)), TestContext.Current.CancellationToken);

        Assert.Equal((ComplianceResult.Evaluated, ComplianceResult.Duplicate), (first.Result, again.Result));
        Assert.Equal(0, archive.Conflicts);
        Assert.Equal(1, archive.Writes);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    /// <summary>An in-memory archive that counts writes and the writes it refused as conflicts.</summary>
    private sealed class ConflictCountingArchive : IArchiveStore
    {
        private readonly InMemoryArchiveStore _inner = new();
        private int _writes;
        private int _conflicts;

        public int Writes => Volatile.Read(ref _writes);

        public int Conflicts => Volatile.Read(ref _conflicts);

        public async Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
        {
            var result = await _inner.WriteAsync(record, cancellationToken);
            if (record.Name.StartsWith("inbound/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _writes);
            }

            if (result == ArchiveWriteResult.Conflict)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return result;
        }

        public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) => _inner.ListAsync(businessDate, cancellationToken);

        public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken) => _inner.OpenAsync(businessDate, name, cancellationToken);

        public Task<bool> WriteSealAsync(ServerlessBackOffice.Domain.Archive.SealedDay seal, CancellationToken cancellationToken) => _inner.WriteSealAsync(seal, cancellationToken);

        public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken) => _inner.ReadSealAsync(businessDate, cancellationToken);

        public IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken) => _inner.DaysAsync(cancellationToken);
    }

    /// <summary>Keeps what the handler logs.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<ComplianceHandler>
    {
        public System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }

    [Fact]
    public async Task CrashBetweenTheWindowWriteAndThePublication_TheRedeliveryPublishesEachAlertOnce()
    {
        var failing = new FailingOncePublisher();
        var kit = new ComplianceKit(publisher: failing);
        var wire = Event("T-1", quantity: 60_000m, isin: "US17275R1023"); // large and restricted: two alerts

        await Assert.ThrowsAsync<TimeoutException>(() => kit.HandleAsync(wire));
        var window = (await kit.Store.LoadWindowAsync("ACC-US-003", "US17275R1023", TestContext.Current.CancellationToken)).Document;
        Assert.Equal(2, window.Outbox.Count);

        var again = await kit.HandleAsync(wire);

        Assert.Equal(ComplianceResult.Duplicate, again.Result);
        Assert.Equal(2, failing.Delivered.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(2, ((InMemoryComplianceStore)kit.Store).Alerts.Count);
        Assert.Empty((await kit.Store.LoadWindowAsync("ACC-US-003", "US17275R1023", TestContext.Current.CancellationToken)).Document.Outbox);
        Assert.NotNull(await kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, wire.EventId)));
    }

    [Fact]
    public async Task AMalformedEvent_IsDeadLetteredWithAReasonAndArchived()
    {
        var inbound = new ComplianceInbound("M-BAD", null, "{\"not\":\"an event\""u8.ToArray(), Executed);

        var outcome = await _kit.Handler.HandleAsync(inbound, TestContext.Current.CancellationToken);

        Assert.Equal(ComplianceResult.DeadLettered, outcome.Result);
        Assert.Equal("MalformedEvent", outcome.Reason);
        var record = await _kit.ArchivedAsync(Day, ArchiveRecordNames.Inbound(ComplianceHandler.InboundEntity, "M-BAD"));
        Assert.Contains("\"reason\":\"MalformedEvent\"", record, StringComparison.Ordinal);
        Assert.Contains("\"bodyText\"", record, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownBook_IsDeadLettered()
    {
        var outcome = await _kit.HandleAsync(Event() with { BookId = "NOWHERE" });

        Assert.Equal(("UnknownBook", ComplianceResult.DeadLettered), (outcome.Reason, outcome.Result));
    }

    [Fact]
    public async Task ACancel_IsIgnoredAndCompleted()
    {
        var outcome = await _kit.HandleAsync(Event(version: 2, eventType: "TradeCancelled", status: "Cancelled"));

        Assert.Equal(ComplianceResult.Ignored, outcome.Result);
        Assert.Empty(_kit.Published.Published);
    }

    [Fact]
    public void SampleConfiguration_IsTheShippedRulesFile()
    {
        var file = File.ReadAllText(RepositoryRoot.Combine("data", "compliance", "rules.json")).ReplaceLineEndings("\n").TrimEnd();

        Assert.Equal(file, SampleComplianceConfiguration.Json.ReplaceLineEndings("\n").TrimEnd());
        var configuration = ComplianceConfiguration.Load(RepositoryRoot.Combine("data", "compliance", "rules.json"));
        Assert.Equal(ComplianceConfiguration.Catalog.Keys.Order(StringComparer.Ordinal), configuration.Rules.InForce(Day).Select(r => r.Name));
    }

    [Fact]
    public void Configuration_WithAnUnknownRule_IsRefusedNamingIt()
    {
        using var json = new MemoryStream("""{"rules":[{"rule":"Astrology","effectiveFrom":"2026-01-01"}]}"""u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => ComplianceConfiguration.Parse(json));

        Assert.Contains("Astrology", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleBook_UsesTheLatestEntryOfEachRuleInForce()
    {
        var configuration = SampleComplianceConfiguration.Load();
        var trade = new Domain.Compliance.SurveillanceTrade("T-1", 1, "NY-CASH", "ACC-US-003", "ACC-US-003", "US17275R1023", true, 1m, 1m, "USD", 1m, Executed, Executed, new DateOnly(2026, 11, 19));
        var before = configuration.Rules.InForce(new DateOnly(2026, 11, 19)).Single(r => r.Name == "RestrictedList");
        var after = configuration.Rules.InForce(Day).Single(r => r.Name == "RestrictedList");

        Assert.Empty(before.Evaluate(trade, Domain.Compliance.SurveillanceWindow.Empty("o", "i").ContextFor(trade, [], null)));
        Assert.Single(after.Evaluate(trade with { TradeDate = Day }, Domain.Compliance.SurveillanceWindow.Empty("o", "i").ContextFor(trade, [], null)));
    }

    private sealed class FailingOncePublisher : IMessagePublisher
    {
        private int _calls;

        public List<OutboundMessage> Delivered { get; } = [];

        public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new TimeoutException("Service Bus timed out");
            }

            Delivered.Add(message);
            return Task.CompletedTask;
        }
    }
}
