using System.Globalization;
using System.Xml.Linq;

namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>
/// Renders a settlement instruction with the element names of ISO 20022 <c>sese.023.001.09</c>
/// (SecuritiesSettlementTransactionInstruction): transaction id, movement and payment type, trade and settlement dates,
/// ISIN, quantity (units or face amount), safekeeping account, transaction type, delivering and receiving settlement
/// parties (depository and party 1) and the settlement amount with its credit/debit indicator.
/// </summary>
public static class Sese023
{
    /// <summary>The message's XML namespace.</summary>
    public const string Namespace = "urn:iso:std:iso:20022:tech:xsd:sese.023.001.09";

    private static readonly XNamespace Ns = Namespace;

    /// <summary>The instruction as a sese.023.001.09 document.</summary>
    public static XDocument ToXml(SettlementInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        var receiving = instruction.Movement == SecuritiesMovement.Receive;
        var (deliverer, receiver) = receiving ? (instruction.Theirs, instruction.Ours) : (instruction.Ours, instruction.Theirs);
        var quantity = new XElement(Ns + (instruction.IsFaceAmount ? "FaceAmt" : "Unit"), Number(instruction.Quantity));

        var body = new XElement(Ns + "SctiesSttlmTxInstr",
            new XElement(Ns + "TxId", instruction.InstructionId),
            new XElement(Ns + "SttlmTpAndAddtlParams",
                new XElement(Ns + "SctiesMvmntTp", receiving ? "RECE" : "DELI"),
                new XElement(Ns + "Pmt", instruction.Payment == PaymentType.AgainstPayment ? "APMT" : "FREE")),
            // Linkages to every trade the instruction covers (one, or several when netted) follow the settlement type,
            // in the schema's order.
            instruction.TradeIds.Select(tradeId => new XElement(Ns + "Lnkgs", new XElement(Ns + "Ref", new XElement(Ns + "OthrTxId", tradeId)))),
            new XElement(Ns + "TradDtls",
                new XElement(Ns + "TradDt", new XElement(Ns + "Dt", new XElement(Ns + "Dt", Date(instruction.TradeDate)))),
                new XElement(Ns + "SttlmDt", new XElement(Ns + "Dt", new XElement(Ns + "Dt", Date(instruction.SettlementDate))))),
            new XElement(Ns + "FinInstrmId", new XElement(Ns + "ISIN", instruction.Isin)),
            new XElement(Ns + "QtyAndAcctDtls",
                new XElement(Ns + "SttlmQty", new XElement(Ns + "Qty", quantity)),
                new XElement(Ns + "SfkpgAcct", new XElement(Ns + "Id", instruction.Ours.SafekeepingAccount))),
            new XElement(Ns + "SttlmParams", new XElement(Ns + "SctiesTxTp", new XElement(Ns + "Cd", "TRAD"))),
            Parties("DlvrgSttlmPties", deliverer),
            Parties("RcvgSttlmPties", receiver));
        if (instruction.Payment == PaymentType.AgainstPayment)
        {
            body.Add(new XElement(Ns + "SttlmAmt",
                new XElement(Ns + "Amt", new XAttribute("Ccy", instruction.Currency), Number(instruction.CashAmount)),
                new XElement(Ns + "CdtDbtInd", instruction.CashDebit ? "DBIT" : "CRDT")));
        }

        return new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement(Ns + "Document", body));
    }

    private static XElement Parties(string name, StandingSettlementInstruction ssi) =>
        new(Ns + name,
            new XElement(Ns + "Dpstry", new XElement(Ns + "Id", new XElement(Ns + "AnyBIC", ssi.DepositoryBic))),
            new XElement(Ns + "Pty1", new XElement(Ns + "Id", new XElement(Ns + "AnyBIC", ssi.AgentBic))));

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
