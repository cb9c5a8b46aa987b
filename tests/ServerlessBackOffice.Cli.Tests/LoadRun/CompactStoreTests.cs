using System.IO.Compression;
using System.Text.Json;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Cli.Tests.LoadRun;

/// <summary>The trade store contract, against the in-memory store keeping compressed Cosmos documents (the load run's).</summary>
public sealed class CompactTradeStoreContractTests : TradeStoreContract
{
    protected override Task<ITradeStore> CreateStoreAsync() => Task.FromResult<ITradeStore>(new InMemoryTradeStore(CosmosDocumentCodecs.Trade));
}

/// <summary>The confirmation store contract, against the in-memory store keeping compressed Cosmos documents (the load run's).</summary>
public sealed class CompactConfirmationStoreContractTests : ConfirmationStoreContract
{
    protected override Task<IConfirmationStore> CreateStoreAsync() =>
        Task.FromResult<IConfirmationStore>(new InMemoryConfirmationStore(CosmosDocumentCodecs.Confirmation));
}

/// <summary>The ledger store contract, against the in-memory store keeping compressed Cosmos documents (the load run's).</summary>
public sealed class CompactLedgerStoreContractTests : LedgerStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync() =>
        Task.FromResult<ILedgerStore>(new InMemoryLedgerStore(CosmosDocumentCodecs.LedgerState, CosmosDocumentCodecs.JournalEntry));
}

/// <summary>The compliance store contract, against the in-memory store keeping its alerts as compressed Cosmos documents (the load run's).</summary>
public sealed class CompactComplianceStoreContractTests : ComplianceStoreContract
{
    protected override Task<IComplianceStore> CreateStoreAsync() =>
        Task.FromResult<IComplianceStore>(new InMemoryComplianceStore(CosmosDocumentCodecs.ComplianceAlert));
}

/// <summary>
/// The settlement store keeping compressed documents (there is no settlement store contract yet): documents read back
/// equal, the ETag rules hold, and the queries select on the fields of the written documents, exactly as the plain store.
/// </summary>
public sealed class CompactSettlementStoreTests
{
    private static readonly DateOnly Date = new(2026, 11, 26);
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static TheoryData<bool> Compact => new() { false, true };

    private static InMemorySettlementStore Store(bool compact) => compact
        ? new InMemorySettlementStore(CosmosDocumentCodecs.SettlementTrade, CosmosDocumentCodecs.SettlementInstruction)
        : new InMemorySettlementStore();

    private static TradeSettlementDocument Trade(string id, TradeSettlementStatus status, DateOnly? date) =>
        new(id, 1, 1, status, null, date, null,
            [new OutboundMessage("trade-events", $"{id}:1", "TradeInstructed", "corr-1", new Dictionary<string, string> { ["eventType"] = "TradeInstructed" }, "{\"a\":\"1.50\"}")],
            ["m-1", "m-2"], null);

    private static SettlementInstructionDocument Instruction(string id, InstructionPhase phase, SettlementStatus status)
    {
        var ssi = new StandingSettlementInstruction("SSI-1", "DTCYUS33", "AGENTUS33", "SAFE-1");
        var instruction = new SettlementInstruction(id, "LEI-CPTY", "US0378331005", Date.AddDays(-2), Date, "USD", default, default, 100.5m, false, 15075.25m, true, ssi, ssi, ["T-1", "T-2"]);
        var lifecycle = SettlementLifecycle.Instructed(id, 100.5m) with { Status = status };
        return new SettlementInstructionDocument(
            id, phase, instruction, "LEI-CUST", "ACC-1", "XNYS", true,
            [new TradeAllocation("T-1", 1, "BOOK-1", "Buy", 100.5m, 15075.25m, 100.5m, 15075.25m, "corr-1")],
            lifecycle, new DateTimeOffset(2026, 11, 24, 21, 5, 0, TimeSpan.Zero), [], null, NettingRun: 3);
    }

    private static string Text(object? document) => JsonSerializer.Serialize(document, Json);

    [Theory]
    [MemberData(nameof(Compact))]
    public async Task Documents_ReadBackEqual_WithTheirETag(bool compact)
    {
        var store = Store(compact);
        var trade = Trade("T-1", TradeSettlementStatus.AwaitingNetting, Date);
        var instruction = Instruction("I-1", InstructionPhase.Live, SettlementStatus.Instructed);
        var ct = TestContext.Current.CancellationToken;

        var (tradeWrite, instructionWrite) = (await store.TryWriteTradeAsync(trade, null, ct), await store.TryWriteInstructionAsync(instruction, null, ct));

        Assert.Equal(Text(trade with { ETag = tradeWrite.ETag }), Text(await store.GetTradeAsync("T-1", ct)));
        Assert.Equal(Text(instruction with { ETag = instructionWrite.ETag }), Text(await store.GetInstructionAsync("I-1", ct)));
        Assert.Null(await store.GetTradeAsync("T-2", ct));
    }

    [Theory]
    [MemberData(nameof(Compact))]
    public async Task Writes_NeedTheCurrentETag_OrNoneToCreate(bool compact)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Store(compact);
        var trade = Trade("T-1", TradeSettlementStatus.AwaitingAffirmation, null);

        var created = await store.TryWriteTradeAsync(trade, null, ct);
        Assert.True(created.Written);
        Assert.False((await store.TryWriteTradeAsync(trade, null, ct)).Written);
        Assert.False((await store.TryWriteTradeAsync(trade, "stale", ct)).Written);
        var replaced = await store.TryWriteTradeAsync(trade with { Status = TradeSettlementStatus.AwaitingNetting }, created.ETag, ct);
        Assert.True(replaced.Written);
        Assert.False((await store.TryWriteTradeAsync(trade, created.ETag, ct)).Written);
        Assert.Equal(replaced.ETag, (await store.GetTradeAsync("T-1", ct))!.ETag);
        Assert.False((await store.TryWriteInstructionAsync(Instruction("I-1", InstructionPhase.Draft, SettlementStatus.Instructed), "1", ct)).Written);
    }

    [Theory]
    [MemberData(nameof(Compact))]
    public async Task Queries_SelectOnTheLatestWrite(bool compact)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Store(compact);
        await store.TryWriteTradeAsync(Trade("T-due", TradeSettlementStatus.AwaitingNetting, Date), null, ct);
        await store.TryWriteTradeAsync(Trade("T-later", TradeSettlementStatus.AwaitingNetting, Date.AddDays(1)), null, ct);
        var instructed = await store.TryWriteTradeAsync(Trade("T-instructed", TradeSettlementStatus.AwaitingNetting, Date), null, ct);
        await store.TryWriteTradeAsync(Trade("T-instructed", TradeSettlementStatus.Instructed, Date), instructed.ETag, ct);
        await store.TryWriteInstructionAsync(Instruction("I-draft", InstructionPhase.Draft, SettlementStatus.Instructed), null, ct);
        await store.TryWriteInstructionAsync(Instruction("I-open", InstructionPhase.Live, SettlementStatus.Instructed), null, ct);
        var settled = await store.TryWriteInstructionAsync(Instruction("I-settled", InstructionPhase.Live, SettlementStatus.Instructed), null, ct);
        await store.TryWriteInstructionAsync(Instruction("I-settled", InstructionPhase.Live, SettlementStatus.Settled), settled.ETag, ct);

        Assert.Equal(["T-due"], await store.AwaitingNettingAsync(Date, ct).Select(d => d.TradeId).ToListAsync(ct));
        Assert.Equal(["T-due", "T-later"], (await store.AwaitingNettingAsync(Date.AddDays(1), ct).Select(d => d.TradeId).ToListAsync(ct)).Order(StringComparer.Ordinal));
        Assert.Equal(["I-draft"], await store.DraftInstructionsAsync(ct).Select(d => d.InstructionId).ToListAsync(ct));
        Assert.Equal(["I-open"], await store.OpenInstructionsAsync(ct).Select(d => d.InstructionId).ToListAsync(ct));
    }
}

/// <summary>The compression of the load run's stores round-trips what it is given, and gains from its primer.</summary>
public sealed class PrimedCompressorTests
{
    [Fact]
    public void Compress_ThenDecompress_GivesTheSameBytes_WhateverTheFirstWasPrimedWith()
    {
        byte[][] samples =
        [
            "{\"tradeId\":\"T-1\",\"quantity\":\"100\"}"u8.ToArray(), [], "{}"u8.ToArray(), "{\"tradeId\":\"T-2\",\"quantity\":\"200\"}"u8.ToArray(),
            [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7919 % 251))], .. Enumerable.Range(1, 5).Select(n => new byte[n * 1000]),
        ];
        var compressor = new PrimedCompressor();
        var compressed = samples.Select(s => compressor.Compress(s)).ToList();

        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(samples[i], compressor.Decompress(compressed[i]));
        }

    }

    [Fact]
    public void ADocumentLikeThePrimer_TakesLessThanHalfOfItsOwnCompressedSize()
    {
        static byte[] Document(int i) => JsonSerializer.SerializeToUtf8Bytes(
            Enumerable.Range(0, 40).ToDictionary(f => $"propertyNumber{f}OfTheDocument", f => $"value-{i}-{f * 7 % 13}"));
        var compressor = new PrimedCompressor();
        compressor.Compress(Document(1));

        var primed = compressor.Compress(Document(2));
        var alone = new byte[BrotliEncoder.GetMaxCompressedLength(Document(2).Length)];
        Assert.True(BrotliEncoder.TryCompress(Document(2), alone, out var aloneLength, quality: 2, window: 16));

        Assert.True(primed.Length * 2 < aloneLength, $"{primed.Length} bytes primed, {aloneLength} alone");
        Assert.Equal(Document(2), compressor.Decompress(primed));
    }

    [Fact]
    public void Decompress_BeforeAnyCompress_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => new PrimedCompressor().Decompress([1, 2, 3]));

    [Fact]
    public void JournalEntry_RoundTrips()
    {
        var entry = new JournalEntry(
            "J-1", "BOOK-1", EntryKind.TradeDate, new DateOnly(2026, 11, 24), "T-1", "Buy 100 XYZ",
            [new JournalLine(new LedgerAccount("BOOK-1", AccountKind.PositionPending, "ACC-1", "US0378331005"), 100m), new JournalLine(new LedgerAccount("BOOK-1", AccountKind.PositionPending, "CPTY", "US0378331005"), -100m)],
            null, null);

        var decoded = CosmosDocumentCodecs.JournalEntry.Decode(CosmosDocumentCodecs.JournalEntry.Encode(entry));

        Assert.Equal(JsonSerializer.Serialize(entry), JsonSerializer.Serialize(decoded));
    }
}
