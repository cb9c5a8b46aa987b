using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Capture;

/// <summary>The capture archive contract over the in-memory archive store (the Blob store runs it in IntegrationTests).</summary>
public sealed class ArchiveCaptureArchiveContractTests : CaptureArchiveContract
{
    protected override Task<ICaptureArchive> CreateArchiveAsync() =>
        Task.FromResult<ICaptureArchive>(new ArchiveCaptureArchive(new InMemoryArchiveStore(), NullLogger<ArchiveCaptureArchive>.Instance));
}

/// <summary>Where and how capture's archive records are written.</summary>
public sealed class ArchiveCaptureArchiveTests
{
    private readonly InMemoryArchiveStore _store = new();

    private ArchiveCaptureArchive Archive() => new(_store, NullLogger<ArchiveCaptureArchive>.Instance);

    private async Task<byte[]?> RecordAsync(DateOnly day, string name)
    {
        await using var stream = await _store.OpenAsync(day, name, TestContext.Current.CancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        return copy.ToArray();
    }

    [Fact]
    public async Task Archive_WritesTheInboundRecordOfTheOmsQueue_OnTheNewYorkDayOfItsReceipt()
    {
        // 03:30 UTC on 25 November is still 24 November in New York.
        var entry = PortSamples.Entry("MSG/1", CaptureOutcomeKind.Accepted) with { ReceivedAt = new DateTimeOffset(2026, 11, 25, 3, 30, 0, TimeSpan.Zero) };

        await Archive().ArchiveAsync(entry, TestContext.Current.CancellationToken);

        var name = $"inbound/{Entities.OmsTrades.Name}/MSG%2F1.json";
        Assert.Equal(name, ArchiveCaptureArchive.RecordName("MSG/1"));
        Assert.NotNull(await RecordAsync(new DateOnly(2026, 11, 24), name));
        Assert.Null(await RecordAsync(new DateOnly(2026, 11, 25), name));
    }

    [Fact]
    public async Task Render_EmbedsAJsonBodyAndReplyAsJson_WithTheOutcomeAndReason()
    {
        var entry = PortSamples.Entry("m-1", CaptureOutcomeKind.Rejected) with { ReasonCode = ReasonCode.UnknownInstrument };

        await Archive().ArchiveAsync(entry, TestContext.Current.CancellationToken);

        var record = (await RecordAsync(new DateOnly(2026, 11, 24), ArchiveCaptureArchive.RecordName("m-1")))!;
        using var json = JsonDocument.Parse(record);
        var root = json.RootElement;
        Assert.Equal(
            ["inboundMessageId", "receivedAt", "outcome", "reasonCode", "body", "reply"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("m-1", root.GetProperty("inboundMessageId").GetString());
        Assert.Equal("2026-11-24T15:30:01.0000000+00:00", root.GetProperty("receivedAt").GetString());
        Assert.Equal("rejected", root.GetProperty("outcome").GetString());
        Assert.Equal("UnknownInstrument", root.GetProperty("reasonCode").GetString());
        Assert.Equal("T", root.GetProperty("body").GetProperty("tradeId").GetString());
        Assert.Equal("rejected", root.GetProperty("reply").GetProperty("outcome").GetString());
    }

    [Theory]
    [InlineData(CaptureOutcomeKind.Rejected, true)]
    [InlineData(CaptureOutcomeKind.DeadLettered, true)]
    [InlineData(CaptureOutcomeKind.Accepted, false)]
    [InlineData(CaptureOutcomeKind.Duplicate, false)]
    [InlineData(CaptureOutcomeKind.Stale, false)]
    public async Task Archive_IndexesRejectedAndDeadLetteredMessages_WithTheInboundRecordsBytes(CaptureOutcomeKind outcome, bool indexed)
    {
        var entry = PortSamples.Entry("m-9", outcome);

        await Archive().ArchiveAsync(entry, TestContext.Current.CancellationToken);

        var day = new DateOnly(2026, 11, 24);
        var index = await RecordAsync(day, ArchiveCaptureArchive.RejectionIndexName("m-9"));
        Assert.Equal("state/capture/rejected/m-9.json", ArchiveCaptureArchive.RejectionIndexName("m-9"));
        if (indexed)
        {
            Assert.Equal(await RecordAsync(day, ArchiveCaptureArchive.RecordName("m-9")), index);
        }
        else
        {
            Assert.Null(index);
        }
    }

    [Fact]
    public async Task Archive_WritesAMissingIndexRecordOnRedelivery_WhenACrashCameBetweenTheTwoWrites()
    {
        var entry = PortSamples.Entry("m-10", CaptureOutcomeKind.Rejected) with { ReasonCode = ReasonCode.UnknownInstrument };
        var day = new DateOnly(2026, 11, 24);
        await _store.WriteAsync(new ArchiveRecord(day, ArchiveCaptureArchive.RecordName("m-10"), ArchiveCaptureArchive.Render(entry), ArchiveCaptureArchive.ContentType), TestContext.Current.CancellationToken);

        // The redelivery is processed later and would be answered differently: the first outcome is kept, and indexed.
        var stored = await Archive().ArchiveAsync(entry with { ReceivedAt = entry.ReceivedAt.AddMinutes(5), Outcome = CaptureOutcomeKind.Accepted, ReasonCode = null }, TestContext.Current.CancellationToken);

        Assert.Equal(CaptureOutcomeKind.Rejected, stored.Outcome);
        Assert.Equal(ArchiveCaptureArchive.Render(entry), await RecordAsync(day, ArchiveCaptureArchive.RejectionIndexName("m-10")));
    }

    [Fact]
    public void Render_IsDeterministic_AndParseGivesBackTheEntry()
    {
        var entry = PortSamples.Entry("m-2", CaptureOutcomeKind.Duplicate);

        var first = ArchiveCaptureArchive.Render(entry);
        var second = ArchiveCaptureArchive.Render(entry with { Body = entry.Body.ToArray() });

        Assert.Equal(first, second);
        PortSamples.AssertSameEntry(entry, ArchiveCaptureArchive.Parse(first));
    }

    [Theory]
    [InlineData("{\"tradeId\":\"T\"}\n")]
    [InlineData(" {\"tradeId\":\"T\"}")]
    [InlineData("{\"tradeId\":")]
    [InlineData("{} {}")]
    [InlineData("")]
    public void Render_ABodyThatIsNotExactlyOneJsonValue_IsKeptAsBase64(string body)
    {
        var entry = PortSamples.Entry("m-3", CaptureOutcomeKind.Rejected) with { Body = Encoding.UTF8.GetBytes(body) };

        var record = ArchiveCaptureArchive.Render(entry);

        using var json = JsonDocument.Parse(record);
        Assert.False(json.RootElement.TryGetProperty("body", out _));
        Assert.Equal(Encoding.UTF8.GetBytes(body), json.RootElement.GetProperty("bodyBase64").GetBytesFromBase64());
        PortSamples.AssertSameEntry(entry, ArchiveCaptureArchive.Parse(record));
    }

    [Fact]
    public async Task Archive_ARedeliveryWithAnotherOutcome_DoesNotOverwriteTheRecord()
    {
        var first = PortSamples.Entry("m-4", CaptureOutcomeKind.Accepted);
        await Archive().ArchiveAsync(first, TestContext.Current.CancellationToken);
        var before = await RecordAsync(new DateOnly(2026, 11, 24), ArchiveCaptureArchive.RecordName("m-4"));

        var stored = await Archive().ArchiveAsync(PortSamples.Entry("m-4", CaptureOutcomeKind.DeadLettered), TestContext.Current.CancellationToken);

        Assert.Equal(CaptureOutcomeKind.Accepted, stored.Outcome);
        Assert.Equal(before, await RecordAsync(new DateOnly(2026, 11, 24), ArchiveCaptureArchive.RecordName("m-4")));
    }

    [Fact]
    public async Task Archive_ARedeliveryOnTheNextDay_WritesNothingOnThatDay()
    {
        var first = PortSamples.Entry("m-5", CaptureOutcomeKind.Rejected) with { ReceivedAt = new DateTimeOffset(2026, 11, 24, 23, 59, 0, TimeSpan.FromHours(-5)) };
        await Archive().ArchiveAsync(first, TestContext.Current.CancellationToken);

        var stored = await Archive().ArchiveAsync(first with { ReceivedAt = first.ReceivedAt.AddMinutes(2) }, TestContext.Current.CancellationToken);

        PortSamples.AssertSameEntry(first, stored);
        Assert.Null(await RecordAsync(new DateOnly(2026, 11, 25), ArchiveCaptureArchive.RecordName("m-5")));
    }

    [Fact]
    public void Parse_ARecordThatIsNotACaptureRecord_IsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => ArchiveCaptureArchive.Parse("{\"name\":\"x\"}"u8));
        Assert.Throws<InvalidDataException>(() => ArchiveCaptureArchive.Parse("not json"u8));
    }
}
