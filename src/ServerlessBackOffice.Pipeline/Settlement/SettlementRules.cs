using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>What settling one trade requires: its obligation, the custodian to instruct and the market.</summary>
/// <param name="Obligation">The obligation (signed quantity and cash, SSIs).</param>
/// <param name="CustodianLei">The custodian of the trade's account.</param>
/// <param name="Market">The settlement convention id of the instrument.</param>
/// <param name="Netting">Whether the counterparty has a netting agreement.</param>
public sealed record TradeObligation(SettlementObligation Obligation, string CustodianLei, string Market, bool Netting);

/// <summary>The settlement stage's pure rules: obligations from trades, instruction and event messages, allocation of statuses.</summary>
public static class SettlementRules
{
    /// <summary>The application property the custodian subscriptions filter on (infra/topology.json).</summary>
    public const string CustodianLeiProperty = "custodianLei";

    /// <summary>The subject of an instruction message.</summary>
    public const string InstructionSubject = "SettlementInstruction";

    /// <summary>The subject of a cancellation message (custodians recognise "cancel" in it).</summary>
    public const string CancellationSubject = "SettlementInstructionCancellation";

    /// <summary>Reason: a trade or reference-data field needed for settlement is missing or unreadable.</summary>
    public const string UnsettleableTradeReason = "UnsettleableTrade";

    /// <summary>
    /// Agent BICs of the custodians we instruct, keyed by LEI. Reference data carries custodians by LEI only; until it carries
    /// their BICs, this table does, and an unknown custodian's LEI stands in (sese.023 accepts an LEI beside the BIC).
    /// </summary>
    private static readonly Dictionary<string, string> CustodianBics = new(StringComparer.Ordinal)
    {
        ["HPFHU0OQ28E4N0NFVK49"] = "IRVTUS3N",
        ["549300OZ46BRLZ8Y6F65"] = "MGTCBEBE",
        ["571474TGEMMWANRLN572"] = "SBOSUS33",
    };

    /// <summary>Whether the market is under the CSDR settlement discipline regime (EU markets; the UK did not adopt it).</summary>
    public static bool IsCsdrMarket(string market) => market.StartsWith("EU-", StringComparison.Ordinal);

    /// <summary>The obligation of a trade, or why it cannot be settled (reference data missing).</summary>
    public static (TradeObligation? Obligation, string? Problem) ObligationOf(TradeEventWire trade, ReferenceDataSet referenceData)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(referenceData);
        if (!referenceData.Securities.TryGetValue(trade.Isin, out var security))
        {
            return (null, $"Security {trade.Isin} is not in reference data.");
        }

        if (!referenceData.Counterparties.TryGetValue(trade.CounterpartyLei, out var counterparty))
        {
            return (null, $"Counterparty {trade.CounterpartyLei} is not in reference data.");
        }

        var settlementDate = Date(trade.SettlementDate);
        var market = security.SettlementConventionId;
        var theirs = counterparty.SsiOn(market, trade.Currency, settlementDate);
        if (theirs is null)
        {
            return (null, $"Counterparty {trade.CounterpartyLei} has no SSI for {market} {trade.Currency} on {trade.SettlementDate}.");
        }

        var custodianLei = referenceData.Accounts.TryGetValue(trade.Account, out var account) ? account.CustodianLei : trade.CustodianLei;
        var agent = CustodianBics.TryGetValue(custodianLei, out var bic) ? bic : custodianLei;
        var ours = new StandingSettlementInstruction($"OUR-{trade.Account}-{market}-{trade.Currency}", theirs.DepositoryBic, agent, trade.Account);
        var their = new StandingSettlementInstruction($"{counterparty.Lei}-{market}-{trade.Currency}-{theirs.EffectiveFrom:yyyyMMdd}", theirs.DepositoryBic, theirs.AgentBic, theirs.SafekeepingAccount);
        var buy = IsBuy(trade.Side);
        var quantity = Number(trade.Quantity);
        var net = Math.Abs(Number(trade.Net));
        var obligation = new SettlementObligation(
            trade.TradeId,
            trade.CounterpartyLei,
            trade.Isin,
            settlementDate,
            trade.Currency,
            buy ? quantity : -quantity,
            buy ? -net : net,
            security.PriceType == PriceType.PercentOfPar,
            ours,
            their,
            trade.Account,
            Date(trade.TradeDate));
        return (new TradeObligation(obligation, custodianLei, market, counterparty.NettingAgreement), null);
    }

    /// <summary>
    /// The instruction id: the domain's hash of the trades it covers, each with its version — so re-issuing the same trades
    /// gives the same id (a redelivery cannot instruct twice) and an amended trade's new instruction gets a new one.
    /// </summary>
    public static string InstructionIdOf(IEnumerable<(string TradeId, long Version)> trades) =>
        Netting.InstructionIdFor(trades.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.TradeId}@v{t.Version}")));

    /// <summary>A new instruction document for an instruction built by <see cref="Netting.Instruct"/>.</summary>
    public static SettlementInstructionDocument NewInstruction(
        SettlementInstruction instruction, IReadOnlyList<(TradeEventWire Trade, TradeObligation Obligation)> members, InstructionPhase phase, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(members);
        var id = InstructionIdOf(members.Select(m => (m.Trade.TradeId, m.Trade.Version)));
        var issued = instruction with { InstructionId = id };
        var first = members[0];
        var allocations = members
            .OrderBy(m => m.Trade.TradeId, StringComparer.Ordinal)
            .Select(m => new TradeAllocation(m.Trade.TradeId, m.Trade.Version, m.Trade.BookId, m.Trade.Side, Math.Abs(Number(m.Trade.Quantity)), Math.Abs(Number(m.Trade.Net)), 0m, 0m, m.Trade.CorrelationId))
            .ToList();
        return new SettlementInstructionDocument(
            id, phase, issued, first.Obligation.CustodianLei, first.Trade.Account, first.Obligation.Market, first.Obligation.Netting, allocations,
            SettlementLifecycle.Instructed(id, issued.Quantity), now, [], null);
    }

    /// <summary>The instruction message (settlement-instruction-v1) to the custodian, with its sese.023.001.09 rendering.</summary>
    public static OutboundMessage InstructionMessage(SettlementInstructionDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var wire = Wire(document, SettlementInstructionWire.InstructionKind, null) with { Sese023 = Sese023.ToXml(document.Instruction).ToString(SaveOptions.DisableFormatting) };
        return ToCustodian(document, document.InstructionId, InstructionSubject, wire);
    }

    /// <summary>The cancellation message of an instruction.</summary>
    public static OutboundMessage CancellationMessage(SettlementInstructionDocument document, string reason)
    {
        ArgumentNullException.ThrowIfNull(document);
        var wire = Wire(document, SettlementInstructionWire.CancellationKind, reason) with { CancelsInstructionId = document.InstructionId };
        return ToCustodian(document, document.InstructionId + "-CANC", CancellationSubject, wire);
    }

    /// <summary>One event per trade of the instruction on trade-events.</summary>
    public static IReadOnlyList<OutboundMessage> TradeEvents(SettlementInstructionDocument document, string eventType, string cause, Func<TradeAllocation, SettlementEventWire, SettlementEventWire>? complete = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        return [.. document.Trades.Select(t =>
        {
            var wire = new SettlementEventWire(
                $"{t.TradeId}:{cause}:{eventType}", eventType, t.TradeId, t.Version, t.BookId, document.InstructionId,
                TradeEventWire.Date(document.Instruction.SettlementDate), t.Side, document.Instruction.Currency, document.Netted, CorrelationId: t.CorrelationId);
            return EventMessage(complete is null ? wire : complete(t, wire));
        })];
    }

    /// <summary>A settlement event as a trade-events message (eventType application property, deterministic id).</summary>
    public static OutboundMessage EventMessage(SettlementEventWire wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        return new OutboundMessage(
            Entities.TradeEvents.Name,
            wire.EventId,
            wire.EventType,
            wire.CorrelationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = wire.EventType },
            JsonSerializer.Serialize(wire, SettlementJsonContext.Default.SettlementEventWire));
    }

    /// <summary>
    /// Allocates an instruction's cumulative settled quantity and cash to its trades. A gross instruction's one trade gets what
    /// the custodian reported. A netted instruction settles each trade in the same proportion as the net (rounded toward zero,
    /// so no trade is ever over-settled), and in full when the net settles in full.
    /// </summary>
    public static IReadOnlyList<TradeAllocation> Allocate(SettlementInstructionDocument document, SettlementLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(lifecycle);
        var full = lifecycle.Status == SettlementStatus.Settled;
        var minor = Currencies.TryGet(document.Instruction.Currency, out var currency) ? currency.MinorUnits : 2;
        var quantityScale = document.Instruction.IsFaceAmount ? 2 : 0;
        return [.. document.Trades.Select(t =>
        {
            if (full)
            {
                return t with { CumulativeQuantity = t.Quantity, CumulativeCash = t.Cash };
            }

            if (document.Trades.Count == 1)
            {
                return t with { CumulativeQuantity = Math.Min(t.Quantity, lifecycle.SettledQuantity), CumulativeCash = Math.Min(t.Cash, lifecycle.SettledCash) };
            }

            var fraction = document.Instruction.Quantity != 0m
                ? lifecycle.SettledQuantity / document.Instruction.Quantity
                : document.Instruction.CashAmount != 0m ? lifecycle.SettledCash / document.Instruction.CashAmount : 0m;
            var quantity = Math.Round(t.Quantity * fraction, quantityScale, MidpointRounding.ToZero);
            var cash = Math.Round(t.Cash * fraction, minor, MidpointRounding.ToZero);
            return t with { CumulativeQuantity = Math.Max(t.CumulativeQuantity, quantity), CumulativeCash = Math.Max(t.CumulativeCash, cash) };
        })];
    }

    /// <summary>Who failed, from an ISO 20022 reason code: LACK (securities) is the deliverer's, MONY (cash) the payer's.</summary>
    public static string? FailingPartyOf(SettlementInstruction instruction, string? reasonCode)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        return reasonCode switch
        {
            "LACK" => instruction.Movement == SecuritiesMovement.Deliver ? nameof(FailingParty.Us) : nameof(FailingParty.Counterparty),
            "MONY" => instruction.CashDebit ? nameof(FailingParty.Us) : nameof(FailingParty.Counterparty),
            _ => null,
        };
    }

    /// <summary>Whether a trade side is a buy.</summary>
    public static bool IsBuy(string side) => string.Equals(side, "buy", StringComparison.OrdinalIgnoreCase);

    /// <summary>A decimal from its invariant text.</summary>
    /// <exception cref="FormatException">Not a decimal.</exception>
    public static decimal Number(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a decimal");

    /// <summary>A yyyy-MM-dd date.</summary>
    /// <exception cref="FormatException">Not a date.</exception>
    public static DateOnly Date(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a yyyy-MM-dd date");

    /// <summary>UTC ISO 8601 text.</summary>
    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private static SettlementInstructionWire Wire(SettlementInstructionDocument d, string kind, string? reason)
    {
        var i = d.Instruction;
        return new SettlementInstructionWire(
            1, kind, d.InstructionId, d.CustodianLei, i.CounterpartyLei, d.Account, i.Isin,
            i.Movement == SecuritiesMovement.Receive ? "RECE" : "DELI",
            i.Payment == PaymentType.AgainstPayment ? "APMT" : "FREE",
            TradeEventWire.Date(i.TradeDate), TradeEventWire.Date(i.SettlementDate),
            TradeEventWire.Text(i.Quantity), i.IsFaceAmount ? "FAMT" : "UNIT",
            TradeEventWire.Text(i.CashAmount), i.CashDebit ? "DBIT" : "CRDT", i.Currency, d.Netted, [.. i.TradeIds],
            Instant(d.IssuedAt), CorrelationId: d.Trades.Count > 0 ? d.Trades[0].CorrelationId : null, Reason: reason);
    }

    private static OutboundMessage ToCustodian(SettlementInstructionDocument d, string messageId, string subject, SettlementInstructionWire wire) =>
        new(Entities.CustodianOutbound.Name, messageId, subject, wire.CorrelationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [CustodianLeiProperty] = d.CustodianLei },
            JsonSerializer.Serialize(wire, SettlementJsonContext.Default.SettlementInstructionWire));
}
