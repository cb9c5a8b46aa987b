using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.Confirmation;

/// <summary>The confirmation stage over in-memory adapters, publishing through the archiving publisher as production does.</summary>
internal sealed class ConfirmationStageHarness
{
    public ConfirmationStageHarness(IMessagePublisher? innerPublisher = null)
    {
        Inner = innerPublisher ?? Bus;
        var publisher = new ArchivingMessagePublisher(Inner, Archive, Clock);
        var outbox = new ConfirmationOutbox(publisher, Archive, NullLogger<ConfirmationOutbox>.Instance);
        var referenceData = new InMemoryReferenceDataSource(SampleData.ReferenceData);
        Confirmation = new ConfirmationHandler(Store, referenceData, outbox, Clock, AffirmationCutoffSchedule.Default, NullLogger<ConfirmationHandler>.Instance, Memory);
        Affirmation = new AffirmationHandler(Store, referenceData, outbox, Clock, NullLogger<AffirmationHandler>.Instance, Memory);
        Cutoff = new AffirmationCutoffHandler(Store, outbox, Clock, NullLogger<AffirmationCutoffHandler>.Instance);
    }

    public InMemoryConfirmationStore Store { get; } = new();

    /// <summary>What the two handlers wrote and published, shared as in the function app (decision 0075).</summary>
    public WrittenDocuments<ConfirmationDocument> Memory { get; } = new();

    public InMemoryMessagePublisher Bus { get; } = new();

    public IMessagePublisher Inner { get; }

    public InMemoryArchiveStore Archive { get; } = new();

    public FakeTimeProvider Clock { get; } = new(ConfirmationSamples.Now);

    public ConfirmationHandler Confirmation { get; }

    public AffirmationHandler Affirmation { get; }

    public AffirmationCutoffHandler Cutoff { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public Task<ConfirmationResult> Deliver(TradeEventWire trade, string? messageId = null) =>
        Confirmation.HandleAsync(new InboundMessage(messageId ?? trade.EventId, ConfirmationSamples.Json(trade), 1), Ct);

    public Task<ConfirmationResult> Deliver(AffirmationWire affirmation, string? messageId = null) =>
        Affirmation.HandleAsync(new InboundMessage(messageId ?? "MSG-" + affirmation.AffirmationId, ConfirmationSamples.Json(affirmation), 1), Ct);

    public Task<ConfirmationResult> DeliverAffirmationBody(string body, string messageId) =>
        Affirmation.HandleAsync(new InboundMessage(messageId, Encoding.UTF8.GetBytes(body), 1), Ct);

    public IReadOnlyList<OutboundMessage> ToCounterparty => [.. Bus.Delivered.Where(m => m.Destination == Entities.CounterpartyOutbound.Name)];

    public IReadOnlyList<OutboundMessage> Events(string eventType) =>
        [.. Bus.Delivered.Where(m => m.Destination == Entities.TradeEvents.Name && m.ApplicationProperties[CaptureHandler.EventTypeProperty] == eventType)];

    public async Task<string?> ArchivedAsync(string name, DateOnly? day = null)
    {
        await using var stream = await Archive.OpenAsync(day ?? ArchiveRecordNames.DayOf(Clock.GetUtcNow()), name, Ct);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(Ct);
    }

    public async Task<InboundAffirmationRecord?> InboundRecordAsync(string messageId)
    {
        var text = await ArchivedAsync(ArchiveRecordNames.Inbound(Entities.AffirmationsInbound.Name, messageId));
        return text is null ? null : JsonSerializer.Deserialize(text, ConfirmationJsonContext.Default.InboundAffirmationRecord);
    }

    public async Task<ConfirmationDocument> DocumentAsync(string tradeId = "T-1") => (await Store.GetAsync(tradeId, Ct))!;
}
