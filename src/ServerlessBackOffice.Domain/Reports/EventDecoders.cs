using System.Text.Json;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// A fact the day's reports learn from one archived event. Each fact applies itself to the day being built; the
/// application is commutative (counts, sums, "highest version wins", "most advanced status wins"), so the reports do not
/// depend on the order events were published in.
/// </summary>
public abstract record DayFact
{
    internal abstract void ApplyTo(DayReportBuilder day);
}

/// <summary>
/// Turns one event type's body into a <see cref="DayFact"/>. Adding an event type to the reports is one small subclass,
/// listed in <see cref="EventDecoders.All"/>.
/// </summary>
public abstract class EventDecoder
{
    /// <summary>The <c>eventType</c> this decoder reads.</summary>
    public abstract string EventType { get; }

    /// <summary>Decodes a body, or says why it cannot.</summary>
    public bool TryDecode(JsonElement body, out DayFact? fact, out string? problem)
    {
        var fields = new EventFields(body);
        var decoded = Decode(fields);
        problem = fields.Problem;
        fact = problem is null ? decoded : null;
        return problem is null;
    }

    /// <summary>Reads the fields; problems are collected by <paramref name="f"/>.</summary>
    protected abstract DayFact Decode(EventFields f);
}

/// <summary>The decoders the reports know, by event type.</summary>
public static class EventDecoders
{
    /// <summary>Every known decoder.</summary>
    public static IReadOnlyList<EventDecoder> All { get; } =
    [
        new TradeEventDecoder("TradeCaptured"),
        new TradeEventDecoder("TradeAmended"),
        new TradeEventDecoder("TradeCancelled"),
        new TradeAffirmedDecoder(),
        new TradeMismatchedDecoder(),
        new UnaffirmedAtCutoffDecoder(),
        new InstructionDecoder("InstructionIssued"),
        new InstructionDecoder("InstructionCancelled"),
        new SettlementStatusDecoder("SettlementMatched", SettlementProgress.Matched),
        new SettlementStatusDecoder("SettlementUnmatched", SettlementProgress.Unmatched),
        new SettlementStatusDecoder("SettlementFailed", SettlementProgress.Failed),
        new SettledDecoder("TradePartiallySettled", partial: true),
        new SettledDecoder("TradeSettled", partial: false),
        new AlertRaisedDecoder(),
        new AlertRaisedDecoder("ComplianceAlertRaised"),
    ];
}

/// <summary>How far a trade's settlement got; a later stage outranks an earlier one whatever order the events came in.</summary>
public enum SettlementProgress
{
    /// <summary>No settlement event seen.</summary>
    None,

    /// <summary>The instruction was cancelled (the trade was cancelled or amended).</summary>
    InstructionCancelled,

    /// <summary>The instruction was issued to the custodian.</summary>
    Instructed,

    /// <summary>The custodian could not match the instruction.</summary>
    Unmatched,

    /// <summary>The custodian matched the instruction.</summary>
    Matched,

    /// <summary>The instruction failed to settle on its intended date.</summary>
    Failed,

    /// <summary>Part of the quantity settled.</summary>
    PartiallySettled,

    /// <summary>Fully settled.</summary>
    Settled,
}

/// <summary>A captured, amended or cancelled trade version (trade-events v1: the full trade).</summary>
public sealed record TradeEventFact(
    string EventId,
    string EventType,
    string TradeId,
    long Version,
    string Status,
    string BookId,
    string Account,
    string Side,
    string Isin,
    string AssetClass,
    string Mic,
    decimal Quantity,
    decimal Price,
    string PriceType,
    string Currency,
    string CounterpartyLei,
    string ExecutionTimestamp,
    DateTimeOffset ExecutedAt,
    DateOnly TradeDate,
    DateOnly SettlementDate,
    decimal Gross,
    decimal Commission,
    decimal Fees,
    decimal AccruedInterest,
    decimal Net) : DayFact
{
    /// <summary>Whether this version cancels the trade.</summary>
    public bool IsCancellation => EventType == "TradeCancelled" || Status == "Cancelled";

    internal override void ApplyTo(DayReportBuilder day) => day.OnTradeEvent(this);
}

/// <summary>Reads TradeCaptured, TradeAmended and TradeCancelled (docs/contracts/trade-events-v1.md).</summary>
public sealed class TradeEventDecoder(string eventType) : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => eventType;

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new TradeEventFact(
        f.Text("eventId"), EventType, f.Text("tradeId"), f.WholeNumber("version"), f.Text("status"), f.Text("bookId"), f.Text("account"),
        f.Text("side"), f.Text("isin"), f.Text("assetClass"), f.Text("mic"), f.Amount("quantity"), f.Amount("price"), f.Text("priceType"),
        f.Text("currency"), f.Text("counterpartyLei"), f.Text("executionTimestamp"), f.Instant("executionTimestamp"), f.Date("tradeDate"), f.Date("settlementDate"),
        f.Amount("gross"), f.Amount("commission"), f.SumOf("fees", "amount"), f.Amount("accruedInterest"), f.Amount("net"));
}

/// <summary>The counterparty affirmed a trade version.</summary>
public sealed record TradeAffirmedFact(string TradeId, long Version, string? AffirmedAt, string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnAffirmation(this);
}

/// <summary>Reads TradeAffirmed: <c>{ tradeId, version, affirmationId, affirmedAt, bookId? }</c>.</summary>
public sealed class TradeAffirmedDecoder : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => "TradeAffirmed";

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new TradeAffirmedFact(f.Text("tradeId"), f.WholeNumber("version"), f.OptionalText("affirmedAt"), f.OptionalText("bookId"));
}

/// <summary>The counterparty's affirmation did not match our trade.</summary>
public sealed record TradeMismatchedFact(string TradeId, long Version, string Discrepancies, string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnMismatch(this);
}

/// <summary>Reads TradeMismatched: <c>{ tradeId, version, discrepancies, bookId? }</c>.</summary>
public sealed class TradeMismatchedDecoder : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => "TradeMismatched";

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) =>
        new TradeMismatchedFact(f.Text("tradeId"), f.WholeNumber("version"), f.Raw("discrepancies") ?? f.Raw("reason") ?? "not stated", f.OptionalText("bookId"));
}

/// <summary>A trade was still unaffirmed at its market's affirmation cut-off.</summary>
public sealed record UnaffirmedAtCutoffFact(string TradeId, long Version, string? Cutoff, string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnUnaffirmedAtCutoff(this);
}

/// <summary>Reads UnaffirmedAtCutoff: <c>{ tradeId, version, cutoff?, bookId? }</c>.</summary>
public sealed class UnaffirmedAtCutoffDecoder : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => "UnaffirmedAtCutoff";

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new UnaffirmedAtCutoffFact(f.Text("tradeId"), f.WholeNumber("version"), f.OptionalText("cutoff") ?? f.OptionalText("cutoffAt"), f.OptionalText("bookId"));
}

/// <summary>A settlement status reported for a trade (instruction issued or cancelled, matched, unmatched, failed).</summary>
public sealed record SettlementStatusFact(
    string TradeId,
    SettlementProgress Progress,
    string? ReasonCode,
    DateOnly? IntendedSettlementDate,
    decimal? FailedQuantity,
    string? FailingParty,
    string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnSettlementStatus(this);
}

/// <summary>Reads InstructionIssued and InstructionCancelled: <c>{ tradeId, intendedSettlementDate?, bookId? }</c>.</summary>
public sealed class InstructionDecoder(string eventType) : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => eventType;

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new SettlementStatusFact(
        f.Text("tradeId"),
        EventType == "InstructionCancelled" ? SettlementProgress.InstructionCancelled : SettlementProgress.Instructed,
        f.OptionalText("reasonCode"), f.OptionalDate("intendedSettlementDate") ?? f.OptionalDate("settlementDate"), null, null, f.OptionalText("bookId"));
}

/// <summary>Reads SettlementMatched, SettlementUnmatched and SettlementFailed: <c>{ tradeId, reasonCode?, intendedSettlementDate?, failedQuantity?, failingParty?, bookId? }</c>.</summary>
public sealed class SettlementStatusDecoder(string eventType, SettlementProgress progress) : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => eventType;

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new SettlementStatusFact(
        f.Text("tradeId"), progress, f.OptionalText("reasonCode") ?? f.OptionalText("reason"),
        f.OptionalDate("intendedSettlementDate") ?? f.OptionalDate("settlementDate"),
        f.OptionalAmount("failedQuantity"), f.OptionalText("failingParty"), f.OptionalText("bookId"));
}

/// <summary>Quantity and cash settled for a trade, in full or in part.</summary>
public sealed record SettledFact(string TradeId, string EventId, bool Partial, decimal Quantity, decimal? Cash, string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnSettled(this);
}

/// <summary>Reads TradeSettled and TradePartiallySettled: <c>{ eventId, tradeId, settledQuantity|quantity, settledCash|cash?, bookId? }</c>.</summary>
public sealed class SettledDecoder(string eventType, bool partial) : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => eventType;

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f)
    {
        var quantity = f.OptionalAmount("settledQuantity") ?? f.Amount("quantity");
        return new SettledFact(f.Text("tradeId"), f.OptionalText("eventId") ?? string.Empty, partial, quantity,
            f.OptionalAmount("settledCash") ?? f.OptionalAmount("cash"), f.OptionalText("bookId"));
    }
}

/// <summary>A compliance or risk alert.</summary>
public sealed record AlertFact(string AlertId, string Rule, string Severity, string? TradeId, string Description, string? BookId) : DayFact
{
    internal override void ApplyTo(DayReportBuilder day) => day.OnAlert(this);
}

/// <summary>
/// Reads AlertRaised and the compliance stage's ComplianceAlertRaised (docs/contracts/compliance-events-v1.md):
/// <c>{ alertId, rule, severity?, tradeId?, description?|summary?, bookId? }</c>.
/// </summary>
/// <param name="eventType">The event type read (AlertRaised by default).</param>
public sealed class AlertRaisedDecoder(string eventType = "AlertRaised") : EventDecoder
{
    /// <inheritdoc />
    public override string EventType => eventType;

    /// <inheritdoc />
    protected override DayFact Decode(EventFields f) => new AlertFact(
        f.Text("alertId"), f.Text("rule"), f.OptionalText("severity") ?? "warning", f.OptionalText("tradeId"),
        f.OptionalText("description") ?? f.OptionalText("summary") ?? string.Empty, f.OptionalText("bookId"));
}
