using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Azure.Archive;
using ServerlessBackOffice.Azure.Capture;
using ServerlessBackOffice.Azure.Compliance;
using ServerlessBackOffice.Azure.Messaging;
using ServerlessBackOffice.Azure.Reconciliation;
using ServerlessBackOffice.Azure.Settlement;
using ServerlessBackOffice.Cli.LocalHost;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Functions.Settlement;
using ServerlessBackOffice.LocalStandIns;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using ServerlessBackOffice.Pipeline.ReferenceData;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.Tests.Settlement;

/// <summary>
/// The settlement functions (and the compliance and statement functions) hosted locally on the Service Bus emulator, the
/// Cosmos stand-in and Azurite, with the real SDK clients and the stages' own Cosmos stores: an affirmed trade is instructed
/// (settlement-instruction-v1 JSON with its sese.023 XML on the custodian's filtered subscription), a duplicated affirmation
/// instructs nothing more, custodian statuses drive the instruction to settled and publish what the ledger needs, duplicate
/// and stale statuses are ignored, bad messages are dead-lettered with their reason, a status of an unknown instruction is
/// retried and then dead-lettered, and the netting run nets a netting counterparty's trades into one instruction. Every
/// message's settlement is checked on the emulator.
/// </summary>
public sealed class SettlementFunctionsOnStandInsTests
{
    /// <summary>Deutsche Bank AG: no netting agreement (gross).</summary>
    private const string Gross = "7LTWFZYICNSX8D621K86";

    /// <summary>Goldman Sachs International: a netting agreement.</summary>
    private const string Nets = "W22LROWP2IHZNBB6K528";

    /// <summary>State Street, ACC-US-004's custodian.</summary>
    private const string StateStreet = "571474TGEMMWANRLN572";

    private const string Account = "ACC-US-004";
    private const string Apple = "US0378331005";
    private static readonly XNamespace Sese = Sese023.Namespace;

    private readonly CapturingLogger _hostLog = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SettlementFunctions_HostedLocally_InstructSettleNetAndSettleEveryMessage()
    {
        await using var stage = await HostedStage.StartAsync(_hostLog, ["settlement-instruct", "settlement-custodian-status"]);
        var (client, services, host, emulator) = (stage.Client, stage.Services, stage.Host, stage.StandIns.ServiceBus!);
        var store = services.GetRequiredService<ISettlementStore>();
        await stage.CaptureAsync("T-G1", Gross, "buy", "100");
        await stage.CaptureAsync("T-N1", Nets, "buy", "100");
        await stage.CaptureAsync("T-N2", Nets, "sell", "40");
        await using var events = client.CreateSender(Entities.TradeEvents.Name);
        await using var statuses = client.CreateSender(Entities.CustodianStatusInbound.Name);
        await using var custodian = client.CreateReceiver(Entities.CustodianOutbound.Name, Entities.CustodianOutbound.Subscription("custodian-state-street").Name);
        var settlementSubscription = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Settlement.Name}";

        // An affirmed gross trade, the same affirmation again under another message id (a resend), and a broken one.
        await events.SendMessageAsync(Affirmed("T-G1", Gross, "AFF-MSG-G1"), Ct);
        await events.SendMessageAsync(Affirmed("T-G1", Gross, "AFF-MSG-G1-copy"), Ct);
        await events.SendMessageAsync(TradeEvent("{\"eventType\":\"TradeAffirmed\",\"tradeId\":7}", "TradeAffirmed", "AFF-MSG-BAD"), Ct);

        var instructed = await custodian.ReceiveMessageAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(instructed is not null, Log("no instruction reached the custodian's subscription"));
        await custodian.CompleteMessageAsync(instructed, Ct);
        var wire = JsonSerializer.Deserialize(instructed.Body.ToMemory().Span, SettlementJsonContext.Default.SettlementInstructionWire)!;
        Assert.Equal(StateStreet, instructed.ApplicationProperties[SettlementRules.CustodianLeiProperty]);
        Assert.Equal(wire.InstructionId, instructed.MessageId);
        Assert.Equal((SettlementInstructionWire.InstructionKind, Gross, Account, Apple, "RECE", "APMT", "100", "DBIT", "USD", false), (wire.Kind, wire.CounterpartyLei, wire.Account, wire.Isin, wire.Movement, wire.Payment, wire.Quantity, wire.CreditDebit, wire.Currency, wire.Netted));
        Assert.Equal(["T-G1"], wire.TradeIds);
        var sese = XDocument.Parse(wire.Sese023!).Root!.Element(Sese + "SctiesSttlmTxInstr")!;
        Assert.Equal(wire.InstructionId, sese.Element(Sese + "TxId")!.Value);
        Assert.Equal(Apple, sese.Element(Sese + "FinInstrmId")!.Element(Sese + "ISIN")!.Value);
        Assert.Equal("100", sese.Element(Sese + "QtyAndAcctDtls")!.Element(Sese + "SttlmQty")!.Element(Sese + "Qty")!.Element(Sese + "Unit")!.Value);
        Assert.Equal(wire.SettlementAmount, sese.Element(Sese + "SttlmAmt")!.Element(Sese + "Amt")!.Value);

        // Every trade event settled: the two affirmations completed (one instruction), the broken one dead-lettered with its reason.
        await WaitUntilAsync(() => Task.FromResult(emulator.GetCounts(settlementSubscription) is { Active: 0, DeadLettered: 1 } && host.InFlight == 0), "the settlement subscription drained");
        await using (var dead = client.CreateReceiver(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Settlement.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }))
        {
            var deadLettered = await dead.ReceiveMessageAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.NotNull(deadLettered);
            Assert.Equal(("AFF-MSG-BAD", SettlementInstructionHandler.MalformedEventReason), (deadLettered.MessageId, deadLettered.DeadLetterReason));
            Assert.False(string.IsNullOrWhiteSpace(deadLettered.DeadLetterErrorDescription));
        }

        Assert.Null(await custodian.ReceiveMessageAsync(TimeSpan.FromSeconds(2), Ct));
        Assert.Equal((TradeSettlementStatus.Instructed, wire.InstructionId), ((await store.GetTradeAsync("T-G1", Ct))!.Status, (await store.GetTradeAsync("T-G1", Ct))!.InstructionId));

        // The custodian's statuses, one at a time: matched, partially settled, the matched status again under another message
        // id, a stale unmatched reported before the others, settled; then a broken status and one for an unknown instruction.
        var cash = decimal.Parse(wire.SettlementAmount, CultureInfo.InvariantCulture);
        async Task ReportAsync(string messageId, string body, SettlementStatus expected)
        {
            await statuses.SendMessageAsync(new ServiceBusMessage(Encoding.UTF8.GetBytes(body)) { MessageId = messageId }, Ct);
            await WaitUntilAsync(
                async () => (await store.GetInstructionAsync(wire.InstructionId, Ct))?.Lifecycle.Status == expected
                    && emulator.GetCounts(Entities.CustodianStatusInbound.Name).Active == 0 && host.InFlight == 0,
                $"status {messageId} applied");
        }

        await ReportAsync("ST-1", Status(wire.InstructionId, "S-1", "Matched", 1), SettlementStatus.Matched);
        await ReportAsync("ST-2", Status(wire.InstructionId, "S-2", "PartiallySettled", 2, "40", Text(Math.Round(cash * 0.4m, 2))), SettlementStatus.PartiallySettled);
        await ReportAsync("ST-1-copy", Status(wire.InstructionId, "S-1", "Matched", 1), SettlementStatus.PartiallySettled);
        await ReportAsync("ST-0", Status(wire.InstructionId, "S-0", "Unmatched", 0, reason: "NMAT"), SettlementStatus.PartiallySettled);
        await ReportAsync("ST-3", Status(wire.InstructionId, "S-3", "Settled", 3, "100", wire.SettlementAmount), SettlementStatus.Settled);
        await statuses.SendMessageAsync(new ServiceBusMessage("{\"schemaVersion\":1,\"statusId\":"u8.ToArray()) { MessageId = "ST-BAD" }, Ct);
        await statuses.SendMessageAsync(new ServiceBusMessage(Encoding.UTF8.GetBytes(Status("SI-NEVER-ISSUED", "S-9", "Matched", 4))) { MessageId = "ST-UNKNOWN" }, Ct);
        await WaitUntilAsync(() => Task.FromResult(emulator.GetCounts(Entities.CustodianStatusInbound.Name) is { Active: 0, DeadLettered: 2 } && host.InFlight == 0), "the custodian status queue drained");

        var settled = (await store.GetInstructionAsync(wire.InstructionId, Ct))!;
        Assert.Equal(
            ["S-1:Applied", "S-2:Applied", "S-0:Stale", "S-3:Applied"],
            settled.Lifecycle.History.Select(h => $"{h.Report.StatusId}:{h.Disposition}"));
        Assert.Equal((100m, cash), (settled.Lifecycle.SettledQuantity, settled.Lifecycle.SettledCash));
        await using (var dead = client.CreateReceiver(Entities.CustodianStatusInbound.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }))
        {
            var deadLettered = new Dictionary<string, ServiceBusReceivedMessage>(StringComparer.Ordinal);
            while (deadLettered.Count < 2 && await dead.ReceiveMessageAsync(TimeSpan.FromSeconds(30), Ct) is { } message)
            {
                deadLettered[message.MessageId] = message;
            }

            Assert.Equal(CustodianStatusHandler.MalformedStatusReason, deadLettered["ST-BAD"].DeadLetterReason);
            Assert.Equal(CustodianStatusHandler.UnknownInstructionReason, deadLettered["ST-UNKNOWN"].DeadLetterReason);
            Assert.Contains("SI-NEVER-ISSUED", deadLettered["ST-UNKNOWN"].DeadLetterErrorDescription, StringComparison.Ordinal);
        }

        // The unknown instruction's status was given back to Service Bus until its fifth delivery: four failed invocations.
        Assert.True(host.Failures == CustodianStatusHandler.UnknownInstructionDeliveries - 1, Log($"{host.Failures} failed invocations"));

        // The ledger's subscription received what it needs: the partial settlement and the settlement, once each.
        await using var ledger = client.CreateReceiver(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Ledger.Name);
        Assert.Equal(["T-G1:S-2:TradePartiallySettled", "T-G1:S-3:TradeSettled"], await DrainAsync(ledger));

        // The netting run at the cut-off nets the netting counterparty's two affirmed trades into one instruction.
        await events.SendMessageAsync(Affirmed("T-N1", Nets, "AFF-MSG-N1"), Ct);
        await events.SendMessageAsync(Affirmed("T-N2", Nets, "AFF-MSG-N2"), Ct);
        await WaitUntilAsync(
            async () => (await store.GetTradeAsync("T-N1", Ct))?.Status == TradeSettlementStatus.AwaitingNetting
                && (await store.GetTradeAsync("T-N2", Ct))?.Status == TradeSettlementStatus.AwaitingNetting,
            "the netting counterparty's trades await netting");
        Assert.Null(await custodian.ReceiveMessageAsync(TimeSpan.FromSeconds(1), Ct));
        var netting = new NettingRunFunction(services.GetRequiredService<SettlementInstructionHandler>(), TimeProvider.System);
        await netting.RunAsync(new TimerInfo(), Ct);
        await netting.RunAsync(new TimerInfo(), Ct);

        var netted = await custodian.ReceiveMessageAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.NotNull(netted);
        await custodian.CompleteMessageAsync(netted, Ct);
        var nettedWire = JsonSerializer.Deserialize(netted.Body.ToMemory().Span, SettlementJsonContext.Default.SettlementInstructionWire)!;
        Assert.Equal((true, "RECE", "60", Nets), (nettedWire.Netted, nettedWire.Movement, nettedWire.Quantity, nettedWire.CounterpartyLei));
        Assert.Equal(["T-N1", "T-N2"], nettedWire.TradeIds);
        Assert.Null(await custodian.ReceiveMessageAsync(TimeSpan.FromSeconds(2), Ct));
        Assert.Equal(nettedWire.InstructionId, (await store.GetTradeAsync("T-N1", Ct))!.InstructionId);
        Assert.Equal(nettedWire.InstructionId, (await store.GetTradeAsync("T-N2", Ct))!.InstructionId);
        // Published once by the run that issued it; the outbox stays until the custodian's first status (decision 0066).
        Assert.Equal(1, (await store.GetInstructionAsync(nettedWire.InstructionId, Ct))!.NettingRun);
        Assert.Equal(2, (await store.GetNettingRunMarkerAsync(Ct))!.CompletedRuns);
        Assert.Equal(0, emulator.GetCounts(settlementSubscription).Active);

        // Every instruction and settlement event was archived as it was published.
        var day = ArchiveRecordNames.DayOf(TimeProvider.System.GetUtcNow());
        foreach (var name in new[]
        {
            ArchiveRecordNames.Outbound(Entities.CustodianOutbound.Name, wire.InstructionId),
            ArchiveRecordNames.Outbound(Entities.CustodianOutbound.Name, nettedWire.InstructionId),
            ArchiveRecordNames.Outbound(Entities.TradeEvents.Name, "T-G1:S-3:TradeSettled"),
        })
        {
            await using var record = await stage.Archive.OpenAsync(day, name, Ct);
            Assert.True(record is not null, $"{name} is not archived");
        }
    }

    [Fact]
    public async Task ComplianceAndStatementFunctions_HostedLocally_EvaluateReconcileAndSettleEveryMessage()
    {
        await using var stage = await HostedStage.StartAsync(_hostLog, ["compliance-surveillance", "reconcile-holdings", "reconcile-cash"]);
        var (client, services, emulator) = (stage.Client, stage.Services, stage.StandIns.ServiceBus!);
        var complianceSubscription = $"{Entities.TradeEvents.Name}/Subscriptions/{Entities.TradeEventSubscriptions.Compliance.Name}";
        await using var events = client.CreateSender(Entities.TradeEvents.Name);
        await using var holdings = client.CreateSender(Entities.HoldingsStatementsInbound.Name);
        await using var cashStatements = client.CreateSender(Entities.CashStatementsInbound.Name);

        // A trade in an instrument on the restricted list, and a trade event that is not JSON.
        var restricted = new TradeEventWire(
            "T-R1:1:TradeCaptured", "TradeCaptured", "T-R1", 1, "Live", "NY-CASH", "ACC-US-003", "buy", "US17275R1023", "Equity", "XNAS",
            "100", "50", "perUnit", "USD", Nets, "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z", "2026-11-24", "2026-11-25",
            "5000.00", "0.00", [], "0", "5000.00", "HalfAwayFromZeroToMinorUnits", "CORR-T-R1");
        await events.SendMessageAsync(TradeEvent(JsonSerializer.Serialize(restricted, CaptureJsonContext.Default.TradeEventWire), restricted.EventType, restricted.EventId), Ct);
        await events.SendMessageAsync(TradeEvent("not json", "TradeCaptured", "T-BAD:1:TradeCaptured"), Ct);

        // A holdings statement our (empty) books disagree with, a cash statement, and a broken statement.
        await holdings.SendMessageAsync(new ServiceBusMessage(StatementSimulator.ToJson(new HoldingsStatementWire(1, "S-1", StateStreet, Account, "2026-11-24", [new HoldingsStatementLineWire(Apple, "100")]))) { MessageId = "HOLD-1" }, Ct);
        await cashStatements.SendMessageAsync(new ServiceBusMessage(StatementSimulator.ToJson(new CashStatementWire(1, "C-1", StateStreet, Account, "2026-11-24", [new CashStatementLineWire("USD", "-100.00")]))) { MessageId = "CASH-1" }, Ct);
        await holdings.SendMessageAsync(new ServiceBusMessage("{\"schemaVersion\":1"u8.ToArray()) { MessageId = "HOLD-BAD" }, Ct);

        await WaitUntilAsync(
            () => Task.FromResult(emulator.GetCounts(complianceSubscription) is { Active: 0, DeadLettered: 1 }
                && emulator.GetCounts(Entities.HoldingsStatementsInbound.Name) is { Active: 0, DeadLettered: 1 }
                && emulator.GetCounts(Entities.CashStatementsInbound.Name) is { Active: 0, DeadLettered: 0 }
                && stage.Host.InFlight == 0),
            "the compliance subscription and the statement queues drained");
        Assert.True(stage.Host.Failures == 0, Log($"{stage.Host.Failures} failed invocations"));

        await using (var dead = client.CreateReceiver(Entities.TradeEvents.Name, Entities.TradeEventSubscriptions.Compliance.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }))
        {
            var deadLettered = await dead.ReceiveMessageAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.NotNull(deadLettered);
            Assert.Equal(("T-BAD:1:TradeCaptured", "MalformedEvent"), (deadLettered.MessageId, deadLettered.DeadLetterReason));
            Assert.False(string.IsNullOrWhiteSpace(deadLettered.DeadLetterErrorDescription));
        }

        await using (var dead = client.CreateReceiver(Entities.HoldingsStatementsInbound.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }))
        {
            var deadLettered = await dead.ReceiveMessageAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.NotNull(deadLettered);
            Assert.Equal(("HOLD-BAD", StatementParser.MalformedReason), (deadLettered.MessageId, deadLettered.DeadLetterReason));
        }

        // The alert is stored in Cosmos, archived as a state record and published (archived as it left).
        var day = ArchiveRecordNames.DayOf(TimeProvider.System.GetUtcNow());
        var alerts = new List<ComplianceAlertRaised>();
        await foreach (var record in stage.Archive.ListAsync(day, Ct))
        {
            if (record.Name.StartsWith("state/surveillance/", StringComparison.Ordinal))
            {
                await using var stream = (await stage.Archive.OpenAsync(day, record.Name, Ct))!;
                alerts.Add((await JsonSerializer.DeserializeAsync(stream, ComplianceJsonContext.Default.ComplianceAlertRaised, Ct))!);
            }
        }

        var alert = Assert.Single(alerts, a => a.Rule == "RestrictedList");
        Assert.Equal(["T-R1"], alert.TradeIds);
        Assert.NotNull(await services.GetRequiredService<IComplianceStore>().GetAlertAsync(alert.AlertId, Ct));
        await using (var published = await stage.Archive.OpenAsync(day, ArchiveRecordNames.Outbound(Entities.TradeEvents.Name, alert.AlertId), Ct))
        {
            Assert.NotNull(published);
        }

        // The statements were compared with the ledger in Cosmos: breaks opened and their change records archived.
        var reconciliation = services.GetRequiredService<IReconciliationStore>();
        var securities = (await reconciliation.GetAsync(Account, HoldingKind.Securities, Ct))!;
        Assert.Equal(["S-1"], securities.AppliedStatementIds);
        Assert.Equal(BreakType.MissingInOurBooks, Assert.Single(securities.OpenBreaks).Latest.Type);
        var cashBreak = Assert.Single((await reconciliation.GetAsync(Account, HoldingKind.Cash, Ct))!.OpenBreaks);
        Assert.Equal(("USD", BreakType.MissingInOurBooks), (cashBreak.Latest.Asset, cashBreak.Latest.Type));
        await using (var change = await stage.Archive.OpenAsync(day, ReconciliationHandler.ChangeRecordName(Account, HoldingKind.Securities, "S-1"), Ct))
        {
            Assert.NotNull(change);
        }
    }

    private static ServiceBusMessage Affirmed(string tradeId, string counterparty, string messageId)
    {
        var wire = new TradeAffirmedWire($"{tradeId}:1:TradeAffirmed", "TradeAffirmed", tradeId, 1, counterparty, "AFF-" + tradeId, "2026-11-24T21:00:00Z", "corr-" + tradeId);
        return TradeEvent(JsonSerializer.Serialize(wire, ConfirmationJsonContext.Default.TradeAffirmedWire), wire.EventType, messageId, wire.CorrelationId);
    }

    private static ServiceBusMessage TradeEvent(string body, string eventType, string messageId, string? correlationId = null) =>
        new(Encoding.UTF8.GetBytes(body))
        {
            MessageId = messageId,
            CorrelationId = correlationId,
            Subject = eventType,
            ApplicationProperties = { [CaptureHandler.EventTypeProperty] = eventType },
        };

    private static string Status(string instructionId, string statusId, string status, int minute, string? quantity = null, string? cash = null, string? reason = null) =>
        JsonSerializer.Serialize(
            new CustodianStatusWire(1, statusId, instructionId, status, $"2026-11-25T10:{minute:00}:00Z", quantity, cash, reason),
            SettlementJsonContext.Default.CustodianStatusWire);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Receives and completes everything a subscription holds, returning the message ids in order.</summary>
    private static async Task<List<string>> DrainAsync(ServiceBusReceiver receiver)
    {
        var ids = new List<string>();
        while (await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(2), Ct) is { } message)
        {
            ids.Add(message.MessageId);
            await receiver.CompleteMessageAsync(message, Ct);
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, Log($"timed out waiting until {what}"));
            await Task.Delay(100, Ct);
        }
    }

    private string Log(string what) => $"{what}; host log:{Environment.NewLine}{string.Join(Environment.NewLine, _hostLog.Lines)}";

    /// <summary>The stand-ins, the stages registered as the function app registers them (over a fresh database and archive), and the local host.</summary>
    private sealed class HostedStage : IAsyncDisposable
    {
        private HostedStage(LocalStandIns.LocalStandIns standIns, ServiceBusClient client, ServiceProvider services, LocalFunctionHost host, IArchiveStore archive)
        {
            (StandIns, Client, Services, Host, Archive) = (standIns, client, services, host, archive);
        }

        public LocalStandIns.LocalStandIns StandIns { get; }

        public ServiceBusClient Client { get; }

        public ServiceProvider Services { get; }

        public LocalFunctionHost Host { get; }

        public IArchiveStore Archive { get; }

        public static async Task<HostedStage> StartAsync(ILogger<LocalFunctionHost> hostLog, string[] functionNames)
        {
            var standIns = await LocalStandIns.LocalStandIns.StartAsync(new LocalStandInsOptions(), NullLogger.Instance, Ct);
            var database = $"settle-{Guid.NewGuid():N}";
            using (var cosmos = standIns.CreateCosmosClient())
            {
                await StandInProvisioning.ProvisionCosmosAsync(cosmos, TopologyDocument.Default, database, Ct);
            }

            var container = standIns.CreateBlobServiceClient().GetBlobContainerClient($"archive-{Guid.NewGuid():N}");
            await container.CreateIfNotExistsAsync(cancellationToken: Ct);
            var settings = TopologyDocument.Default.AppSettings().ToDictionary(s => s.AppSetting, s => s.Name);
            settings[BackOfficeServices.CosmosConnectionSetting] = standIns.CosmosConnectionString;
            settings[Entities.CosmosDatabase.AppSetting] = database;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings!).Build();
            var client = new ServiceBusClient(standIns.ServiceBusConnectionString);
            var services = new ServiceCollection()
                .AddLogging()
                .AddSingleton(TimeProvider.System)
                .AddSingleton<IArchiveStore>(sp => new BlobArchiveStore(container, sp.GetRequiredService<ILogger<BlobArchiveStore>>()))
                .AddSingleton<IMessagePublisher>(sp => new ArchivingMessagePublisher(new ServiceBusMessagePublisher(client), sp.GetRequiredService<IArchiveStore>(), TimeProvider.System))
                .AddSingleton<IReferenceDataSource>(new InMemoryReferenceDataSource(ReferenceDataJson.LoadEmbedded()))
                .AddCaptureStage(configuration)
                .AddSettlementStage(configuration)
                .AddComplianceStage(configuration)
                .AddReconciliationStage(configuration)
                .BuildServiceProvider();
            var functions = ServiceBusFunction.Discover(typeof(ServerlessBackOffice.Functions.HealthFunction).Assembly).Where(f => functionNames.Contains(f.Name)).ToList();
            Assert.Equal(functionNames.Length, functions.Count);
            var host = new LocalFunctionHost(client, services, settings, HostJsonSettings.Defaults, hostLog);
            await host.StartAsync(functions, Ct);
            return new HostedStage(standIns, client, services, host, services.GetRequiredService<IArchiveStore>());
        }

        /// <summary>
        /// Captures a trade into capture's own Cosmos store (what the instruction handler reads when a trade is affirmed), with
        /// capture's clock on the trade date.
        /// </summary>
        public async Task CaptureAsync(string tradeId, string counterparty, string side, string quantity)
        {
            var capture = new CaptureHandler(
                Services.GetRequiredService<ITradeStore>(), Services.GetRequiredService<IReferenceDataSource>(), new InMemoryMessagePublisher(), new InMemoryCaptureArchive(),
                new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 21, 0, 0, TimeSpan.Zero)), CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);
            var message = new OmsTradeMessage("1", tradeId, 1, "new", "2026-11-24T15:30:00.000Z", "2026-11-24", Account, side, Apple, "XNAS", quantity, "187.25", "perUnit", "USD", counterparty, null, null, "corr-" + tradeId);
            await capture.HandleAsync(new InboundMessage($"OMS-{tradeId}", JsonSerializer.SerializeToUtf8Bytes(message, CaptureJsonContext.Default.OmsTradeMessage), 1), Ct);
            Assert.NotNull(await Services.GetRequiredService<ITradeStore>().GetAsync(tradeId, Ct));
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Client.DisposeAsync();
            await Services.DisposeAsync();
            await StandIns.DisposeAsync();
        }
    }

    /// <summary>Keeps the host's log lines, so a failed assertion shows why an invocation failed.</summary>
    private sealed class CapturingLogger : ILogger<LocalFunctionHost>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
