using System.Globalization;
using System.Xml;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>The trading capacity of the executing entity (RTS 22 field 29).</summary>
public enum TradingCapacity
{
    /// <summary>Dealing on own account (DEAL).</summary>
    Deal,

    /// <summary>Matched principal (MTCH).</summary>
    Match,

    /// <summary>Any other capacity, e.g. agency (AOTC).</summary>
    AnyOther,
}

/// <summary>One transaction as MiFIR RTS 22 Annex I Table 2 reports it (the fields the regulator requires us to send).</summary>
/// <param name="ReportStatus">Field 1: NEWT for a new report, CANC for a cancellation.</param>
/// <param name="TransactionReference">Field 2: our unique transaction reference (trade id and version).</param>
/// <param name="VenueTransactionId">Field 3: the venue's transaction id, when executed on a venue.</param>
/// <param name="ExecutingEntityLei">Field 4: our LEI.</param>
/// <param name="BuyerLei">Field 7: the buyer's identifier.</param>
/// <param name="SellerLei">Field 16: the seller's identifier.</param>
/// <param name="TradingDateTime">Field 28: execution time, UTC.</param>
/// <param name="Capacity">Field 29: trading capacity.</param>
/// <param name="Quantity">Field 30: units, or nominal for bonds.</param>
/// <param name="IsNominal">Whether <paramref name="Quantity"/> is a nominal (face) amount.</param>
/// <param name="Price">Field 33: price (per unit, or percent of par for bonds).</param>
/// <param name="PriceIsPercentage">Whether the price is a percentage of par.</param>
/// <param name="PriceCurrency">Field 34: price currency.</param>
/// <param name="NetAmount">Field 35: net amount (bonds).</param>
/// <param name="Venue">Field 36: the MIC of the venue, or XOFF.</param>
/// <param name="Isin">Field 41: the instrument.</param>
public sealed record TransactionReportRecord(
    string ReportStatus,
    string TransactionReference,
    string? VenueTransactionId,
    string ExecutingEntityLei,
    string BuyerLei,
    string SellerLei,
    DateTimeOffset TradingDateTime,
    TradingCapacity Capacity,
    decimal Quantity,
    bool IsNominal,
    decimal Price,
    bool PriceIsPercentage,
    string PriceCurrency,
    decimal NetAmount,
    string Venue,
    string Isin);

/// <summary>
/// Writes transaction reports as ISO 20022 <c>auth.016.001.01</c> (FinancialInstrumentReportingTransactionReport),
/// the message MiFIR transaction reports are submitted in, streaming one record at a time.
/// </summary>
public static class TransactionReport
{
    /// <summary>The message's XML namespace.</summary>
    public const string Namespace = "urn:iso:std:iso:20022:tech:xsd:auth.016.001.01";

    /// <summary>Writes the document; records are written in the order given (callers sort them for determinism).</summary>
    public static void Write(TextWriter output, IEnumerable<TransactionReportRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var writer = new TransactionReportWriter(output);
        foreach (var record in records)
        {
            writer.Write(record);
        }
    }

    internal static XmlWriter Begin(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new System.Text.UTF8Encoding(false) };
        var xml = XmlWriter.Create(output, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("Document", Namespace);
        xml.WriteStartElement("FinInstrmRptgTxRpt", Namespace);
        return xml;
    }

    internal static void End(XmlWriter xml)
    {
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    internal static void WriteRecord(XmlWriter xml, TransactionReportRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        xml.WriteStartElement("Tx", Namespace);
        if (r.ReportStatus == "CANC")
        {
            xml.WriteStartElement("Cxl", Namespace);
            xml.WriteElementString("TxId", Namespace, r.TransactionReference);
            xml.WriteElementString("ExctgPty", Namespace, r.ExecutingEntityLei);
            xml.WriteEndElement();
            xml.WriteEndElement();
            return;
        }

        xml.WriteStartElement("New", Namespace);
        xml.WriteElementString("TxId", Namespace, r.TransactionReference);
        xml.WriteElementString("ExctgPty", Namespace, r.ExecutingEntityLei);
        xml.WriteElementString("InvstmtPtyInd", Namespace, "true");
        xml.WriteElementString("SubmitgPty", Namespace, r.ExecutingEntityLei);
        Party(xml, "Buyr", r.BuyerLei);
        Party(xml, "Sellr", r.SellerLei);
        xml.WriteStartElement("Tx", Namespace);
        xml.WriteElementString("TradDt", Namespace, r.TradingDateTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        xml.WriteElementString("TradgCpcty", Namespace, r.Capacity switch { TradingCapacity.Deal => "DEAL", TradingCapacity.Match => "MTCH", _ => "AOTC" });
        xml.WriteStartElement("Qty", Namespace);
        xml.WriteStartElement(r.IsNominal ? "NmnlVal" : "Unit", Namespace);
        if (r.IsNominal)
        {
            xml.WriteAttributeString("Ccy", r.PriceCurrency);
        }

        xml.WriteString(Number(r.Quantity));
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("Pric", Namespace);
        xml.WriteStartElement("Pric", Namespace);
        if (r.PriceIsPercentage)
        {
            xml.WriteElementString("Pctg", Namespace, Number(r.Price));
        }
        else
        {
            xml.WriteStartElement("MntryVal", Namespace);
            xml.WriteStartElement("Amt", Namespace);
            xml.WriteAttributeString("Ccy", r.PriceCurrency);
            xml.WriteString(Number(r.Price));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteElementString("NetAmt", Namespace, Number(r.NetAmount));
        xml.WriteElementString("TradVn", Namespace, r.Venue);
        if (r.VenueTransactionId is not null)
        {
            xml.WriteElementString("TradPlcMtchgId", Namespace, r.VenueTransactionId);
        }

        xml.WriteEndElement();
        xml.WriteStartElement("FinInstrm", Namespace);
        xml.WriteElementString("Id", Namespace, r.Isin);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Party(XmlWriter xml, string element, string lei)
    {
        xml.WriteStartElement(element, Namespace);
        xml.WriteStartElement("AcctOwnr", Namespace);
        xml.WriteStartElement("Id", Namespace);
        xml.WriteElementString("LEI", Namespace, lei);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Writes a transaction report one record at a time, so a million-trade day streams; disposing ends the document.</summary>
public sealed class TransactionReportWriter : IDisposable
{
    private readonly XmlWriter _xml;

    /// <summary>Starts the document on <paramref name="output"/>.</summary>
    public TransactionReportWriter(TextWriter output) => _xml = TransactionReport.Begin(output);

    /// <summary>The number of records written.</summary>
    public int Count { get; private set; }

    /// <summary>Writes one record.</summary>
    public void Write(TransactionReportRecord record)
    {
        TransactionReport.WriteRecord(_xml, record);
        Count++;
    }

    /// <summary>Ends the document and flushes it.</summary>
    public void Dispose()
    {
        TransactionReport.End(_xml);
        _xml.Dispose();
    }
}
