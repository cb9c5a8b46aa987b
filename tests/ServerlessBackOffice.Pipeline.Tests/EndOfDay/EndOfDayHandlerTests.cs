using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reports;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Risk;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.EndOfDay;

/// <summary>
/// The end-of-day handler at its ports: the archive (the in-memory store, recording what is written), strict mocks for the
/// report sink and reference data. It archives each book's reports with the inputs file first, delivers them, re-runs
/// without writing anything different, and seals the day once every book has closed.
/// </summary>
public sealed class EndOfDayHandlerTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private readonly ArchiveSigningKey _key = ArchiveSigningKey.Generate();
    private readonly RecordingArchive _archive = new();
    private readonly Mock<IReportSink> _sink = new(MockBehavior.Strict);
    private readonly Mock<IReferenceDataSource> _referenceData = new(MockBehavior.Strict);
    private readonly List<(string Name, byte[] Bytes)> _delivered = [];

    public EndOfDayHandlerTests()
    {
        _referenceData.Setup(r => r.GetCurrentAsync(It.IsAny<CancellationToken>())).ReturnsAsync(SampleData.ReferenceData);
        _sink.Setup(s => s.WriteAsync(Day, It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<CancellationToken>()))
            .Returns((DateOnly _, string name, Stream content, CancellationToken _) =>
            {
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                _delivered.Add((name, copy.ToArray()));
                return Task.FromResult(ReportSinkResult.Written);
            });
    }

    public void Dispose() => _key.Dispose();

    private EndOfDayHandler Handler() => new(
        _archive, new ArchiveDaySealer(_archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [_sink.Object],
        _referenceData.Object, new EndOfDayOptions(), NullLogger<EndOfDayHandler>.Instance);

    private static BookClose Close(string book) => new(book, Day, new DateTimeOffset(2026, 11, 24, 22, 0, 0, TimeSpan.Zero));

    private async Task ArchiveTradeAsync(string tradeId, string book, string mic, string time = "15:30")
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse($"2026-11-24T{time}:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var inner = new Mock<IMessagePublisher>(MockBehavior.Strict);
        inner.Setup(p => p.PublishAsync(It.IsAny<OutboundMessage>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        var publisher = new ArchivingMessagePublisher(inner.Object, _archive, clock);
        var body = $$"""
            {"eventId":"{{tradeId}}:1:TradeCaptured","eventType":"TradeCaptured","tradeId":"{{tradeId}}","version":1,"status":"Live","bookId":"{{book}}",
             "account":"ACC-1","side":"buy","isin":"FR0000120271","assetClass":"Equity","mic":"{{mic}}","quantity":"100","price":"50.00",
             "priceType":"perUnit","currency":"EUR","counterpartyLei":"529900T8BM49AURSDO55","custodianLei":"C","executionTimestamp":"2026-11-24T10:00:00Z",
             "tradeDate":"2026-11-24","settlementDate":"2026-11-26","gross":"5000.00","commission":"0.00","fees":[],"accruedInterest":"0.00","net":"5000.00",
             "roundingRule":"HalfAwayFromZeroToMinorUnits"}
            """;
        await publisher.PublishAsync(
            new OutboundMessage(Entities.TradeEvents.Name, $"{tradeId}:1:TradeCaptured", "TradeCaptured", "corr", new Dictionary<string, string> { ["eventType"] = "TradeCaptured" }, body),
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Close_ClosesTheBooksLedgerDaySoALatePostingMovesToTheNextOpenDay()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        var ledger = new InMemoryLedgerStore();
        var handler = new EndOfDayHandler(
            _archive, new ArchiveDaySealer(_archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [_sink.Object],
            _referenceData.Object, new EndOfDayOptions(), NullLogger<EndOfDayHandler>.Instance, ledger: ledger);

        await handler.CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);
        await handler.CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken); // repeated: closes nothing twice

        Assert.Equal([Day], await ledger.ClosedDaysAsync("PAR-CASH", TestContext.Current.CancellationToken));
        Assert.Empty(await ledger.ClosedDaysAsync("NY-CASH", TestContext.Current.CancellationToken));
        var late = Ledger.LedgerPostingHandlerTests.Trade() with { Book = "PAR-CASH" };
        await new LedgerPostingHandler(ledger, NullLogger<LedgerPostingHandler>.Instance).HandleAsync(new PostTradeVersion(late), TestContext.Current.CancellationToken);
        var entries = new List<JournalEntry>();
        await foreach (var posted in ledger.EntriesAsync("PAR-CASH", Day.AddDays(7), TestContext.Current.CancellationToken))
        {
            entries.Add(posted);
        }

        var entry = Assert.Single(entries);
        Assert.Equal((Day.AddDays(1), Day), (entry.ValueDate, entry.OriginalValueDate));
    }

    [Fact]
    public async Task Close_ArchivesEveryReportOfTheBookInputsFirstAndDeliversEach()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");

        var result = await Handler().CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);

        Assert.Equal([new BookCloseResult("PAR-CASH", Day, 1, ReportFiles.All.Count)], result.Books);
        Assert.False(result.Sealed);
        Assert.Equal(ArchiveRecordNames.Report("PAR-CASH.inputs.csv"), _archive.Written.First(n => n.StartsWith("reports/", StringComparison.Ordinal)));
        Assert.Equal(ReportFiles.All.Select(r => ReportFiles.For("PAR-CASH", r)).Order(StringComparer.Ordinal), _delivered.Select(d => d.Name).Order(StringComparer.Ordinal));
        var blotter = Encoding.UTF8.GetString(_delivered.Single(d => d.Name == "PAR-CASH.blotter.csv").Bytes);
        Assert.Contains("P-1,1,TradeCaptured,Live,ACC-1,buy,FR0000120271", blotter, StringComparison.Ordinal);
        foreach (var (name, bytes) in _delivered)
        {
            await using var archived = await _archive.OpenAsync(Day, ArchiveRecordNames.Report(name), TestContext.Current.CancellationToken);
            using var copy = new MemoryStream();
            await archived!.CopyToAsync(copy, TestContext.Current.CancellationToken);
            Assert.Equal(bytes, copy.ToArray());
        }
    }

    [Fact]
    public async Task Close_RunAgainAfterMoreRecordsArrived_RecomputesFromTheClosedInputsAndWritesNothingNew()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        await Handler().CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);
        var first = _delivered.ToDictionary(d => d.Name, d => d.Bytes, StringComparer.Ordinal);
        await ArchiveTradeAsync("P-2", "PAR-CASH", "XPAR", "23:00");
        _delivered.Clear();

        var again = await Handler().CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);

        Assert.Equal(0, again.Books.Single().Written);
        Assert.Equal(1, again.Books.Single().Inputs);
        Assert.Equal(first, _delivered.ToDictionary(d => d.Name, d => d.Bytes, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Close_WhenAnArchivedReportDiffersFromTheRecomputedOne_RefusesAndOverwritesNothing()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        await Handler().CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);
        _archive.Inner.TamperForTest(Day, ArchiveRecordNames.Report("PAR-CASH.blotter.csv"), "tampered");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Handler().CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Close_OfTheLastBook_SealsTheDayAndDeliversAVerifiableBundleThatReplays()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        await ArchiveTradeAsync("L-1", "LDN-CASH", "XLON");
        var handler = Handler();
        await handler.CloseAsync(Day, [Close("LDN-CASH"), Close("PAR-CASH")], TestContext.Current.CancellationToken);
        Assert.Null(await _archive.ReadSealAsync(Day, TestContext.Current.CancellationToken));

        var result = await handler.CloseAsync(Day, [Close("NY-CASH")], TestContext.Current.CancellationToken);

        Assert.True(result.Sealed);
        var bundle = ZipArchiveBundle.Open(_delivered.Single(d => d.Name == EndOfDayHandler.BundleFileName).Bytes);
        Assert.True(ArchiveVerifier.Verify(bundle, [_key.ExportPublicKeyPem()]).IsIntact);
        var replay = DayReplay.Replay(bundle, ReportFolders.FromTopology());
        Assert.True(replay.IsIdentical, string.Join("; ", replay.Findings));
        Assert.Equal(["LDN-CASH", "NY-CASH", "PAR-CASH"], replay.Books);
        Assert.Equal(3 * ReportFiles.All.Count, replay.ReportsCompared);
    }

    [Fact]
    public async Task Close_WithTheRiskMarketData_ArchivesItOnceAndReportsRiskThatTheReplayReproduces()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        var entry = new JournalEntry("P-1:v1:trade-date", "PAR-CASH", EntryKind.TradeDate, Day, "P-1", "P-1 v1",
        [
            new JournalLine(new LedgerAccount("PAR-CASH", AccountKind.PositionPending, "ACC-1", "FR0000120271"), 100m),
            new JournalLine(new LedgerAccount("PAR-CASH", AccountKind.SettlementDue, "529900T8BM49AURSDO55", "FR0000120271"), -100m),
        ]);
        await _archive.WriteAsync(new ArchiveRecord(Day, ArchiveRecordNames.JournalEntry("PAR-CASH", entry.JournalId), JournalEntryJson.Serialize(entry), "application/json"),
            TestContext.Current.CancellationToken);
        var prices = new FixedPriceHistorySource(SamplePriceHistory.Create(SampleData.ReferenceData.Securities.Values, Day));
        var handler = new EndOfDayHandler(
            _archive, new ArchiveDaySealer(_archive, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [_sink.Object],
            _referenceData.Object, new EndOfDayOptions(), NullLogger<EndOfDayHandler>.Instance, new RiskMarketDataArchiver(_archive, prices, _referenceData.Object));

        await handler.CloseAsync(Day, [Close("LDN-CASH"), Close("NY-CASH"), Close("PAR-CASH")], TestContext.Current.CancellationToken);

        Assert.Single(_archive.Written, n => n == RiskMarketData.RecordName);
        var risk = Encoding.UTF8.GetString(_delivered.Single(d => d.Name == "PAR-CASH.risk.csv").Bytes);
        var book = risk.Split("\r\n").Single(l => l.StartsWith("book,PAR-CASH,", StringComparison.Ordinal));
        Assert.StartsWith("book,PAR-CASH,,,EUR,", book, StringComparison.Ordinal);
        Assert.NotEqual("0.00", book.Split(',')[6]);
        var bundle = ZipArchiveBundle.Open(_delivered.Single(d => d.Name == EndOfDayHandler.BundleFileName).Bytes);
        var replay = DayReplay.Replay(bundle, ReportFolders.FromTopology());
        Assert.True(replay.IsIdentical, string.Join("; ", replay.Findings));
    }

    [Fact]
    public async Task Close_OfBooksClosingTogether_ReadsEachRecordOnceAndGivesTheReportsOfClosingThemOneByOne()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        await ArchiveTradeAsync("P-2", "PAR-CASH", "XPAR", "15:45");
        await ArchiveTradeAsync("N-1", "NY-CASH", "XNYS");
        var records = new List<ArchivedRecordInfo>();
        await foreach (var record in _archive.ListAsync(Day, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        // The same records in a second archive, closed one book at a time.
        var oneByOne = new InMemoryArchiveStore();
        foreach (var record in records)
        {
            await using var content = await _archive.Inner.OpenAsync(Day, record.Name, TestContext.Current.CancellationToken);
            using var copy = new MemoryStream();
            await content!.CopyToAsync(copy, TestContext.Current.CancellationToken);
            await oneByOne.WriteAsync(new ArchiveRecord(Day, record.Name, copy.ToArray(), "application/json"), TestContext.Current.CancellationToken);
        }

        var separate = new EndOfDayHandler(
            oneByOne, new ArchiveDaySealer(oneByOne, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance), [],
            _referenceData.Object, new EndOfDayOptions(), NullLogger<EndOfDayHandler>.Instance);
        var first = await separate.CloseAsync(Day, [Close("NY-CASH")], TestContext.Current.CancellationToken);
        var second = await separate.CloseAsync(Day, [Close("PAR-CASH")], TestContext.Current.CancellationToken);

        var together = await Handler().CloseAsync(Day, [Close("PAR-CASH"), Close("NY-CASH")], TestContext.Current.CancellationToken);

        Assert.Equal([.. first.Books, .. second.Books], together.Books.OrderBy(b => b.Book, StringComparer.Ordinal));
        var inputs = records.Select(r => r.Name).Where(DayReportBuilder.IsInput).ToList();
        Assert.NotEmpty(inputs);
        Assert.All(inputs, name => Assert.Equal(1, _archive.Opened.Count(n => n == name)));
        foreach (var (name, bytes) in _delivered)
        {
            await using var separately = await oneByOne.OpenAsync(Day, ArchiveRecordNames.Report(name), TestContext.Current.CancellationToken);
            using var copy = new MemoryStream();
            await separately!.CopyToAsync(copy, TestContext.Current.CancellationToken);
            Assert.Equal(copy.ToArray(), bytes);
        }

        Assert.Equal(2 * ReportFiles.All.Count, _delivered.Count);
    }

    [Fact]
    public async Task Close_ThatSealsTheDay_WritesTheBundleFromTheRecordsTheCloseRead_WithoutReadingThemAgain()
    {
        await ArchiveTradeAsync("P-1", "PAR-CASH", "XPAR");
        await ArchiveTradeAsync("P-2", "PAR-CASH", "XPAR", "15:45");
        await ArchiveTradeAsync("N-1", "NY-CASH", "XNYS");

        var result = await Handler().CloseAsync(Day, [Close("LDN-CASH"), Close("NY-CASH"), Close("PAR-CASH")], TestContext.Current.CancellationToken);

        Assert.True(result.Sealed);
        var inputs = _archive.Written.Where(DayReportBuilder.IsInput).ToList();
        Assert.NotEmpty(inputs);
        Assert.All(inputs, name => Assert.Equal(1, _archive.Opened.Count(n => n == name)));
        // The same bundle, byte for byte, as one written from the store alone.
        using var fromStore = new MemoryStream();
        await new ArchiveDaySealer(_archive.Inner, new FixedSigningKeyProvider(_key), NullLogger<ArchiveDaySealer>.Instance)
            .WriteBundleAsync(Day, fromStore, TestContext.Current.CancellationToken);
        Assert.Equal(fromStore.ToArray(), _delivered.Single(d => d.Name == EndOfDayHandler.BundleFileName).Bytes);
        Assert.True(ArchiveVerifier.Verify(ZipArchiveBundle.Open(fromStore.ToArray()), []).IsIntact);
    }

    [Fact]
    public async Task IsClosed_IsTrueOnlyOnceTheBooksInputsAreArchived()
    {
        var handler = Handler();
        Assert.False(await handler.IsClosedAsync(Day, "NY-CASH", TestContext.Current.CancellationToken));

        await handler.CloseAsync(Day, [Close("NY-CASH")], TestContext.Current.CancellationToken);

        Assert.True(await handler.IsClosedAsync(Day, "NY-CASH", TestContext.Current.CancellationToken));
        Assert.False(await handler.IsClosedAsync(Day, "PAR-CASH", TestContext.Current.CancellationToken));
    }

    /// <summary>The in-memory archive, noting the order of successful writes.</summary>
    private sealed class RecordingArchive : IArchiveStore
    {
        public InMemoryArchiveStore Inner { get; } = new();

        public List<string> Written { get; } = [];

        public async Task<ArchiveWriteResult> WriteAsync(ArchiveRecord record, CancellationToken cancellationToken)
        {
            var result = await Inner.WriteAsync(record, cancellationToken);
            if (result == ArchiveWriteResult.Written)
            {
                Written.Add(record.Name);
            }

            return result;
        }

        public IAsyncEnumerable<ArchivedRecordInfo> ListAsync(DateOnly businessDate, CancellationToken cancellationToken) => Inner.ListAsync(businessDate, cancellationToken);

        public List<string> Opened { get; } = [];

        public Task<Stream?> OpenAsync(DateOnly businessDate, string name, CancellationToken cancellationToken)
        {
            lock (Opened)
            {
                Opened.Add(name);
            }

            return Inner.OpenAsync(businessDate, name, cancellationToken);
        }

        public Task<bool> WriteSealAsync(SealedDay seal, CancellationToken cancellationToken) => Inner.WriteSealAsync(seal, cancellationToken);

        public Task<IReadOnlyDictionary<string, byte[]>?> ReadSealAsync(DateOnly businessDate, CancellationToken cancellationToken) => Inner.ReadSealAsync(businessDate, cancellationToken);

        public IAsyncEnumerable<DateOnly> DaysAsync(CancellationToken cancellationToken) => Inner.DaysAsync(cancellationToken);
    }
}
