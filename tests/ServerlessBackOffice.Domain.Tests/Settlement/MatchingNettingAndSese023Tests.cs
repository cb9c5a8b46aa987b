using System.Xml.Linq;
using ServerlessBackOffice.Domain.Settlement;

namespace ServerlessBackOffice.Domain.Tests.Settlement;

/// <summary>Affirmation matching, bilateral netting and the sese.023 rendering.</summary>
public sealed class MatchingNettingAndSese023Tests
{
    private static readonly ConfirmationTerms Ours = new("T-1", 1, "ACC-001", "W22LROWP2IHZNBB6K528", "US0378331005", "Buy", 100m, 230.10m, "USD", new(2026, 11, 24), new(2026, 11, 25), 23_021.51m);
    private static readonly MatchingTolerance Tolerance = new(PriceBasisPoints: 1m, PriceAbsolute: 0.01m, NetAmountAbsolute: 1.00m);

    [Fact]
    public void Match_WithinTolerance_Affirms()
    {
        var result = AffirmationMatcher.Match(Ours, Ours with { Price = 230.12m, NetAmount = 23_022.00m }, Tolerance);

        Assert.True(result.Affirmed);
    }

    [Fact]
    public void Match_ListsEveryDiscrepancyFieldByField()
    {
        var result = AffirmationMatcher.Match(Ours, Ours with { Quantity = 1_000m, Price = 231.00m, NetAmount = 230_000m, SettlementDate = new(2026, 11, 26) }, Tolerance);

        Assert.False(result.Affirmed);
        Assert.Equal(["quantity", "settlementDate", "price", "netAmount"], result.Discrepancies.Select(d => d.Field));
        var price = result.Discrepancies.Single(d => d.Field == "price");
        Assert.Equal("230.10", price.Ours);
        Assert.Equal("231.00", price.Theirs);
    }

    private static readonly StandingSettlementInstruction OurSsi = new("SSI-OURS-US", "DTCYUS33", "IRVTUS3N", "123456789");
    private static readonly StandingSettlementInstruction TheirSsi = new("SSI-GSI-US", "DTCYUS33", "GOLDUS33", "GS-000042");

    private static SettlementObligation Obligation(string tradeId, decimal quantity, decimal cash, string counterparty = "W22LROWP2IHZNBB6K528") =>
        new(tradeId, counterparty, "US0378331005", new(2026, 11, 25), "USD", quantity, cash, false, OurSsi, TheirSsi, "ACC-001", new(2026, 11, 24));

    [Fact]
    public void Netting_UnderAnAgreement_NetsTheGroupIntoOneInstructionReferencingEveryTrade()
    {
        var obligations = new[] { Obligation("T-1", 100m, -23_000m), Obligation("T-2", -40m, 9_300m), Obligation("T-3", 10m, -2_310m) };

        var instruction = Assert.Single(Netting.Instruct(obligations, _ => true, out var offset));

        Assert.Empty(offset);
        Assert.Equal(SecuritiesMovement.Receive, instruction.Movement);
        Assert.Equal(70m, instruction.Quantity);
        Assert.Equal(16_010m, instruction.CashAmount);
        Assert.True(instruction.CashDebit);
        Assert.Equal(["T-1", "T-2", "T-3"], instruction.TradeIds);
        Assert.Equal(Netting.InstructionIdFor(["T-3", "T-1", "T-2"]), instruction.InstructionId);
    }

    [Fact]
    public void Netting_WithoutAnAgreement_IssuesOneInstructionPerTrade()
    {
        var instructions = Netting.Instruct([Obligation("T-1", 100m, -23_000m), Obligation("T-2", -40m, 9_300m)], _ => false, out _);

        Assert.Equal(2, instructions.Count);
        Assert.Equal(SecuritiesMovement.Deliver, instructions.Single(i => i.TradeIds[0] == "T-2").Movement);
    }

    [Fact]
    public void Netting_ThatCancelsOut_IssuesNothingAndReportsTheOffsetTrades()
    {
        var instructions = Netting.Instruct([Obligation("T-1", 100m, -23_000m), Obligation("T-2", -100m, 23_000m)], _ => true, out var offset);

        Assert.Empty(instructions);
        Assert.Equal(["T-1", "T-2"], offset);
    }

    [Fact]
    public void Sese023_HasTheMandatoryElementsOfVersion09()
    {
        var instruction = Assert.Single(Netting.Instruct([Obligation("T-1", 100m, -23_021.51m)], _ => false, out _));

        var xml = Sese023.ToXml(instruction);

        XNamespace ns = Sese023.Namespace;
        var tx = xml.Root!.Element(ns + "SctiesSttlmTxInstr")!;
        Assert.Equal(instruction.InstructionId, tx.Element(ns + "TxId")!.Value);
        Assert.Equal("RECE", tx.Element(ns + "SttlmTpAndAddtlParams")!.Element(ns + "SctiesMvmntTp")!.Value);
        Assert.Equal("APMT", tx.Element(ns + "SttlmTpAndAddtlParams")!.Element(ns + "Pmt")!.Value);
        Assert.Equal("2026-11-24", tx.Element(ns + "TradDtls")!.Element(ns + "TradDt")!.Value);
        Assert.Equal("2026-11-25", tx.Element(ns + "TradDtls")!.Element(ns + "SttlmDt")!.Value);
        Assert.Equal("US0378331005", tx.Element(ns + "FinInstrmId")!.Element(ns + "ISIN")!.Value);
        Assert.Equal("100", tx.Descendants(ns + "SttlmQty").Single().Descendants(ns + "Unit").Single().Value);
        Assert.Equal("123456789", tx.Element(ns + "QtyAndAcctDtls")!.Element(ns + "SfkpgAcct")!.Value);
        Assert.Equal("TRAD", tx.Element(ns + "SttlmParams")!.Value);
        Assert.Equal("GOLDUS33", tx.Element(ns + "DlvrgSttlmPties")!.Element(ns + "Pty1")!.Value);
        Assert.Equal("IRVTUS3N", tx.Element(ns + "RcvgSttlmPties")!.Element(ns + "Pty1")!.Value);
        var amount = tx.Element(ns + "SttlmAmt")!.Element(ns + "Amt")!;
        Assert.Equal(("USD", "23021.51"), (amount.Attribute("Ccy")!.Value, amount.Value));
        Assert.Equal("DBIT", tx.Element(ns + "SttlmAmt")!.Element(ns + "CdtDbtInd")!.Value);
        Assert.Equal("T-1", tx.Element(ns + "Lnkgs")!.Value);
    }
}
