using System.Globalization;
using System.Text;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// A small hand-made business day of archived records (Wednesday 25 November 2026) whose reports are worked out by hand:
/// three Paris trades (one failing settlement, one amended and mismatched, one cancelled), one New York trade, OMS replies
/// with a rejection and a duplicate, the journal entries, an alert, and two records the reports cannot understand.
/// </summary>
internal static class SampleDay
{
    public const string FirmLei = "549300BACKOFFICE0001";
    public const string Counterparty = "529900T8BM49AURSDO55";
    public static readonly DateOnly Date = new(2026, 11, 25);
    public static readonly DateTimeOffset ClosedAt = new(2026, 11, 25, 16, 30, 0, TimeSpan.Zero);
    public static readonly DayRecordFolders Folders = new("trade-events", "oms-replies", "oms-trades");

    public static DayReportParameters Parameters(params string[] books) => new(Date, ClosedAt, FirmLei, books);

    /// <summary>The day's records by name.</summary>
    public static SortedDictionary<string, byte[]> Records()
    {
        var records = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        void Event(string eventType, string eventId, string body) =>
            records[$"outbound/trade-events/{eventId}.json"] = Utf8(
                $$"""{"destination":"trade-events","messageId":"{{eventId}}","subject":"{{eventType}}","applicationProperties":{"eventType":"{{eventType}}"},"body":{{body}}}""");

        void Trade(string eventType, string tradeId, int version, string book, string side, string isin, string mic, string quantity, string price, string currency, string net, string status = "Live") =>
            Event(eventType, $"{tradeId}:{version}:{eventType}", $$"""
                {"eventId":"{{tradeId}}:{{version}}:{{eventType}}","eventType":"{{eventType}}","tradeId":"{{tradeId}}","version":{{version}},"status":"{{status}}",
                 "bookId":"{{book}}","account":"ACC-{{book}}","side":"{{side}}","isin":"{{isin}}","assetClass":"Equity","mic":"{{mic}}",
                 "quantity":"{{quantity}}","price":"{{price}}","priceType":"perUnit","currency":"{{currency}}","counterpartyLei":"{{Counterparty}}",
                 "custodianLei":"CUST","executionTimestamp":"2026-11-25T10:15:00.0000000Z","tradeDate":"2026-11-25","settlementDate":"2026-11-27",
                 "gross":"{{net}}","commission":"0.00","fees":[{"code":"FR_FTT","amount":"1.50","source":"CGI 235 ter ZD"}],"accruedInterest":"0.00",
                 "net":"{{net}}","roundingRule":"HalfAwayFromZeroToMinorUnits","correlationId":"C-{{tradeId}}"}
                """);

        Trade("TradeCaptured", "P-1", 1, "PAR-CASH", "buy", "FR0000120271", "XPAR", "100", "50.00", "EUR", "5000.00");
        Trade("TradeCaptured", "P-2", 1, "PAR-CASH", "sell", "FR0000131104", "XPAR", "10", "20.00", "EUR", "200.00");
        Trade("TradeAmended", "P-2", 2, "PAR-CASH", "sell", "FR0000131104", "XPAR", "12", "20.00", "EUR", "240.00");
        Trade("TradeCaptured", "P-3", 1, "PAR-CASH", "buy", "FR0000120271", "XPAR", "7", "50.00", "EUR", "350.00");
        Trade("TradeCancelled", "P-3", 2, "PAR-CASH", "buy", "FR0000120271", "XPAR", "7", "50.00", "EUR", "350.00", "Cancelled");
        Trade("TradeCaptured", "N-1", 1, "NY-CASH", "buy", "US0378331005", "XNYS", "5", "187.25", "USD", "936.25");

        Event("TradeAffirmed", "P-1:1:TradeAffirmed", """{"eventId":"P-1:1:TradeAffirmed","eventType":"TradeAffirmed","tradeId":"P-1","version":1,"counterpartyLei":"529900T8BM49AURSDO55","affirmationId":"A-1","affirmedAt":"2026-11-25T11:00:00Z"}""");
        Event("TradeAffirmed", "N-1:1:TradeAffirmed", """{"eventId":"N-1:1:TradeAffirmed","eventType":"TradeAffirmed","tradeId":"N-1","version":1,"affirmationId":"A-2","affirmedAt":"2026-11-25T15:00:00Z"}""");
        Event("TradeMismatched", "P-2:2:TradeMismatched", """{"tradeId":"P-2","version":2,"discrepancies":[{"field":"quantity","ours":"12","theirs":"10"}]}""");
        Event("UnaffirmedAtCutoff", "P-2:2:UnaffirmedAtCutoff", """{"tradeId":"P-2","version":2,"cutoff":"2026-11-25T15:00:00Z"}""");
        // A settlement from an earlier trade date: its terms are not in today's records, only in the event.
        Event("InstructionIssued", "P-1:1:InstructionIssued", """{"tradeId":"P-1","intendedSettlementDate":"2026-11-23"}""");
        Event("SettlementFailed", "P-1:1:SettlementFailed:2026-11-25", """{"tradeId":"P-1","reasonCode":"LACK","failingParty":"counterparty","intendedSettlementDate":"2026-11-23"}""");
        Event("AlertRaised", "ALERT-1", """{"alertId":"ALERT-1","rule":"WashTrade","severity":"high","tradeId":"P-2","description":"buy and sell of FR0000131104 within 60 s"}""");
        Event("TradeTeleported", "X-9:1:TradeTeleported", """{"tradeId":"X-9"}""");
        records["outbound/trade-events/X-8.json"] = Utf8("{not json");

        var inbound = 0;
        void Reply(string id, string outcome, string? tradeId, string? reason = null)
        {
            inbound++;
            records[$"inbound/oms-trades/{id}.json"] = Utf8($$"""{"messageId":"{{id}}","outcome":"{{outcome}}"}""");
            var trade = tradeId is null ? string.Empty : $",\"tradeId\":\"{tradeId}\"";
            var reasonCode = reason is null ? string.Empty : $",\"reasonCode\":\"{reason}\"";
            records[$"outbound/oms-replies/{id}:reply.json"] = Utf8(
                $$$"""{"destination":"oms-replies","messageId":"{{{id}}}:reply","subject":"{{{outcome}}}","applicationProperties":{},"body":{"schemaVersion":"1","inboundMessageId":"{{{id}}}"{{{trade}}},"outcome":"{{{outcome}}}"{{{reasonCode}}},"message":"m"}}""");
        }

        Reply("M-1", "accepted", "P-1");
        Reply("M-2", "accepted", "P-2");
        Reply("M-3", "accepted", "P-2");
        Reply("M-4", "accepted", "P-3");
        Reply("M-5", "accepted", "P-3");
        Reply("M-6", "accepted", "N-1");
        Reply("M-7", "rejected", null, "UnknownIsin");
        Reply("M-8", "duplicate", "P-1");
        _ = inbound;

        void Entry(JournalEntry entry) => records[$"ledger/{entry.Book}/{entry.JournalId}.json"] = JournalEntryJson.Serialize(entry);
        var p1 = TradeDate("P-1", 1, "PAR-CASH", "FR0000120271", 100m, "EUR", -5000m);
        var p2v1 = TradeDate("P-2", 1, "PAR-CASH", "FR0000131104", -10m, "EUR", 200m);
        var p2v2 = TradeDate("P-2", 2, "PAR-CASH", "FR0000131104", -12m, "EUR", 240m);
        var p3 = TradeDate("P-3", 1, "PAR-CASH", "FR0000120271", 7m, "EUR", -350m);
        var n1 = TradeDate("N-1", 1, "NY-CASH", "US0378331005", 5m, "USD", -936.25m);
        Entry(p1);
        Entry(p2v1);
        Entry(p2v1.Reversal(Date, "amended"));
        Entry(p2v2);
        Entry(p3);
        Entry(p3.Reversal(Date, "cancelled"));
        Entry(n1);
        records[RiskMarketData.RecordName] = MarketData().ToJson();
        records["state/confirmation/P-1/confirmation.html"] = Utf8("<html></html>");
        records["reports/PAR-CASH.blotter.csv"] = Utf8("an earlier close's report: not an input");
        return records;
    }

    /// <summary>
    /// The day's market data: FR0000120271 closes at 100 every day but four, where it dips 10%, 5%, 2% and 1% and recovers the
    /// next day; FR0000131104 stays at 50. Apple (the New York position) is not covered, so it is unvalued.
    /// </summary>
    public static RiskMarketData MarketData()
    {
        var prices = new PriceHistory();
        var dates = new List<DateOnly>();
        for (var d = Date; dates.Count < 251; d = d.AddDays(-1))
        {
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                dates.Add(d);
            }
        }

        dates.Reverse();
        var dips = new Dictionary<int, decimal> { [10] = 90m, [50] = 95m, [100] = 98m, [150] = 99m };
        for (var i = 0; i < dates.Count; i++)
        {
            prices.Add("FR0000120271", dates[i], dips.GetValueOrDefault(i, 100m));
            prices.Add("FR0000131104", dates[i], 50m);
        }

        return new RiskMarketData(
            Date,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["PAR-CASH"] = "EUR", ["NY-CASH"] = "USD" },
            new Dictionary<string, RiskSecurity>(StringComparer.Ordinal)
            {
                ["FR0000120271"] = new("FR0000120271", AssetClass.Equity, "EUR", 1m, null, null, null),
                ["FR0000131104"] = new("FR0000131104", AssetClass.Equity, "EUR", 1m, null, null, null),
            },
            [new FxRate(Date, "EUR", "USD", 1.05m, "ECB")],
            prices);
    }

    public static JournalEntry TradeDate(string tradeId, int version, string book, string isin, decimal quantity, string currency, decimal cash) => new(
        string.Create(CultureInfo.InvariantCulture, $"{tradeId}:v{version}:trade-date"), book, EntryKind.TradeDate, Date, tradeId, $"{tradeId} v{version}",
        [
            new JournalLine(new LedgerAccount(book, AccountKind.PositionPending, "ACC-" + book, isin), quantity),
            new JournalLine(new LedgerAccount(book, AccountKind.SettlementDue, Counterparty, isin), -quantity),
            new JournalLine(new LedgerAccount(book, AccountKind.CashPending, "ACC-" + book, currency), cash),
            new JournalLine(new LedgerAccount(book, AccountKind.SettlementDue, Counterparty, currency), -cash),
        ]);

    /// <summary>Runs the builder over records in name order and returns the files as text.</summary>
    public static IReadOnlyDictionary<string, string> Run(IEnumerable<KeyValuePair<string, byte[]>> records, params string[] books)
    {
        var files = new InMemoryReportFiles();
        using (var builder = new DayReportBuilder(Parameters(books), Folders, files))
        {
            foreach (var (name, content) in records.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                builder.Add(name, content);
            }
        }

        return files.Files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal);
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
