using System.Text.Json;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.Confirmation;

/// <summary>The confirmation handler: one confirmation per economic version, safe under redelivery and reordering.</summary>
public sealed class ConfirmationHandlerTests
{
    private readonly ConfirmationStageHarness _stage = new();

    [Fact]
    public async Task Captured_SendsTheConfirmationToTheCounterpartyAndArchivesItsRendering()
    {
        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent());

        Assert.Equal(ConfirmationRules.Outcomes.Confirmed, result.Outcome);
        var sent = Assert.Single(_stage.ToCounterparty);
        Assert.Equal("CONF-T-1-v1", sent.MessageId);
        Assert.Equal(ConfirmationSamples.CounterpartyLei, sent.ApplicationProperties[ConfirmationRules.CounterpartyLeiProperty]);
        Assert.Equal("CORR-T-1", sent.CorrelationId);
        var body = JsonSerializer.Deserialize(sent.Body, ConfirmationJsonContext.Default.ConfirmationMessageWire)!;
        Assert.Equal(("Buy", "100", "230.10", "23010.00", "11.51", "23021.51"), (body.Side, body.Quantity, body.Price, body.Gross, body.Commission, body.NetAmount));
        Assert.Equal("Goldman Sachs International", body.CounterpartyName);
        Assert.Equal("2026-11-25T02:00:00.0000000Z", body.AffirmBy);
        var html = await _stage.ArchivedAsync("state/confirmations/T-1/v1.html");
        Assert.NotNull(html);
        Assert.Contains("CONF-T-1-v1", html, StringComparison.Ordinal);
        Assert.Equal(1, _stage.Store.Writes);
    }

    [Fact]
    public void Rendering_EscapesEveryValueAndIsTheSameBytesEveryTime()
    {
        var (message, _, _) = ConfirmationRules.Build(
            ConfirmationSamples.TradeEvent() with { Account = "<script>alert('x')</script>&", CorrelationId = "\"quoted\"" }, SampleData.ReferenceData,
            Domain.Confirmation.AffirmationCutoffSchedule.Default, ConfirmationSamples.Now);

        var html = ConfirmationRendering.Html(message);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;", html, StringComparison.Ordinal);
        Assert.Contains("&quot;quoted&quot;", html, StringComparison.Ordinal);
        Assert.Equal(html, ConfirmationRendering.Html(message));
    }

    [Fact]
    public async Task ConfirmationAndCancellation_AreValidConfirmationV1_AndCarryWhatAnAffirmationEchoes()
    {
        var schema = Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "confirmation-v1.schema.json"));
        await _stage.Deliver(ConfirmationSamples.TradeEvent());
        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeCancelled", status: "Cancelled"));

        foreach (var message in _stage.ToCounterparty)
        {
            using var body = JsonDocument.Parse(message.Body);
            Assert.True(schema.Evaluate(body.RootElement).IsValid, message.Body);
        }

        // Every field affirmation-v1 requires (except its own id and schema version) is in the confirmation under the same name.
        using var confirmation = JsonDocument.Parse(_stage.ToCounterparty[0].Body);
        var required = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("docs", "contracts", "affirmation-v1.schema.json")))!["required"]!.AsArray()
            .Select(n => n!.GetValue<string>()).Except(["schemaVersion", "affirmationId"]);
        Assert.All(required, field => Assert.True(confirmation.RootElement.TryGetProperty(field, out _), field));
    }

    [Fact]
    public async Task Captured_CreatesWithoutReadingFirst_AndARedeliveryReadsAfterTheCreateFails()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);
        Assert.Equal((0, 1), (_stage.Store.Reads, _stage.Store.Writes));

        var again = await _stage.Deliver(trade);

        Assert.Equal(ConfirmationRules.Outcomes.AlreadyApplied, again.Outcome);
        Assert.Equal((1, 1), (_stage.Store.Reads, _stage.Store.Writes));
        Assert.Single(_stage.ToCounterparty);
    }

    [Fact]
    public async Task Redelivery_WritesNothingAndSendsTheSameConfirmation()
    {
        var trade = ConfirmationSamples.TradeEvent();
        await _stage.Deliver(trade);

        var again = await _stage.Deliver(trade);

        Assert.Equal(ConfirmationRules.Outcomes.AlreadyApplied, again.Outcome);
        Assert.Equal(1, _stage.Store.Writes);
        Assert.Single(_stage.ToCounterparty);
    }

    [Fact]
    public async Task WhenThePublishFailsAfterTheWrite_TheRedeliveryPublishesIt()
    {
        var flaky = new FlakyPublisher(failures: 1);
        var stage = new ConfirmationStageHarness(flaky);
        var trade = ConfirmationSamples.TradeEvent();

        await Assert.ThrowsAsync<TimeoutException>(() => stage.Deliver(trade));
        var retried = await stage.Deliver(trade);

        Assert.Equal(ConfirmationRules.Outcomes.AlreadyApplied, retried.Outcome);
        Assert.Equal(["CONF-T-1-v1"], flaky.Published.Select(m => m.MessageId));
        Assert.Equal(1, stage.Store.Writes);
    }

    [Fact]
    public async Task EconomicAmendment_SendsANewConfirmation()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());

        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "120", net: "27611.51"));

        Assert.Equal(ConfirmationRules.Outcomes.Confirmed, result.Outcome);
        Assert.Equal(["CONF-T-1-v1", "CONF-T-1-v2"], _stage.ToCounterparty.Select(m => m.MessageId));
        Assert.Equal(2, (await _stage.DocumentAsync()).ConfirmedVersion);
    }

    [Fact]
    public async Task NonEconomicAmendment_DoesNotReconfirmAndSaysWhy()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());

        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", book: "US-EQ-2"));

        Assert.Equal(ConfirmationRules.Outcomes.NotReconfirmed, result.Outcome);
        Assert.Single(_stage.ToCounterparty);
        var document = await _stage.DocumentAsync();
        Assert.Equal((1, 2), (document.ConfirmedVersion, document.LatestVersion));
        Assert.Contains(document.Notes, n => n.StartsWith("v2: not re-confirmed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LowerVersionAfterAHigherOne_IsStaleAndChangesNothing()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeAmended", quantity: "120"));

        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent());

        Assert.Equal(ConfirmationRules.Outcomes.Stale, result.Outcome);
        Assert.Equal(["CONF-T-1-v2"], _stage.ToCounterparty.Select(m => m.MessageId));
        Assert.Equal(1, _stage.Store.Writes);
    }

    [Fact]
    public async Task CancelOfAConfirmedTrade_SendsACancellationNotice()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent());

        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeCancelled", status: "Cancelled"));

        Assert.Equal(ConfirmationRules.Outcomes.Cancelled, result.Outcome);
        var notice = _stage.ToCounterparty[^1];
        Assert.Equal(("CONF-T-1-v2-cancel", ConfirmationMessageWire.CancellationKind), (notice.MessageId, notice.Subject));
        Assert.Contains("\"cancelsConfirmationId\":\"CONF-T-1-v1\"", notice.Body, StringComparison.Ordinal);
        Assert.NotNull(await _stage.ArchivedAsync("state/confirmations/T-1/v2-cancel.html"));
    }

    [Fact]
    public async Task CancelBeforeTheCapture_SendsNothingAndTheLateCaptureIsStale()
    {
        await _stage.Deliver(ConfirmationSamples.TradeEvent(version: 2, eventType: "TradeCancelled", status: "Cancelled"));

        var late = await _stage.Deliver(ConfirmationSamples.TradeEvent());

        Assert.Equal(ConfirmationRules.Outcomes.Stale, late.Outcome);
        Assert.Empty(_stage.ToCounterparty);
        Assert.Equal(ConfirmationStatus.Cancelled, (await _stage.DocumentAsync()).Status);
    }

    [Theory]
    [InlineData("{\"not\":\"an event\"}", ConfirmationHandler.MalformedEventReason)]
    [InlineData("null", ConfirmationHandler.MalformedEventReason)]
    [InlineData("<xml/>", ConfirmationHandler.MalformedEventReason)]
    public async Task UnreadableEvent_IsDeadLetteredWithAReason(string body, string reason)
    {
        var result = await _stage.Confirmation.HandleAsync(new InboundMessage("M-bad", System.Text.Encoding.UTF8.GetBytes(body), 1), ConfirmationStageHarness.Ct);

        Assert.Equal((MessageDisposition.DeadLetter, reason), (result.Disposition, result.Reason));
        Assert.False(string.IsNullOrWhiteSpace(result.Description));
        Assert.Equal(0, _stage.Store.Writes);
    }

    [Fact]
    public async Task EventTypeTheSubscriptionShouldNotDeliver_IsDeadLettered()
    {
        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent(eventType: "TradeSettled"));

        Assert.Equal((MessageDisposition.DeadLetter, ConfirmationHandler.UnexpectedEventReason), (result.Disposition, result.Reason));
    }

    [Fact]
    public async Task UnreadableAmount_IsDeadLetteredNotThrown()
    {
        var result = await _stage.Deliver(ConfirmationSamples.TradeEvent(quantity: "1e5"));

        Assert.Equal((MessageDisposition.DeadLetter, ConfirmationHandler.MalformedEventReason), (result.Disposition, result.Reason));
    }

    /// <summary>Fails the first publishes, as Service Bus does when it is briefly unreachable.</summary>
    private sealed class FlakyPublisher(int failures) : IMessagePublisher
    {
        private int _failures = failures;

        public List<OutboundMessage> Published { get; } = [];

        public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
        {
            if (_failures-- > 0)
            {
                throw new TimeoutException("Service Bus did not answer");
            }

            Published.Add(message);
            return Task.CompletedTask;
        }
    }
}
