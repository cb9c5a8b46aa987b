using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Pipeline.Tests.CrashSafety;

/// <summary>Crash safety of the settlement stage: instructions (gross, amended, cancelled, netted, settled by offset) and custodian statuses.</summary>
public sealed partial class CrashSafetyTests
{
    /// <summary>Deutsche Bank AG: gross settlement.</summary>
    private const string Gross = "7LTWFZYICNSX8D621K86";

    /// <summary>Goldman Sachs International: a netting agreement.</summary>
    private const string Nets = "W22LROWP2IHZNBB6K528";

    private const string Apple = "US0378331005";
    private const string Microsoft = "US5949181045";

    /// <summary>The settlement entities' MaxDeliveryCount (topology): the delivery after it is dead-lettered by Service Bus.</summary>
    private const int MaxDeliveryCount = 10;

    [Fact]
    public async Task SettlementInstruction_CrashedAtEveryStepBoundaryAndRedelivered_InstructsEveryTradeOnceAndNetsOnce()
    {
        var capture = await CapturedAsync("T-G1", "T-G2", "T-G3", "T-G4");
        var g2Amended = Amend(capture["T-G2"], quantity: "150", net: "28098.77");
        var g4Amended = Amend(capture["T-G4"], quantity: "150", net: "28098.77");
        var deliveries = new (string Name, Func<SettlementInstructionHandler, int, Task<SettlementResult>> Deliver)[]
        {
            ("AFF-G1", (h, n) => h.HandleAsync(Affirmed("T-G1", 1, "AFF-G1", n), Ct)),
            ("AFF-G1-copy", (h, n) => h.HandleAsync(Affirmed("T-G1", 1, "AFF-G1-copy", n), Ct)),
            ("AFF-G2", (h, n) => h.HandleAsync(Affirmed("T-G2", 1, "AFF-G2", n), Ct)),
            ("AMD-G2", (h, n) => h.HandleAsync(Delivery(g2Amended, n), Ct)),
            ("AFF-G2-v2", (h, n) => h.HandleAsync(Affirmed("T-G2", 2, "AFF-G2-v2", n), Ct)),
            ("AFF-G3", (h, n) => h.HandleAsync(Affirmed("T-G3", 1, "AFF-G3", n), Ct)),
            // The affirmation of T-G4's amendment overtakes the amendment: remembered, acted on when the amendment arrives.
            ("AFF-G4", (h, n) => h.HandleAsync(Affirmed("T-G4", 1, "AFF-G4", n), Ct)),
            ("AFF-G4-v2", (h, n) => h.HandleAsync(Affirmed("T-G4", 2, "AFF-G4-v2", n), Ct)),
            ("AMD-G4", (h, n) => h.HandleAsync(Delivery(g4Amended, n), Ct)),
            ("CXL-G3", (h, n) => h.HandleAsync(Delivery(Cancel(capture["T-G3"]), n), Ct)),
            ("AMD-N1", (h, n) => h.HandleAsync(Delivery(Wire("T-N1", Nets, Apple, "buy", "100", "23021.51"), n), Ct)),
            ("AMD-N2", (h, n) => h.HandleAsync(Delivery(Wire("T-N2", Nets, Apple, "sell", "40", "9198.40"), n), Ct)),
            ("AMD-O1", (h, n) => h.HandleAsync(Delivery(Wire("T-O1", Nets, Microsoft, "buy", "100", "5000.00"), n), Ct)),
            ("AMD-O2", (h, n) => h.HandleAsync(Delivery(Wire("T-O2", Nets, Microsoft, "sell", "100", "5000.00"), n), Ct)),
            ("AFF-N1", (h, n) => h.HandleAsync(Affirmed("T-N1", 2, "AFF-N1", n, Nets), Ct)),
            ("AFF-N2", (h, n) => h.HandleAsync(Affirmed("T-N2", 2, "AFF-N2", n, Nets), Ct)),
            ("AFF-O1", (h, n) => h.HandleAsync(Affirmed("T-O1", 2, "AFF-O1", n, Nets), Ct)),
            ("AFF-O2", (h, n) => h.HandleAsync(Affirmed("T-O2", 2, "AFF-O2", n, Nets), Ct)),
            ("NETTING-RUN", async (h, _) =>
            {
                // The netting run is a timer, not a message: a crashed run is simply run again (the next timer tick).
                await h.RunNettingAsync(new DateOnly(2026, 11, 25), Ct);
                return SettlementResult.Complete(SettlementOutcomes.Instructed, "run");
            }),
            ("BAD", (h, n) => h.HandleAsync(new InboundMessage("BAD", "{\"eventType\":\"TradeAffirmed\",\"tradeId\":7}"u8.ToArray(), n), Ct)),
        };

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            var store = new InMemorySettlementStore();
            var bus = new InMemoryMessagePublisher();
            var handler = new SettlementInstructionHandler(
                Faults.Settlement(store, plan), capture.Trades, new InMemoryReferenceDataSource(SampleData.ReferenceData), Faults.Publisher(bus, plan),
                capture.Clock, NullLogger<SettlementInstructionHandler>.Instance);
            var settled = new List<string>();
            foreach (var (name, deliver) in deliveries)
            {
                settled.Add(await SettleAsync(name, n => deliver(handler, n), redeliverAfterSuccess));
            }

            return (Lines(SettlementState(store), Delivered(bus), settled), plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(
            RunAsync,
            "settlement T-G1 v1 terms v1 Instructed",
            "settlement T-G2 v2 terms v2 Instructed",
            "settlement T-G3 v2 terms v1 Cancelled",
            "settlement T-G4 v2 terms v2 Instructed",
            "SettlementInstructionCancellation",
            "settlement T-O1 v2 terms v2 SettledByOffset",
            "settlement T-O2 v2 terms v2 SettledByOffset",
            " Offset HPFHU0OQ28E4N0NFVK49 ",
            " Live HPFHU0OQ28E4N0NFVK49 ACC-US-001 US-EQUITY netted=True",
            "T-N2:SI",
            "message BAD dead-lettered MalformedEvent");
    }

    [Fact]
    public async Task CustodianStatus_CrashedAtEveryStepBoundaryAndRedelivered_AppliesEveryStatusOnceAndPublishesEachEventOnce()
    {
        var capture = await CapturedAsync("T-G1", "T-G2");

        async Task<(string State, int Steps, string? Crashed)> RunAsync(CrashPlan plan, bool redeliverAfterSuccess)
        {
            // The instructions are issued cleanly; only the statuses are crashed.
            var store = new InMemorySettlementStore();
            var bus = new InMemoryMessagePublisher();
            var instructions = new SettlementInstructionHandler(
                store, capture.Trades, new InMemoryReferenceDataSource(SampleData.ReferenceData), bus, capture.Clock, NullLogger<SettlementInstructionHandler>.Instance);
            await instructions.HandleAsync(Affirmed("T-G1", 1, "AFF-G1", 1), Ct);
            await instructions.HandleAsync(Affirmed("T-G2", 1, "AFF-G2", 1), Ct);
            await instructions.HandleAsync(Delivery(Wire("T-N1", Nets, Apple, "buy", "100", "23021.51"), 1), Ct);
            await instructions.HandleAsync(Delivery(Wire("T-N2", Nets, Apple, "buy", "50", "11510.76"), 1), Ct);
            await instructions.HandleAsync(Affirmed("T-N1", 2, "AFF-N1", 1, Nets), Ct);
            await instructions.HandleAsync(Affirmed("T-N2", 2, "AFF-N2", 1, Nets), Ct);
            await instructions.RunNettingAsync(new DateOnly(2026, 11, 25), Ct);
            var g1 = (await store.GetInstructionAsync((await store.GetTradeAsync("T-G1", Ct))!.InstructionId!, Ct))!;
            var g2 = (await store.GetTradeAsync("T-G2", Ct))!.InstructionId!;
            var netted = (await store.GetInstructionAsync((await store.GetTradeAsync("T-N1", Ct))!.InstructionId!, Ct))!;
            var g1Cash = g1.Trades.Sum(t => t.Cash);
            var nettedCash = netted.Trades.Sum(t => t.Cash);
            var statuses = new (string MessageId, string Body)[]
            {
                ("ST-G1-1", StatusJson(g1.InstructionId, "S-G1-1", "Matched", 1)),
                ("ST-G1-1-copy", StatusJson(g1.InstructionId, "S-G1-1", "Matched", 1)),
                ("ST-G1-2", StatusJson(g1.InstructionId, "S-G1-2", "PartiallySettled", 2, "40", Text(Math.Round(g1Cash * 0.4m, 2)))),
                ("ST-G1-0", StatusJson(g1.InstructionId, "S-G1-0", "Unmatched", 0, reason: "NMAT")),
                ("ST-G1-3", StatusJson(g1.InstructionId, "S-G1-3", "Settled", 3, "100", Text(g1Cash))),
                ("ST-G2-1", StatusJson(g2, "S-G2-1", "Failed", 1, reason: "INSU")),
                ("ST-G2-2", StatusJson(g2, "S-G2-2", "Settled", 4, "100", Text(g1Cash))),
                ("ST-N-1", StatusJson(netted.InstructionId, "S-N-1", "Settled", 5, "150", Text(nettedCash))),
                ("ST-BAD", "{\"schemaVersion\":1,\"statusId\":\"S-BAD\""),
                ("ST-UNKNOWN", StatusJson("INSTR-NEVER-ISSUED", "S-U-1", "Matched", 1)),
            };
            var handler = new CustodianStatusHandler(Faults.Settlement(store, plan), Faults.Publisher(bus, plan), capture.Clock, NullLogger<CustodianStatusHandler>.Instance);
            var settled = new List<string>();
            foreach (var (messageId, body) in statuses)
            {
                settled.Add(await SettleAsync(messageId, n => handler.HandleAsync(new InboundMessage(messageId, Encoding.UTF8.GetBytes(body), n), Ct), redeliverAfterSuccess));
            }

            return (Lines(SettlementState(store), Delivered(bus), settled), plan.Steps, plan.Crashed);
        }

        await AssertEveryCrashEndsAsTheCleanRunAsync(
            RunAsync,
            "history [S-G1-1:Applied,S-G1-2:Applied,S-G1-0:Stale,S-G1-3:Applied]",
            "history [S-G2-1:Applied,S-G2-2:Applied]",
            "history [S-N-1:Applied]",
            "T-G1:S-G1-1:SettlementMatched",
            "T-G1:S-G1-2:TradePartiallySettled",
            "T-G1:S-G1-3:TradeSettled",
            "T-G2:S-G2-1:SettlementFailed",
            "T-N1:S-N-1:TradeSettled",
            "T-N2:S-N-1:TradeSettled",
            "message ST-BAD dead-lettered MalformedStatus",
            "message ST-UNKNOWN dead-lettered UnknownInstruction");
    }

    /// <summary>Captures gross trades (Deutsche Bank, ACC-US-004) cleanly: the trade store the instruction handler reads.</summary>
    private static async Task<CapturedTrades> CapturedAsync(params string[] tradeIds)
    {
        var capture = new InMemoryCapture();
        var events = new Dictionary<string, TradeEventWire>(StringComparer.Ordinal);
        foreach (var tradeId in tradeIds)
        {
            await capture.Handler.HandleAsync(new OmsJsonBuilder().With(m => m with { TradeId = tradeId, CounterpartyLei = Gross }).Inbound($"OMS-{tradeId}"), Ct);
            var published = capture.Publisher.Delivered.Last(m => m.Body.Contains($"\"tradeId\":\"{tradeId}\"", StringComparison.Ordinal));
            events[tradeId] = JsonSerializer.Deserialize(published.Body, CaptureJsonContext.Default.TradeEventWire)!;
        }

        return new CapturedTrades(capture.Trades, capture.Clock, events);
    }

    private sealed record CapturedTrades(ITradeStore Trades, TimeProvider Clock, IReadOnlyDictionary<string, TradeEventWire> Events)
    {
        public TradeEventWire this[string tradeId] => Events[tradeId];
    }

    private static InboundMessage Affirmed(string tradeId, long version, string messageId, int deliveryCount, string counterparty = Gross)
    {
        var wire = new TradeAffirmedWire($"{tradeId}:{version}:TradeAffirmed", "TradeAffirmed", tradeId, version, counterparty, "AFF-" + tradeId, "2026-11-24T21:00:00Z", "CORR-" + tradeId);
        return new InboundMessage(messageId, JsonSerializer.SerializeToUtf8Bytes(wire, ConfirmationJsonContext.Default.TradeAffirmedWire), deliveryCount);
    }

    private static InboundMessage Delivery(TradeEventWire wire, int deliveryCount) =>
        new(wire.EventId, JsonSerializer.SerializeToUtf8Bytes(wire, CaptureJsonContext.Default.TradeEventWire), deliveryCount);

    private static TradeEventWire Amend(TradeEventWire captured, string quantity, string net) =>
        captured with { EventId = $"{captured.TradeId}:2:TradeAmended", EventType = "TradeAmended", Version = 2, Quantity = quantity, Net = net };

    private static TradeEventWire Cancel(TradeEventWire captured) =>
        captured with { EventId = $"{captured.TradeId}:2:TradeCancelled", EventType = "TradeCancelled", Version = 2, Status = "Cancelled" };

    /// <summary>A trade known to settlement by its amendment (v2) before its affirmation.</summary>
    private static TradeEventWire Wire(string tradeId, string counterparty, string isin, string side, string quantity, string net) => new(
        $"{tradeId}:2:TradeAmended", "TradeAmended", tradeId, 2, "Live", "US-EQ", "ACC-US-001", side, isin, "Equity", "XNAS",
        quantity, "230.10", "perUnit", "USD", counterparty, "HPFHU0OQ28E4N0NFVK49", "2026-11-24T15:30:00.0000000Z",
        "2026-11-24", "2026-11-25", net, "0.00", [], "0", net, "HalfAwayFromZeroToMinorUnits", "CORR-" + tradeId);

    private static string StatusJson(string instructionId, string statusId, string status, int minute, string? quantity = null, string? cash = null, string? reason = null) =>
        JsonSerializer.Serialize(
            new CustodianStatusWire(1, statusId, instructionId, status, $"2026-11-25T10:{minute:00}:00Z", quantity, cash, reason),
            SettlementJsonContext.Default.CustodianStatusWire);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Delivers a settlement-stage message until it is settled as Service Bus would: a crash or a retry outcome is delivered
    /// again with a growing delivery count (dead-lettered by Service Bus past MaxDeliveryCount); then, when asked, once more as
    /// a redelivery after success. Returns how the first settlement ended (completed or dead-lettered with its reason).
    /// </summary>
    private static async Task<string> SettleAsync(string name, Func<int, Task<SettlementResult>> deliver, bool redeliverAfterSuccess)
    {
        var (count, settled) = await UntilSettledAsync(deliver, 1);
        if (redeliverAfterSuccess && count <= MaxDeliveryCount)
        {
            await UntilSettledAsync(deliver, count + 1);
        }

        return $"message {name} {settled}";
    }

    private static async Task<(int Count, string Settled)> UntilSettledAsync(Func<int, Task<SettlementResult>> deliver, int count)
    {
        for (; count <= MaxDeliveryCount; count++)
        {
            try
            {
                var result = await deliver(count);
                if (result.Disposition != SettlementDisposition.Retry)
                {
                    return (count, result.Disposition == SettlementDisposition.DeadLetter ? $"dead-lettered {result.Reason}" : "completed");
                }
            }
            catch (SimulatedCrashException)
            {
                // The process died: the lock expires and Service Bus delivers the message again.
            }
        }

        return (count, "dead-lettered MaxDeliveryCountExceeded");
    }

    private static IEnumerable<string> SettlementState(InMemorySettlementStore store) =>
        store.Trades.Select(d =>
                $"settlement {d.TradeId} v{d.Version} terms v{d.TermsVersion} {d.Status} {d.SettlementDate:yyyy-MM-dd} instruction {d.InstructionId} "
                + $"trade v{d.Trade?.Version} q{d.Trade?.Quantity} outbox [{Ids(d.Outbox)}] recent [{string.Join(",", d.RecentInboundMessageIds)}]")
            .Concat(store.Instructions.Select(d =>
                $"instruction {d.InstructionId} {d.Phase} {d.CustodianLei} {d.Account} {d.Market} netted={d.Netted} issued {d.IssuedAt:O} "
                + $"{d.Instruction with { TradeIds = [] }} trades [{string.Join(";", d.Trades)}] "
                + $"lifecycle {d.Lifecycle.Status} q{d.Lifecycle.SettledQuantity} c{d.Lifecycle.SettledCash} {d.Lifecycle.LastReasonCode} {d.Lifecycle.LastReportedAt:O} "
                + $"history [{string.Join(",", d.Lifecycle.History.Select(h => $"{h.Report.StatusId}:{h.Disposition}"))}] outbox [{Ids(d.Outbox)}]"));

    private static string Ids(IEnumerable<OutboundMessage> messages) => string.Join(",", messages.Select(m => m.MessageId));
}
