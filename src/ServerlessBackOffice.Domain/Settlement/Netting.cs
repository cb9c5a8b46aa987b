using System.Security.Cryptography;
using System.Text;

namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>Standing settlement instructions for one side: where the securities and cash move.</summary>
/// <param name="SsiId">The SSI's id in reference data (effective-dated there).</param>
/// <param name="DepositoryBic">The CSD (place of settlement), for example DTCYUS33 or MGTCBEBE.</param>
/// <param name="AgentBic">The settlement agent (party 1).</param>
/// <param name="SafekeepingAccount">The securities account at the agent.</param>
public sealed record StandingSettlementInstruction(string SsiId, string DepositoryBic, string AgentBic, string SafekeepingAccount);

/// <summary>What one affirmed trade obliges us to settle with its counterparty.</summary>
/// <param name="TradeId">The trade.</param>
/// <param name="CounterpartyLei">The counterparty.</param>
/// <param name="Isin">The instrument.</param>
/// <param name="SettlementDate">The intended settlement date.</param>
/// <param name="Currency">The settlement currency.</param>
/// <param name="SecuritiesQuantity">Positive when we receive securities, negative when we deliver.</param>
/// <param name="Cash">Positive when we receive cash, negative when we pay.</param>
/// <param name="IsFaceAmount">True for bonds, whose quantity is a nominal (face) amount rather than units.</param>
/// <param name="Ours">Our SSI.</param>
/// <param name="Theirs">The counterparty's SSI.</param>
/// <param name="Account">Our account the trade is for (our safekeeping account is per SSI).</param>
/// <param name="TradeDate">The trade date.</param>
public sealed record SettlementObligation(
    string TradeId,
    string CounterpartyLei,
    string Isin,
    DateOnly SettlementDate,
    string Currency,
    decimal SecuritiesQuantity,
    decimal Cash,
    bool IsFaceAmount,
    StandingSettlementInstruction Ours,
    StandingSettlementInstruction Theirs,
    string Account,
    DateOnly TradeDate);

/// <summary>Whether securities move, and which way.</summary>
public enum SecuritiesMovement
{
    /// <summary>We receive securities (RECE).</summary>
    Receive,

    /// <summary>We deliver securities (DELI).</summary>
    Deliver,
}

/// <summary>Whether cash moves against the securities.</summary>
public enum PaymentType
{
    /// <summary>Against payment (APMT).</summary>
    AgainstPayment,

    /// <summary>Free of payment (FREE).</summary>
    Free,
}

/// <summary>
/// A settlement instruction: one trade's obligation, or the net of several under a netting agreement. Its id is derived
/// from the trades it covers, so re-running the instruction stage for the same trades gives the same instruction — and a
/// redelivered trade event cannot issue a second one.
/// </summary>
public sealed record SettlementInstruction(
    string InstructionId,
    string CounterpartyLei,
    string Isin,
    DateOnly TradeDate,
    DateOnly SettlementDate,
    string Currency,
    SecuritiesMovement Movement,
    PaymentType Payment,
    decimal Quantity,
    bool IsFaceAmount,
    decimal CashAmount,
    bool CashDebit,
    StandingSettlementInstruction Ours,
    StandingSettlementInstruction Theirs,
    IReadOnlyList<string> TradeIds);

/// <summary>Groups obligations into instructions: bilateral netting where the counterparty's agreement says so.</summary>
public static class Netting
{
    /// <summary>
    /// One instruction per trade, except for counterparties with a netting agreement: their trades in the same
    /// instrument, settlement date, currency and SSIs net into one instruction that references every trade. A group that
    /// nets to zero securities and zero cash issues nothing — its trades settle by offset, and they are listed in
    /// <paramref name="offset"/>.
    /// </summary>
    public static IReadOnlyList<SettlementInstruction> Instruct(IEnumerable<SettlementObligation> obligations, Func<string, bool> hasNettingAgreement, out IReadOnlyList<string> offset)
    {
        ArgumentNullException.ThrowIfNull(obligations);
        ArgumentNullException.ThrowIfNull(hasNettingAgreement);
        var instructions = new List<SettlementInstruction>();
        var offsetTrades = new List<string>();
        var groups = obligations
            .GroupBy(o => hasNettingAgreement(o.CounterpartyLei)
                ? (o.CounterpartyLei, o.Isin, o.SettlementDate, o.Currency, o.Ours.SsiId, o.Theirs.SsiId, Trade: string.Empty)
                : (o.CounterpartyLei, o.Isin, o.SettlementDate, o.Currency, o.Ours.SsiId, o.Theirs.SsiId, Trade: o.TradeId))
            .OrderBy(g => g.Key.CounterpartyLei, StringComparer.Ordinal).ThenBy(g => g.Key.Isin, StringComparer.Ordinal)
            .ThenBy(g => g.Key.SettlementDate).ThenBy(g => g.Key.Trade, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var members = group.OrderBy(o => o.TradeId, StringComparer.Ordinal).ToList();
            var quantity = members.Sum(o => o.SecuritiesQuantity);
            var cash = members.Sum(o => o.Cash);
            var tradeIds = members.Select(o => o.TradeId).ToList();
            if (quantity == 0m && cash == 0m)
            {
                offsetTrades.AddRange(tradeIds);
                continue;
            }

            var first = members[0];
            instructions.Add(new SettlementInstruction(
                InstructionIdFor(tradeIds),
                first.CounterpartyLei,
                first.Isin,
                members.Max(o => o.TradeDate),
                first.SettlementDate,
                first.Currency,
                quantity >= 0m ? SecuritiesMovement.Receive : SecuritiesMovement.Deliver,
                cash == 0m ? PaymentType.Free : PaymentType.AgainstPayment,
                Math.Abs(quantity),
                first.IsFaceAmount,
                Math.Abs(cash),
                cash < 0m,
                first.Ours,
                first.Theirs,
                tradeIds));
        }

        offset = offsetTrades;
        return instructions;
    }

    /// <summary>A deterministic instruction id from the trades it covers (16 bytes of SHA-256 in hex, prefixed).</summary>
    public static string InstructionIdFor(IEnumerable<string> tradeIds)
    {
        var joined = string.Join('\n', tradeIds.Order(StringComparer.Ordinal));
        return "SI" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(joined))[..14]);
    }
}
