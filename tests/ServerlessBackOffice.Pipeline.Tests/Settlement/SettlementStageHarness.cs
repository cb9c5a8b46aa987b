using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Settlement;

/// <summary>Capture and the settlement stage over in-memory adapters.</summary>
internal sealed class SettlementStageHarness
{
    /// <summary>Goldman Sachs International: a netting agreement.</summary>
    public const string NettingCounterparty = "W22LROWP2IHZNBB6K528";

    /// <summary>Deutsche Bank AG: no netting agreement (gross).</summary>
    public const string GrossCounterparty = "7LTWFZYICNSX8D621K86";

    public SettlementStageHarness(ISettlementStore? store = null)
    {
        Store = store ?? InMemory;
        var referenceData = new InMemoryReferenceDataSource(SampleData.ReferenceData);
        Instructions = new SettlementInstructionHandler(Store, Capture.Trades, referenceData, Bus, Capture.Clock, NullLogger<SettlementInstructionHandler>.Instance, Memory);
        Statuses = new CustodianStatusHandler(Store, Bus, Capture.Clock, NullLogger<CustodianStatusHandler>.Instance, Memory);
    }

    public InMemoryCapture Capture { get; } = new();

    public InMemorySettlementStore InMemory { get; } = new();

    public ISettlementStore Store { get; }

    public InMemoryMessagePublisher Bus { get; } = new();

    /// <summary>The instructions the two handlers wrote and published, shared as in the function app (decision 0075).</summary>
    public WrittenDocuments<SettlementInstructionDocument> Memory { get; } = new();

    public SettlementInstructionHandler Instructions { get; }

    public CustodianStatusHandler Statuses { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Captures a trade and returns its TradeCaptured event.</summary>
    public async Task<TradeEventWire> CaptureAsync(string tradeId, string counterparty, string side = "buy", string quantity = "100", long version = 1)
    {
        var builder = new OmsJsonBuilder().With(m => m with { TradeId = tradeId, CounterpartyLei = counterparty, Side = side, Quantity = quantity }).Version(version);
        await Capture.Handler.HandleAsync(builder.Inbound($"OMS-{tradeId}-{version}-{quantity}"), Ct);
        var published = Capture.Publisher.Delivered.Last(m => m.Destination == Entities.TradeEvents.Name && m.Body.Contains($"\"tradeId\":\"{tradeId}\"", StringComparison.Ordinal));
        return JsonSerializer.Deserialize(published.Body, CaptureJsonContext.Default.TradeEventWire)!;
    }

    public Task<SettlementResult> AffirmAsync(string tradeId, long version = 1, string? messageId = null, string counterparty = GrossCounterparty)
    {
        var wire = new TradeAffirmedWire($"{tradeId}:{version}:TradeAffirmed", "TradeAffirmed", tradeId, version, counterparty, "AFF-" + tradeId, "2026-11-24T21:00:00Z", "corr-1");
        return Instructions.HandleAsync(new InboundMessage(messageId ?? wire.EventId, JsonSerializer.SerializeToUtf8Bytes(wire, ConfirmationJsonContext.Default.TradeAffirmedWire), 1), Ct);
    }

    public Task<SettlementResult> DeliverTradeEventAsync(TradeEventWire wire, string? messageId = null) =>
        Instructions.HandleAsync(new InboundMessage(messageId ?? wire.EventId, JsonSerializer.SerializeToUtf8Bytes(wire, CaptureJsonContext.Default.TradeEventWire), 1), Ct);

    public Task<SettlementResult> StatusAsync(string instructionId, string statusId, string status, int minute, string? quantity = null, string? cash = null, string? reason = null, int deliveryCount = 1) =>
        Statuses.HandleAsync(new InboundMessage(statusId, Encoding.UTF8.GetBytes(StatusJson(instructionId, statusId, status, minute, quantity, cash, reason)), deliveryCount), Ct);

    public static string StatusJson(string instructionId, string statusId, string status, int minute, string? quantity = null, string? cash = null, string? reason = null)
    {
        var wire = new CustodianStatusWire(1, statusId, instructionId, status,
            new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero).AddMinutes(minute).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), quantity, cash, reason);
        return JsonSerializer.Serialize(wire, SettlementJsonContext.Default.CustodianStatusWire);
    }

    public IReadOnlyList<OutboundMessage> ToCustodian => [.. Bus.Delivered.Where(m => m.Destination == Entities.CustodianOutbound.Name)];

    public IReadOnlyList<SettlementEventWire> Events(string eventType) =>
        [.. Bus.Delivered.Where(m => m.Destination == Entities.TradeEvents.Name && m.ApplicationProperties[CaptureHandler.EventTypeProperty] == eventType)
            .Select(m => JsonSerializer.Deserialize(m.Body, SettlementJsonContext.Default.SettlementEventWire)!)];

    public static SettlementInstructionWire Instruction(OutboundMessage message) =>
        JsonSerializer.Deserialize(message.Body, SettlementJsonContext.Default.SettlementInstructionWire)!;
}
