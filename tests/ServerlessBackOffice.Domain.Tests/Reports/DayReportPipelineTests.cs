using System.Text;
using ServerlessBackOffice.Domain.Reports;

namespace ServerlessBackOffice.Domain.Tests.Reports;

/// <summary>
/// The builder's fast path (records decoded in batches on the thread pool, journal entries, trade events and OMS replies read
/// with single-pass readers) writes exactly the bytes of the reference path (one record at a time, every record read by the
/// reference readers), whatever the batch size and whatever is wrong with a record.
/// </summary>
public sealed class DayReportPipelineTests
{
    private static readonly string[] Books = ["PAR-CASH", "NY-CASH"];
    private const string Replacements = "\"{}[],:0129-.aeZ\\ ";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Builder_InAnyBatchSize_WritesTheBytesOfTheReferencePath(int batchRecords)
    {
        var records = SampleDay.Records();

        var reference = Run(records, batchRecords: 1_000_000, fast: false);
        var fast = Run(records, batchRecords, fast: true);

        AssertSameFiles(reference, fast);
    }

    [Theory]
    [MemberData(nameof(OddRecords))]
    public void Builder_WhenARecordIsOdd_WritesTheBytesOfTheReferencePath(string name, string content)
    {
        var records = SampleDay.Records();
        records[name] = Encoding.UTF8.GetBytes(content);

        var reference = Run(records, batchRecords: 1_000_000, fast: false);
        var fast = Run(records, batchRecords: 3, fast: true);

        AssertSameFiles(reference, fast);
    }

    [Fact]
    public void Builder_WhenRecordsAreDamagedAtRandom_WritesTheBytesOfTheReferencePath()
    {
        // Deterministic damage: delete, duplicate or replace one byte of one journal entry, trade event or OMS reply at a time.
        var random = new Random(20261206);
        var original = SampleDay.Records();
        var candidates = original.Keys.Where(k => k.StartsWith("ledger/", StringComparison.Ordinal) || k.StartsWith("outbound/", StringComparison.Ordinal)).ToList();
        for (var round = 0; round < 150; round++)
        {
            var records = SampleDay.Records();
            for (var damaged = 0; damaged < 3; damaged++)
            {
                var name = candidates[random.Next(candidates.Count)];
                var bytes = records[name].ToList();
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes.RemoveAt(at);
                        break;
                    case 1:
                        bytes.Insert(at, bytes[at]);
                        break;
                    default:
                        bytes[at] = (byte)Replacements[random.Next(Replacements.Length)];
                        break;
                }

                records[name] = [.. bytes];
            }

            var reference = Run(records, batchRecords: 1_000_000, fast: false);
            var fast = Run(records, batchRecords: 1 + random.Next(8), fast: true);

            AssertSameFiles(reference, fast);
        }
    }

    [Fact]
    public void Builder_WhenTheCallerReusesItsHashArray_ListsEachRecordsOwnHash()
    {
        var records = SampleDay.Records();
        var files = new InMemoryReportFiles();
        var hash = new byte[32];
        using (var builder = new DayReportBuilder(SampleDay.Parameters(Books), SampleDay.Folders, files) { BatchRecords = 2 })
        {
            foreach (var (name, content) in records)
            {
                System.Security.Cryptography.SHA256.HashData(content, hash);
                builder.Add(name, content, hash);
            }
        }

        var reference = Run(records, batchRecords: 1_000_000, fast: false);
        AssertSameFiles(reference, files.Files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal));
    }

    [Fact]
    public void Builder_StillRefusesRecordsOutOfOrder()
    {
        using var builder = new DayReportBuilder(SampleDay.Parameters(Books), SampleDay.Folders, new InMemoryReportFiles()) { BatchRecords = 1 };
        builder.Add("ledger/PAR-CASH/b.json", "{}"u8);

        Assert.Throws<InvalidOperationException>(() => builder.Add("ledger/PAR-CASH/a.json", "{}"u8));
    }

    public static TheoryData<string, string> OddRecords()
    {
        const string Envelope = """{"destination":"trade-events","messageId":"Q-1:1:TradeCaptured","subject":"TradeCaptured","applicationProperties":{"eventType":"TradeCaptured"},"body":BODY}""";
        const string Body = """{"eventId":"Q-1:1:TradeCaptured","eventType":"TradeCaptured","tradeId":"Q-1","version":1,"status":"Live","bookId":"PAR-CASH","account":"ACC-PAR-CASH","side":"buy","isin":"FR0000120271","assetClass":"Equity","mic":"XPAR","quantity":"5","price":"50.00","priceType":"perUnit","currency":"EUR","counterpartyLei":"529900T8BM49AURSDO55","executionTimestamp":"2026-11-25T10:15:00.0000000Z","tradeDate":"2026-11-25","settlementDate":"2026-11-27","gross":"250.00","commission":"0.00","fees":[{"code":"FR_FTT","amount":"1.50"}],"accruedInterest":"0.00","net":"250.00"}""";
        const string Journal = """{"journalId":"Q-1:v1:trade-date","book":"PAR-CASH","kind":"TradeDate","valueDate":"2026-11-25","tradeId":"Q-1","description":"d","lines":[{"kind":"PositionPending","owner":"ACC-PAR-CASH","asset":"FR0000120271","amount":"5"},{"kind":"SettlementDue","owner":"CP","asset":"FR0000120271","amount":"-5"}]}""";
        const string Reply = """{"destination":"oms-replies","messageId":"M-9:reply","subject":"accepted","applicationProperties":{},"body":{"inboundMessageId":"M-9","tradeId":"Q-1","outcome":"accepted","message":"m"}}""";
        const string EventName = "outbound/trade-events/Q-1:1:TradeCaptured.json";
        const string JournalName = "ledger/PAR-CASH/Q-1:v1:trade-date.json";
        const string ReplyName = "outbound/oms-replies/M-9:reply.json";
        string Event(string body) => Envelope.Replace("BODY", body, StringComparison.Ordinal);
        string Edit(string json, string from, string to) => json.Replace(from, to, StringComparison.Ordinal);

        return new TheoryData<string, string>
        {
            { EventName, Event(Body) },
            { EventName, Event(Edit(Body, "\"version\":1", "\"version\":\"1\"")) },
            { EventName, Event(Edit(Body, "\"version\":1", "\"version\":1.5")) },
            { EventName, Event(Edit(Body, "\"quantity\":\"5\"", "\"quantity\":5")) },
            { EventName, Event(Edit(Body, "\"quantity\":\"5\"", "\"quantity\":\"5e2\"")) },
            { EventName, Event(Edit(Body, "\"price\":\"50.00\"", "\"price\":\"-050.10\"")) },
            { EventName, Event(Edit(Body, "\"isin\":\"FR0000120271\",", string.Empty)) },
            { EventName, Event(Edit(Body, "\"isin\":\"FR0000120271\"", "\"isin\":\"\"")) },
            { EventName, Event(Edit(Body, "\"isin\":\"FR0000120271\"", "\"isin\":\"FR0000120271\",\"isin\":\"FR0000131104\"")) },
            { EventName, Event(Edit(Body, "\"isin\"", "\"\\u0069sin\"")) },
            { EventName, Event(Edit(Body, "\"account\":\"ACC-PAR-CASH\"", "\"account\":\"ACC,\\\"PAR\\\"\"")) },
            { EventName, Event(Edit(Body, "\"tradeDate\":\"2026-11-25\"", "\"tradeDate\":\"2026-02-30\"")) },
            { EventName, Event(Edit(Body, "\"executionTimestamp\":\"2026-11-25T10:15:00.0000000Z\"", "\"executionTimestamp\":\"yesterday\"")) },
            { EventName, Event(Edit(Body, "\"fees\":[{\"code\":\"FR_FTT\",\"amount\":\"1.50\"}]", "\"fees\":\"none\"")) },
            { EventName, Event(Edit(Body, "\"fees\":[{\"code\":\"FR_FTT\",\"amount\":\"1.50\"}]", "\"fees\":[{\"amount\":\"1.50\"},{\"amount\":\"0.25\"}]")) },
            { EventName, Event(Edit(Body, "\"fees\":[{\"code\":\"FR_FTT\",\"amount\":\"1.50\"}]", "\"fees\":[{\"code\":\"X\"}]")) },
            { EventName, Event(Edit(Body, "\"fees\":[{\"code\":\"FR_FTT\",\"amount\":\"1.50\"}]", "\"fees\":[1]")) },
            { EventName, Event(Edit(Body, "\"bookId\":\"PAR-CASH\"", "\"bookId\":\"ELSEWHERE\"")) },
            { EventName, Event(Edit(Body, "\"mic\":\"XPAR\"", "\"mic\":\"XNYS\"")) },
            { EventName, Edit(Event(Body), "\"applicationProperties\":{\"eventType\":\"TradeCaptured\"}", "\"applicationProperties\":{}") },
            { EventName, Edit(Event(Body), "\"applicationProperties\":{\"eventType\":\"TradeCaptured\"}", "\"applicationProperties\":{\"eventType\":\"TradeAmended\"}") },
            { EventName, Edit(Event(Body), "\"applicationProperties\":{\"eventType\":\"TradeCaptured\"}", "\"applicationProperties\":[]") },
            { EventName, Edit(Event(Body), "\"applicationProperties\":{\"eventType\":\"TradeCaptured\"},", string.Empty) + " trailing" },
            { EventName, Edit(Event(Body), "\"subject\":\"TradeCaptured\",\"applicationProperties\":{\"eventType\":\"TradeCaptured\"},", string.Empty) },
            { EventName, "{\"body\":" + Body + ",\"applicationProperties\":{\"eventType\":\"TradeCancelled\"}}" },
            { EventName, "{\"body\":" + Body + ",\"applicationProperties\":{\"eventType\":\"TradeSettled\"}}" },
            { EventName, Event(Body) + Event(Body) },
            { EventName, Event(Body)[..^1] },
            { JournalName, Journal },
            { JournalName, Edit(Journal, "\"amount\":\"-5\"", "\"amount\":\"-4\"") },
            { JournalName, Edit(Journal, "\"amount\":\"-5\"", "\"amount\":-5") },
            { JournalName, Edit(Journal, "\"kind\":\"TradeDate\"", "\"kind\":\"Trade\"") },
            { JournalName, Edit(Journal, "\"kind\":\"TradeDate\"", "\"kind\":\"1\"") },
            { JournalName, Edit(Journal, "\"kind\":\"PositionPending\"", "\"kind\":\" PositionPending\"") },
            { JournalName, Edit(Journal, "\"description\":\"d\"", "\"description\":\"\"") },
            { JournalName, Edit(Journal, "\"description\":\"d\"", "\"description\":null") },
            { JournalName, Edit(Journal, "\"book\":\"PAR-CASH\"", "\"book\":\"NY-CASH\"") },
            { JournalName, Edit(Journal, "{\"kind\":\"SettlementDue\"", "{\"book\":\"NY-CASH\",\"kind\":\"SettlementDue\"") },
            { JournalName, Edit(Journal, "{\"kind\":\"SettlementDue\"", "{\"book\":\"\",\"kind\":\"SettlementDue\"") },
            { JournalName, Edit(Journal, "]}", "],\"reverses\":7}") },
            { JournalName, Edit(Journal, "]}", "],\"originalValueDate\":\"2026-11-24\"}") },
            { JournalName, Edit(Journal, "\"lines\":[", "\"lines\":[],\"x\":[") },
            { JournalName, "[" + Journal + "]" },
            { ReplyName, Reply },
            { ReplyName, Edit(Reply, "\"outcome\":\"accepted\"", "\"outcome\":\"rejected\",\"reasonCode\":\"X\"") },
            { ReplyName, Edit(Reply, "\"outcome\":\"accepted\"", "\"outcome\":\"\"") },
            { ReplyName, Edit(Reply, "\"outcome\":\"accepted\"", "\"outcome\":\"accepted\",\"outcome\":\"stale\"") },
            { ReplyName, Edit(Reply, ",\"body\":{", ",\"body\":7,\"x\":{") },
            { ReplyName, "{\"inboundMessageId\":\"M-9\",\"outcome\":\"accepted\"}" },
        };
    }

    private static Dictionary<string, string> Run(SortedDictionary<string, byte[]> records, int batchRecords, bool fast)
    {
        var files = new InMemoryReportFiles();
        using (var builder = new DayReportBuilder(SampleDay.Parameters(Books), SampleDay.Folders, files) { BatchRecords = batchRecords, UseFastReaders = fast })
        {
            foreach (var (name, content) in records)
            {
                builder.Add(name, content);
            }
        }

        return files.Files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal);
    }

    private static void AssertSameFiles(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, content) in expected)
        {
            Assert.True(string.Equals(content, actual[name], StringComparison.Ordinal), $"{name} differs:\n--- reference\n{content}\n--- fast\n{actual[name]}");
        }
    }
}
