using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.Pipeline.Tests;

internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ServerlessBackOffice.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }
}

internal static class SampleData
{
    public static ReferenceDataSet ReferenceData { get; } = ReferenceDataJson.LoadEmbedded();

    /// <summary>16:00 New York, 21:00 London, 22:00 Paris on Tuesday 24 November 2026.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
}

/// <summary>Builds OMS JSON bodies with valid defaults against the sample reference data.</summary>
internal sealed record OmsJsonBuilder
{
    public OmsTradeMessage Message { get; init; } = new(
        "1", "T-1", 1, "new", "2026-11-24T15:30:00.000Z", "2026-11-24", "ACC-US-004", "buy", "US0378331005", "XNAS",
        "100", "187.25", "perUnit", "USD", "W22LROWP2IHZNBB6K528", null, null, "corr-1");

    public OmsJsonBuilder With(Func<OmsTradeMessage, OmsTradeMessage> change) => this with { Message = change(Message) };

    public OmsJsonBuilder Version(long version, string action = "amend") => With(m => m with { Version = version, Action = version == 1 ? "new" : action });

    public byte[] Build() => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Message, CaptureJsonContext.Default.OmsTradeMessage);

    public InboundMessage Inbound(string messageId, int deliveryCount = 1) => new(messageId, Build(), deliveryCount);
}

/// <summary>The handler over in-memory adapters, for flows end to end.</summary>
internal sealed class InMemoryCapture
{
    public InMemoryTradeStore Trades { get; } = new();

    public InMemoryMessagePublisher Publisher { get; } = new();

    public InMemoryCaptureArchive Archive { get; } = new();

    public FakeTimeProvider Clock { get; } = new(SampleData.Now);

    public CaptureHandler Handler { get; }

    public InMemoryCapture(IMessagePublisher? publisher = null, ITradeStore? trades = null, ICaptureArchive? archive = null)
    {
        Handler = new CaptureHandler(trades ?? Trades, new InMemoryReferenceDataSource(SampleData.ReferenceData), publisher ?? Publisher, archive ?? Archive, Clock, CapturePolicy.Default, NullLogger<CaptureHandler>.Instance);
    }

    public CaptureTally Tally() => CaptureTally.From(Archive.Entries.Select(e => e.Outcome));

    public static InboundMessage Raw(string messageId, string body) => new(messageId, Encoding.UTF8.GetBytes(body), 1);
}
