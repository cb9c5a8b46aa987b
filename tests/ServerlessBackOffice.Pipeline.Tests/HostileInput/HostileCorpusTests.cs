using System.Text.Json;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Pipeline.Tests.Confirmation;
using ServerlessBackOffice.Pipeline.Tests.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.HostileInput;

/// <summary>
/// The hostile-input corpus (docs/contracts/hostile) through the real handlers over in-memory adapters: every message ends with
/// the outcome its file name states — a rejection or dead-letter with its reason code and a description, or the outcome word —
/// none throws, and every stage accounts for every message it was given.
/// </summary>
public sealed class HostileCorpusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Capture_EveryHostileOmsMessage_EndsAsItsNameSays_AndPublishedEqualsTheSumOfTheOutcomes()
    {
        var corpus = HostileCorpus.Load("oms-trade-v1", "accepted");
        var capture = new InMemoryCapture();
        var wrong = new List<string>();
        foreach (var message in corpus)
        {
            CaptureResult result;
            try
            {
                result = await capture.Handler.HandleAsync(new InboundMessage(message.MessageId, message.Body, 1), Ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"{message.Name}: threw {ex.GetType().Name}: {Short(ex.Message)}");
                continue;
            }

            var ok = message.Expected switch
            {
                "accepted" => result.Outcome == CaptureOutcomeKind.Accepted,
                "duplicate" => result.Outcome == CaptureOutcomeKind.Duplicate,
                _ => result.Outcome is CaptureOutcomeKind.Rejected or CaptureOutcomeKind.DeadLettered && result.ReasonCode?.ToString() == message.Expected,
            };
            if (!ok)
            {
                wrong.Add($"{message.Name}: ended {result.Outcome} {result.ReasonCode}");
            }

            if (result.Disposition == MessageDisposition.DeadLetter && string.IsNullOrWhiteSpace(result.Description) && result.ReasonCode != ReasonCode.DeliveryLimitExceeded)
            {
                wrong.Add($"{message.Name}: dead-lettered without a description");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));

        // published = accepted + duplicate + stale + rejected + dead-lettered, and every message got exactly one reply.
        var tally = capture.Tally();
        Assert.Equal(corpus.Count, tally.Total);
        Assert.Equal(corpus.Count(m => m.Expected == "accepted"), tally.Accepted);
        Assert.Equal(corpus.Count, capture.Publisher.Delivered.Count(m => m.Destination == Entities.OmsReplies.Name));
        foreach (var reply in capture.Publisher.Delivered.Where(m => m.Destination == Entities.OmsReplies.Name))
        {
            var body = JsonSerializer.Deserialize(reply.Body, CaptureJsonContext.Default.OmsReply)!;
            Assert.False(string.IsNullOrWhiteSpace(body.Message));
            Assert.True(body.Outcome is not ("rejected" or "deadLettered") || body.ReasonCode is not null, reply.MessageId);
        }

        // Nothing hostile changed the one trade the corpus captures.
        var trade = Assert.Single(capture.Trades.Documents);
        Assert.Equal(("T-H-1", 1L, 187.25m, 100m), (trade.TradeId, trade.State.Version, trade.State.Trade.Terms.Price, trade.State.Trade.Terms.Quantity));
        Assert.Single(capture.Publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
    }

    [Fact]
    public async Task Capture_AMessageIdReusedWithDifferentContent_IsDeadLetteredAsReused_AndChangesNothing()
    {
        var capture = new InMemoryCapture();
        var first = await capture.Handler.HandleAsync(new OmsJsonBuilder().Inbound("m-reused"), Ct);
        var reused = await capture.Handler.HandleAsync(new InboundMessage("m-reused", new OmsJsonBuilder().With(m => m with { Price = "1.00" }).Build(), 1), Ct);

        Assert.Equal((CaptureOutcomeKind.Accepted, CaptureOutcomeKind.DeadLettered, ReasonCode.MessageIdReused), (first.Outcome, reused.Outcome, reused.ReasonCode));
        Assert.Equal(187.25m, Assert.Single(capture.Trades.Documents).State.Trade.Terms.Price);
        Assert.Equal(new CaptureTally(1, 0, 0, 0, 1), capture.Tally());
        Assert.Single(capture.Publisher.Delivered, m => m.Destination == Entities.TradeEvents.Name);
        Assert.Equal(2, capture.Publisher.Delivered.Count(m => m.Destination == Entities.OmsReplies.Name));
    }

    [Fact]
    public async Task Affirmation_EveryHostileAffirmation_EndsAsItsNameSays_AndEveryMessageIsArchivedWithItsOutcome()
    {
        var corpus = HostileCorpus.Load("affirmation-v1", "affirmed");
        var stage = new ConfirmationStageHarness();
        await stage.Deliver(ConfirmationSamples.TradeEvent());
        var wrong = new List<string>();
        foreach (var message in corpus)
        {
            ConfirmationResult result;
            try
            {
                result = await stage.Affirmation.HandleAsync(new InboundMessage(message.Name, message.Body, 1), Ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"{message.Name}: threw {ex.GetType().Name}: {Short(ex.Message)}");
                continue;
            }

            var ok = message.Expected switch
            {
                ConfirmationRules.Outcomes.Affirmed or ConfirmationRules.Outcomes.Duplicate or ConfirmationRules.Outcomes.Held or ConfirmationRules.Outcomes.Stale
                    => result.Outcome == message.Expected && result.Disposition == MessageDisposition.Complete,
                _ => result.Disposition == MessageDisposition.DeadLetter && result.Reason == message.Expected && !string.IsNullOrWhiteSpace(result.Description),
            };
            if (!ok)
            {
                wrong.Add($"{message.Name}: ended {result.Outcome} {result.Disposition} {result.Reason}: {Short(result.Description)}");
            }

            // The affirmation stage archives every inbound message with its outcome: that record is its accounting.
            if (await stage.InboundRecordAsync(message.Name) is not { } record || record.Outcome != result.Outcome)
            {
                wrong.Add($"{message.Name}: not archived with its outcome {result.Outcome}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        var document = await stage.DocumentAsync();
        Assert.Equal(ServerlessBackOffice.Pipeline.Confirmation.ConfirmationStatus.Affirmed, document.Status);
        Assert.Single(stage.Events(ConfirmationRules.TradeAffirmed));
    }

    [Fact]
    public async Task CustodianStatus_EveryHostileStatus_EndsAsItsNameSays_WithoutAThrow()
    {
        var corpus = HostileCorpus.Load("custodian-status-v1", "applied");
        var stage = new SettlementStageHarness();
        await stage.CaptureAsync("T-S-1", SettlementStageHarness.GrossCounterparty);
        Assert.Equal(SettlementOutcomes.Instructed, (await stage.AffirmAsync("T-S-1")).Outcome);
        var instructionId = SettlementRules.InstructionIdOf([("T-S-1", 1L)]);
        var wrong = new List<string>();
        var deadLettered = 0;
        var completed = 0;
        foreach (var message in corpus)
        {
            SettlementResult result;
            try
            {
                result = await ServiceBus.DeliverUntilSettledAsync(
                    count => stage.Statuses.HandleAsync(new InboundMessage(message.Name, message.With(HostileCorpus.InstructionPlaceholder, instructionId), count), Ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"{message.Name}: threw {ex.GetType().Name}: {Short(ex.Message)}");
                continue;
            }

            var ok = message.Expected switch
            {
                "applied" => result.Outcome == SettlementOutcomes.StatusApplied,
                "ignored" => result.Outcome == SettlementOutcomes.StatusIgnored,
                _ => result.Disposition == SettlementDisposition.DeadLetter && result.Reason == message.Expected && !string.IsNullOrWhiteSpace(result.Description),
            };
            if (!ok)
            {
                wrong.Add($"{message.Name}: ended {result.Outcome} {result.Disposition} {result.Reason}: {Short(result.Description)}");
            }

            deadLettered += result.Disposition == SettlementDisposition.DeadLetter ? 1 : 0;
            completed += result.Disposition == SettlementDisposition.Complete ? 1 : 0;
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        Assert.Equal(corpus.Count, completed + deadLettered);
        var instruction = (await stage.Store.GetInstructionAsync(instructionId, Ct))!;
        Assert.Equal(Domain.Settlement.SettlementStatus.Matched, instruction.Lifecycle.Status);
    }

    internal static string Short(string? text) => text is null ? string.Empty : text.Length <= 160 ? text : text[..160] + "…";
}
