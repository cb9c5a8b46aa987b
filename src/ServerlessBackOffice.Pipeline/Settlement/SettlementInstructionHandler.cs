using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Settlement;

/// <summary>
/// The settlement instruction stage: one trade event from the settlement subscription (TradeAffirmed, TradeAmended,
/// TradeCancelled) in, at most one change to the trade's settlement document out. Gross trades are instructed at once;
/// trades with a netting counterparty wait for <see cref="RunNettingAsync"/> at the netting cut-off (decision 0080).
/// Side effects, in order: point-read the trade's settlement document (an affirmation skips it once and creates: decision
/// 0075); on a redelivery re-publish the last change and stop; otherwise decide, write the trade document (a conditional write), then write the instruction document and publish
/// (deterministic message ids: a repeated publication is dropped by duplicate detection).
/// </summary>
public sealed partial class SettlementInstructionHandler(
    ISettlementStore store,
    ITradeStore trades,
    IReferenceDataSource referenceData,
    IMessagePublisher publisher,
    TimeProvider clock,
    ILogger<SettlementInstructionHandler> logger,
    WrittenDocuments<SettlementInstructionDocument>? memory = null)
{
    private readonly WrittenDocuments<SettlementInstructionDocument> _instructions = memory ?? new();

    /// <summary>Optimistic-concurrency retries before the message goes back to Service Bus.</summary>
    public const int MaximumWriteAttempts = 5;

    /// <summary>The reason for a body that is not a trade event.</summary>
    public const string MalformedEventReason = "MalformedEvent";

    /// <summary>The reason for an event type the settlement subscription should never deliver.</summary>
    public const string UnexpectedEventReason = "UnexpectedEventType";

    /// <summary>The reason for an affirmation of a trade capture has not stored yet (retried).</summary>
    public const string TradeNotYetStoredReason = "TradeNotYetStored";

    /// <summary>Handles one trade event. Transient failures throw (the message is retried).</summary>
    public async Task<SettlementResult> HandleAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        string eventType;
        string tradeId;
        long version;
        TradeEventWire? trade = null;
        string? correlationId;
        try
        {
            using (var json = JsonDocument.Parse(inbound.Body))
            {
                eventType = json.RootElement.TryGetProperty("eventType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
            }

            if (eventType == "TradeAffirmed")
            {
                var affirmed = JsonSerializer.Deserialize(inbound.Body.Span, ConfirmationJsonContext.Default.TradeAffirmedWire)!;
                (tradeId, version, correlationId) = (affirmed.TradeId, affirmed.Version, affirmed.CorrelationId);
            }
            else if (eventType is nameof(TradeEventType.TradeAmended) or nameof(TradeEventType.TradeCancelled))
            {
                trade = JsonSerializer.Deserialize(inbound.Body.Span, CaptureJsonContext.Default.TradeEventWire)!;
                (tradeId, version, correlationId) = (trade.TradeId, trade.Version, trade.CorrelationId);
            }
            else
            {
                return DeadLettered(inbound, UnexpectedEventReason, $"Event type '{eventType}' is not one the settlement stage consumes.");
            }
        }
        catch (JsonException ex)
        {
            return DeadLettered(inbound, MalformedEventReason, $"The trade event is not valid JSON for its contract: {ex.Message}");
        }

        if (version < 1 || tradeId.Length == 0)
        {
            return DeadLettered(inbound, MalformedEventReason, $"The {eventType} event has no trade id or an impossible version {version}.");
        }

        try
        {
            // An affirmation nearly always finds no settlement document (only amendments create one first): the first attempt
            // skips the read and creates. Only an instruction or a wait for netting written from nothing is trusted to that
            // attempt; any other decision (a retry, a refusal) is taken again against the stored document.
            var assumeNew = eventType == "TradeAffirmed";
            for (var attempt = assumeNew ? 0 : 1; attempt <= MaximumWriteAttempts; attempt++)
            {
                var assumed = attempt == 0;
                var document = assumed ? null : await store.GetTradeAsync(tradeId, cancellationToken);
                if (document is not null && document.RecentInboundMessageIds.Contains(inbound.MessageId, StringComparer.Ordinal))
                {
                    await FinishAsync(document, cancellationToken);
                    return Done(tradeId, inbound, SettlementResult.Complete(SettlementOutcomes.Duplicate, $"Message {inbound.MessageId} was already applied."));
                }

                var result = eventType switch
                {
                    "TradeAffirmed" => await OnAffirmedAsync(document, tradeId, version, correlationId, inbound.MessageId, cancellationToken),
                    nameof(TradeEventType.TradeAmended) => await OnAmendedAsync(document, trade!, inbound.MessageId, cancellationToken),
                    _ => await OnCancelledAsync(document, trade!, inbound.MessageId, cancellationToken),
                };
                if (result is not null && !(assumed && result.Outcome is not (SettlementOutcomes.Instructed or SettlementOutcomes.AwaitingNetting)))
                {
                    return Done(tradeId, inbound, result);
                }

                LogWriteConflict(tradeId, inbound.MessageId, attempt);
            }
        }
        catch (FormatException ex)
        {
            return DeadLettered(inbound, MalformedEventReason, $"The {eventType} event of trade {tradeId} has an unreadable field: {ex.Message}");
        }

        throw new SettlementConcurrencyException($"Trade {tradeId}: {MaximumWriteAttempts} settlement writes lost a race; the message will be retried.");
    }

    /// <summary>
    /// The netting run for <paramref name="through"/> (at the netting cut-off, from a timer or the day run): finishes any draft
    /// a previous run left, then nets every trade awaiting netting that settles on or before that date, per counterparty,
    /// instrument, settlement date, currency and SSIs, and issues one instruction per netting set. Safe to repeat: instruction
    /// ids derive from the trades and versions they cover; trades are claimed with conditional writes. Returns the number of
    /// instructions issued.
    /// </summary>
    public async Task<int> RunNettingAsync(DateOnly through, CancellationToken cancellationToken)
    {
        // A run has no message that Service Bus would deliver again: a run that died after an instruction went live but before
        // its messages left is repaired here. A live netted instruction stamped with a run number beyond the marker's was issued
        // by a run that did not finish (decision 0066), so its issuance is published again (the same message ids, within the
        // duplicate detection window of a rerun); one that a finished run issued is left alone — its outbox is republished only
        // by the custodian status that next changes it, as every other outbox is.
        var marker = await store.GetNettingRunMarkerAsync(cancellationToken);
        var finished = marker?.CompletedRuns ?? 0;
        var run = finished + 1;
        await foreach (var open in store.OpenInstructionsAsync(cancellationToken))
        {
            if (open.Netted && open.NettingRun > finished && open.Outbox.Count > 0 && open.Lifecycle.Status == SettlementStatus.Instructed && open.Lifecycle.History.Count == 0)
            {
                await PublishAsync(open.Outbox, cancellationToken);
            }
        }

        var issued = 0;
        await foreach (var draft in store.DraftInstructionsAsync(cancellationToken))
        {
            issued += await CompleteDraftAsync(draft, run, cancellationToken) ? 1 : 0;
        }

        // Only each waiting trade's terms and obligation are kept, not its whole document (outbox included): a day's netting
        // run reads every trade of the day (a million in the load run).
        ReferenceDataSet? snapshot = null;
        var obligations = new Dictionary<string, (TradeEventWire Trade, TradeObligation Obligation)>(StringComparer.Ordinal);
        await foreach (var document in store.AwaitingNettingAsync(through, cancellationToken))
        {
            if (document.Trade is null)
            {
                continue;
            }

            snapshot ??= await referenceData.GetCurrentAsync(cancellationToken);
            var (obligation, problem) = SettlementRules.ObligationOf(document.Trade, snapshot);
            if (obligation is null)
            {
                LogUnsettleable(document.TradeId, problem!);
                continue;
            }

            obligations[document.TradeId] = (document.Trade, obligation);
        }

        if (snapshot is null)
        {
            await FinishRunAsync(marker, run, cancellationToken);
            return issued;
        }

        var instructions = Netting.Instruct(obligations.Values.Select(o => o.Obligation.Obligation), _ => true, out var offset);
        var now = clock.GetUtcNow();

        // A set that nets to zero is written as a draft too, so a run that dies after settling some of its trades by offset
        // finishes the same set (rather than instructing what is left of it).
        foreach (var instruction in instructions.Concat(OffsetSets(offset, obligations)))
        {
            var members = instruction.TradeIds.Select(id => obligations[id]).ToList();
            var draft = SettlementRules.NewInstruction(instruction, members, InstructionPhase.Draft, now) with { NettingRun = run };
            var written = await store.TryWriteInstructionAsync(draft, null, cancellationToken);
            var current = written.Written ? draft with { ETag = written.ETag } : await store.GetInstructionAsync(draft.InstructionId, cancellationToken);
            if (current is not null && current.Phase == InstructionPhase.Draft)
            {
                issued += await CompleteDraftAsync(current, run, cancellationToken) ? 1 : 0;
            }
        }

        await FinishRunAsync(marker, run, cancellationToken);
        LogNettingRun(through, issued, offset.Count);
        return issued;
    }

    /// <summary>
    /// Records that run <paramref name="run"/> finished: every instruction it (or an unfinished run before it) issued has been
    /// published. A lost race means another run finished meanwhile and recorded at least as much, so it is not retried.
    /// </summary>
    private async Task FinishRunAsync(NettingRunMarker? marker, long run, CancellationToken cancellationToken) =>
        await store.TryWriteNettingRunMarkerAsync(new NettingRunMarker(run, null), marker?.ETag, cancellationToken);

    private async Task<SettlementResult?> OnAffirmedAsync(TradeSettlementDocument? document, string tradeId, long version, string? correlationId, string messageId, CancellationToken cancellationToken)
    {
        if (document?.Status == TradeSettlementStatus.Cancelled)
        {
            return SettlementResult.Complete(SettlementOutcomes.Stale, $"Trade {tradeId} is cancelled; its affirmation of v{version} instructs nothing.", "TradeCancelled");
        }

        if (document is not null && version < document.TermsVersion)
        {
            return SettlementResult.Complete(SettlementOutcomes.Stale, $"Affirmation of v{version} predates the terms of v{document.TermsVersion}.", "StaleVersion");
        }

        if (document is not null && document.Status != TradeSettlementStatus.AwaitingAffirmation && version > document.Version)
        {
            // The affirmation of an amendment overtook the amendment itself (confirmation and the trade-events subscription are
            // two paths): not a duplicate of the affirmation we acted on. Remembered, and acted on when the amendment arrives —
            // the outcome is the same in either order, and nothing is redelivered in a loop until the amendment catches up.
            var ahead = document with
            {
                AffirmedAhead = Math.Max(version, document.AffirmedAhead ?? 0),
                RecentInboundMessageIds = TradeSettlementDocument.Bounded(document.RecentInboundMessageIds, messageId),
            };
            return (await store.TryWriteTradeAsync(ahead, document.ETag, cancellationToken)).Written
                ? SettlementResult.Complete(SettlementOutcomes.AwaitingAmendment, $"Trade {tradeId} v{version} is affirmed before settlement has seen v{version} (it has v{document.Version}); instructed when the amendment arrives.")
                : null;
        }

        if (document is not null && document.Status != TradeSettlementStatus.AwaitingAffirmation)
        {
            await FinishAsync(document, cancellationToken);
            return SettlementResult.Complete(SettlementOutcomes.Duplicate, $"Trade {tradeId} is already affirmed ({document.Status}).");
        }

        var trade = document?.Trade is { } known && known.Version >= version ? known : null;
        if (trade is null)
        {
            var stored = await trades.GetAsync(tradeId, cancellationToken);
            if (stored is null || stored.State.Version < version)
            {
                return SettlementResult.Retry(TradeNotYetStoredReason, $"Trade {tradeId} v{version} is affirmed but capture has not stored that version yet.");
            }

            if (stored.State.Status == TradeStatus.Cancelled)
            {
                return SettlementResult.Complete(SettlementOutcomes.Stale, $"Trade {tradeId} is cancelled in capture.", "TradeCancelled");
            }

            trade = TradeEventWire.From(stored.State, TradeEventType.TradeAmended, correlationId);
        }

        var snapshot = await referenceData.GetCurrentAsync(cancellationToken);
        var (obligation, problem) = SettlementRules.ObligationOf(trade, snapshot);
        if (obligation is null)
        {
            return SettlementResult.DeadLetter(SettlementRules.UnsettleableTradeReason, $"Trade {tradeId} cannot be instructed: {problem}");
        }

        var recent = TradeSettlementDocument.Bounded(document?.RecentInboundMessageIds ?? [], messageId);
        var baseDocument = new TradeSettlementDocument(tradeId, Math.Max(trade.Version, document?.Version ?? 0), document?.TermsVersion ?? trade.Version,
            TradeSettlementStatus.AwaitingNetting, trade, obligation.Obligation.SettlementDate, null, [], recent, null);
        if (obligation.Netting)
        {
            var written = await store.TryWriteTradeAsync(baseDocument, document?.ETag, cancellationToken);
            return written.Written
                ? SettlementResult.Complete(SettlementOutcomes.AwaitingNetting, $"Trade {tradeId} v{trade.Version} awaits the netting run of {obligation.Obligation.SettlementDate:yyyy-MM-dd}.")
                : null;
        }

        // Gross: claim the trade for its instruction first, then write and publish the instruction. A crash between the two is
        // repaired by the redelivery (FinishAsync re-creates the instruction from the trade's own document).
        var instruction = GrossInstruction(trade, obligation);
        var claimed = baseDocument with { Status = TradeSettlementStatus.Instructed, InstructionId = instruction.InstructionId };
        var claim = await store.TryWriteTradeAsync(claimed, document?.ETag, cancellationToken);
        if (!claim.Written)
        {
            return null;
        }

        await FinishAsync(claimed with { ETag = claim.ETag }, cancellationToken, instructionIsNew: true);
        return SettlementResult.Complete(SettlementOutcomes.Instructed, $"Trade {tradeId} v{trade.Version} instructed as {instruction.InstructionId}.");
    }

    private async Task<SettlementResult?> OnAmendedAsync(TradeSettlementDocument? document, TradeEventWire trade, string messageId, CancellationToken cancellationToken)
    {
        var recent = TradeSettlementDocument.Bounded(document?.RecentInboundMessageIds ?? [], messageId);
        var settlementDate = SettlementRules.Date(trade.SettlementDate);
        if (document is null)
        {
            var created = new TradeSettlementDocument(trade.TradeId, trade.Version, trade.Version, TradeSettlementStatus.AwaitingAffirmation, trade, settlementDate, null, [], recent, null);
            return (await store.TryWriteTradeAsync(created, null, cancellationToken)).Written
                ? SettlementResult.Complete(SettlementOutcomes.AwaitingAffirmation, $"Trade {trade.TradeId} v{trade.Version} recorded; it is instructed once affirmed.")
                : null;
        }

        if (document.Status == TradeSettlementStatus.Cancelled || trade.Version <= document.Version)
        {
            await FinishAsync(document, cancellationToken);
            return SettlementResult.Complete(SettlementOutcomes.Stale, $"TradeAmended v{trade.Version} is not newer than v{document.Version} ({document.Status}).", "StaleVersion");
        }

        // An affirmation of this version (or a later one) that arrived first; one of an earlier version is spent.
        var affirmedAhead = document.AffirmedAhead is { } ahead && ahead >= trade.Version ? ahead : (long?)null;
        var economic = document.Trade is null || SettlementTermsDiffer(document.Trade, trade);
        if (!economic && document.Status != TradeSettlementStatus.AwaitingAffirmation)
        {
            // Same settlement terms: the instruction stays; its trades carry the new version so the ledger accepts them. An
            // affirmation of this version that came first affirms what is already instructed.
            if (document.Status == TradeSettlementStatus.Instructed && document.InstructionId is { } id)
            {
                await UpdateAllocationVersionAsync(id, trade, cancellationToken);
            }

            var kept = document with
            {
                Version = trade.Version,
                Trade = trade,
                Outbox = [],
                RecentInboundMessageIds = recent,
                AffirmedAhead = affirmedAhead > trade.Version ? affirmedAhead : null,
            };
            return (await store.TryWriteTradeAsync(kept, document.ETag, cancellationToken)).Written
                ? SettlementResult.Complete(SettlementOutcomes.VersionUpdated, $"TradeAmended v{trade.Version} changes no settlement term; the instruction stays.")
                : null;
        }

        if (document.Status == TradeSettlementStatus.Instructed && document.InstructionId is { } instructionId)
        {
            var settled = await CancelInstructionAsync(instructionId, trade.TradeId, nameof(TradeEventType.TradeAmended), cancellationToken);
            if (settled)
            {
                return SettlementResult.Complete(SettlementOutcomes.Stale, $"Trade {trade.TradeId}'s instruction {instructionId} already settled; the amendment is an exception for operations.", "AlreadySettled");
            }
        }

        var next = document with
        {
            Version = trade.Version,
            TermsVersion = economic ? trade.Version : document.TermsVersion,
            Status = TradeSettlementStatus.AwaitingAffirmation,
            Trade = trade,
            SettlementDate = settlementDate,
            InstructionId = null,
            Outbox = [],
            RecentInboundMessageIds = recent,
            AffirmedAhead = affirmedAhead,
        };
        if (affirmedAhead == trade.Version)
        {
            // Its affirmation came first: the amendment is applied and affirmed in one write, exactly as when the affirmation
            // follows it (a redelivery of either finds its message id remembered).
            var affirmed = await OnAffirmedAsync(next with { RecentInboundMessageIds = document.RecentInboundMessageIds, AffirmedAhead = null }, trade.TradeId, trade.Version, trade.CorrelationId, messageId, cancellationToken);
            if (affirmed is not { Disposition: SettlementDisposition.DeadLetter })
            {
                return affirmed;
            }

            // The new terms cannot be instructed: the amendment still stands, awaiting an affirmation that cannot help, and the
            // message is dead-lettered with the reason, as the affirmation would have been.
            return (await store.TryWriteTradeAsync(next with { AffirmedAhead = null }, document.ETag, cancellationToken)).Written ? affirmed : null;
        }

        return (await store.TryWriteTradeAsync(next, document.ETag, cancellationToken)).Written
            ? SettlementResult.Complete(SettlementOutcomes.AwaitingAffirmation, $"Trade {trade.TradeId} amended to v{trade.Version}; re-instructed once the new terms are affirmed.")
            : null;
    }

    private async Task<SettlementResult?> OnCancelledAsync(TradeSettlementDocument? document, TradeEventWire trade, string messageId, CancellationToken cancellationToken)
    {
        var recent = TradeSettlementDocument.Bounded(document?.RecentInboundMessageIds ?? [], messageId);
        if (document?.Status == TradeSettlementStatus.Cancelled)
        {
            await FinishAsync(document, cancellationToken);
            return SettlementResult.Complete(SettlementOutcomes.Duplicate, $"Trade {trade.TradeId} is already cancelled.");
        }

        if (document?.Status == TradeSettlementStatus.Instructed && document.InstructionId is { } instructionId)
        {
            if (await CancelInstructionAsync(instructionId, trade.TradeId, nameof(TradeEventType.TradeCancelled), cancellationToken))
            {
                return SettlementResult.Complete(SettlementOutcomes.Stale, $"Trade {trade.TradeId}'s instruction {instructionId} already settled; the cancellation is an exception for operations.", "AlreadySettled");
            }
        }

        var cancelled = new TradeSettlementDocument(trade.TradeId, Math.Max(trade.Version, document?.Version ?? 0), document?.TermsVersion ?? trade.Version,
            TradeSettlementStatus.Cancelled, trade, SettlementRules.Date(trade.SettlementDate), null, [], recent, null);
        return (await store.TryWriteTradeAsync(cancelled, document?.ETag, cancellationToken)).Written
            ? SettlementResult.Complete(SettlementOutcomes.Cancelled, $"Trade {trade.TradeId} cancelled.")
            : null;
    }

    /// <summary>
    /// Asks the custodian to cancel an instruction: its document goes to CancelRequested with the cancellation and one
    /// InstructionCancelled per trade in its outbox; the other trades of a netted set go back to awaiting netting. Returns
    /// true when the instruction already settled (nothing can be cancelled).
    /// </summary>
    private async Task<bool> CancelInstructionAsync(string instructionId, string causeTradeId, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var instruction = await store.GetInstructionAsync(instructionId, cancellationToken);
            if (instruction is null)
            {
                return false;
            }

            if (instruction.Lifecycle.Status is SettlementStatus.Settled or SettlementStatus.PartiallySettled)
            {
                return true;
            }

            if (instruction.Phase is InstructionPhase.CancelRequested or InstructionPhase.Abandoned)
            {
                await PublishAsync(instruction.Outbox, cancellationToken);
                await ReleaseAsync(instruction, causeTradeId, cancellationToken);
                return false;
            }

            var wasLive = instruction.Phase == InstructionPhase.Live;
            var outbox = new List<OutboundMessage>();
            if (wasLive)
            {
                outbox.Add(SettlementRules.CancellationMessage(instruction, reason));
            }

            outbox.AddRange(SettlementRules.TradeEvents(instruction, SettlementEventTypes.InstructionCancelled, instructionId, (_, w) => w with { ReasonCode = reason }));
            var next = instruction with { Phase = wasLive ? InstructionPhase.CancelRequested : InstructionPhase.Abandoned, Outbox = outbox };
            await PublishAsync(instruction.Outbox, cancellationToken);
            if ((await store.TryWriteInstructionAsync(next, instruction.ETag, cancellationToken)).Written)
            {
                await PublishAsync(next.Outbox, cancellationToken);
                await ReleaseAsync(next, causeTradeId, cancellationToken);
                return false;
            }
        }

        throw new SettlementConcurrencyException($"Instruction {instructionId}: {MaximumWriteAttempts} cancellation writes lost a race.");
    }

    /// <summary>Puts the other trades of a withdrawn netted instruction back to awaiting netting (the next run re-nets them).</summary>
    private async Task ReleaseAsync(SettlementInstructionDocument instruction, string exceptTradeId, CancellationToken cancellationToken)
    {
        foreach (var member in instruction.Trades.Where(t => t.TradeId != exceptTradeId))
        {
            for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
            {
                var document = await store.GetTradeAsync(member.TradeId, cancellationToken);
                if (document is null || document.InstructionId != instruction.InstructionId)
                {
                    break;
                }

                var released = document with { Status = TradeSettlementStatus.AwaitingNetting, InstructionId = null, Outbox = [] };
                if ((await store.TryWriteTradeAsync(released, document.ETag, cancellationToken)).Written)
                {
                    break;
                }
            }
        }
    }

    private async Task UpdateAllocationVersionAsync(string instructionId, TradeEventWire trade, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
        {
            var instruction = await store.GetInstructionAsync(instructionId, cancellationToken);
            if (instruction is null || instruction.Trades.All(t => t.TradeId != trade.TradeId || t.Version >= trade.Version))
            {
                return;
            }

            var next = instruction with
            {
                Trades = [.. instruction.Trades.Select(t => t.TradeId == trade.TradeId ? t with { Version = trade.Version, CorrelationId = trade.CorrelationId ?? t.CorrelationId } : t)],
            };
            if ((await store.TryWriteInstructionAsync(next, instruction.ETag, cancellationToken)).Written)
            {
                return;
            }
        }

        throw new SettlementConcurrencyException($"Instruction {instructionId}: {MaximumWriteAttempts} version updates lost a race.");
    }

    /// <summary>
    /// Finishes what a trade document's last change started: re-publishes its outbox and, for a gross instruction, makes sure
    /// the instruction document exists and its messages left (repairing a crash between the two writes).
    /// </summary>
    private async Task FinishAsync(TradeSettlementDocument document, CancellationToken cancellationToken, bool instructionIsNew = false)
    {
        await PublishAsync(document.Outbox, cancellationToken);
        if (document.Status != TradeSettlementStatus.Instructed || document.InstructionId is not { } instructionId || document.Trade is null)
        {
            return;
        }

        // Right after the claim that named it, the instruction does not exist yet: create it without reading (a create fails
        // on an existing one, which is then read: decision 0075).
        var instruction = instructionIsNew ? null : await store.GetInstructionAsync(instructionId, cancellationToken);
        string? etag = instruction?.ETag;
        if (instruction is null)
        {
            var snapshot = await referenceData.GetCurrentAsync(cancellationToken);
            var (obligation, _) = SettlementRules.ObligationOf(document.Trade, snapshot);
            if (obligation is null || obligation.Netting)
            {
                return;
            }

            var issued = SettlementRules.NewInstruction(GrossInstruction(document.Trade, obligation), [(document.Trade, obligation)], InstructionPhase.Live, clock.GetUtcNow());
            // The instruction to the custodian leaves last: its answer then finds the instruction published (decision 0075).
            issued = issued with { Outbox = [.. SettlementRules.TradeEvents(issued, SettlementEventTypes.InstructionIssued, issued.InstructionId), SettlementRules.InstructionMessage(issued)] };
            var written = await store.TryWriteInstructionAsync(issued, null, cancellationToken);
            instruction = written.Written ? issued : await store.GetInstructionAsync(instructionId, cancellationToken);
            etag = written.Written ? written.ETag : instruction?.ETag;
            if (written.Written && etag is not null)
            {
                // Before publishing: the custodian's answer to the instruction may arrive while its events are still leaving.
                _instructions.Written(instructionId, issued with { ETag = etag }, etag, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
            }
        }

        if (instruction is not null && !_instructions.Flushed(instructionId, etag, ArchiveRecordNames.DayOf(clock.GetUtcNow())))
        {
            await PublishAsync(instruction.Outbox, cancellationToken);
            if (etag is not null)
            {
                // Only marks the instruction this call wrote; one it read may be older than what the memory holds.
                _instructions.Published(instructionId, etag, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
            }
        }
    }

    /// <summary>Claims a draft's trades, then publishes it; abandons it if one of its trades changed meanwhile.</summary>
    private async Task<bool> CompleteDraftAsync(SettlementInstructionDocument draft, long run, CancellationToken cancellationToken)
    {
        foreach (var member in draft.Trades)
        {
            var claimed = false;
            for (var attempt = 1; attempt <= MaximumWriteAttempts && !claimed; attempt++)
            {
                var document = await store.GetTradeAsync(member.TradeId, cancellationToken);
                if (document is null)
                {
                    break;
                }

                if ((document.Status == TradeSettlementStatus.Instructed && document.InstructionId == draft.InstructionId)
                    || (IsOffsetSet(draft) && document.Status == TradeSettlementStatus.SettledByOffset && document.Version == member.Version))
                {
                    claimed = true;
                    break;
                }

                if (document.Status != TradeSettlementStatus.AwaitingNetting || document.Version != member.Version)
                {
                    break;
                }

                var next = document with { Status = TradeSettlementStatus.Instructed, InstructionId = draft.InstructionId, Outbox = [] };
                claimed = (await store.TryWriteTradeAsync(next, document.ETag, cancellationToken)).Written;
            }

            if (!claimed)
            {
                // A trade of the set changed (amended, cancelled) after the run read it: the set is withdrawn, its claimed
                // trades released, and the next run nets what is left.
                var abandoned = draft with { Phase = InstructionPhase.Abandoned };
                if ((await store.TryWriteInstructionAsync(abandoned, draft.ETag, cancellationToken)).Written)
                {
                    await ReleaseAsync(abandoned, string.Empty, cancellationToken);
                }

                LogDraftAbandoned(draft.InstructionId, member.TradeId);
                return false;
            }
        }

        if (IsOffsetSet(draft))
        {
            await SettleByOffsetAsync(draft, cancellationToken);
            return false;
        }

        var live = draft with
        {
            Phase = InstructionPhase.Live,
            NettingRun = run,
            Outbox = [.. SettlementRules.TradeEvents(draft, SettlementEventTypes.InstructionIssued, draft.InstructionId), SettlementRules.InstructionMessage(draft)],
        };
        var written = await store.TryWriteInstructionAsync(live, draft.ETag, cancellationToken);
        if (!written.Written)
        {
            var current = await store.GetInstructionAsync(draft.InstructionId, cancellationToken);
            if (current is not null && current.Phase != InstructionPhase.Draft)
            {
                await PublishAsync(current.Outbox, cancellationToken);
            }

            return false;
        }

        if (written.ETag is { } etag)
        {
            _instructions.Written(live.InstructionId, live with { ETag = etag }, etag, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
        }

        await PublishAsync(live.Outbox, cancellationToken);
        if (written.ETag is { } published)
        {
            _instructions.Published(live.InstructionId, published, ArchiveRecordNames.DayOf(clock.GetUtcNow()));
        }

        return true;
    }

    /// <summary>Whether a draft is a netting set that nets to zero: nothing to instruct, its trades settle by offset.</summary>
    private static bool IsOffsetSet(SettlementInstructionDocument draft) => draft.Instruction.Quantity == 0m && draft.Instruction.CashAmount == 0m;

    /// <summary>The netting sets that net to zero, as instructions of nothing (never sent), so they go through a draft.</summary>
    private static IEnumerable<SettlementInstruction> OffsetSets(IReadOnlyList<string> offset, Dictionary<string, (TradeEventWire Trade, TradeObligation Obligation)> obligations) =>
        offset.Select(id => obligations[id].Obligation.Obligation)
            .GroupBy(o => (o.CounterpartyLei, o.Isin, o.SettlementDate, o.Currency, Ours: o.Ours.SsiId, Theirs: o.Theirs.SsiId))
            .Select(group =>
            {
                var members = group.OrderBy(o => o.TradeId, StringComparer.Ordinal).ToList();
                var tradeIds = members.Select(o => o.TradeId).ToList();
                var first = members[0];
                return new SettlementInstruction(
                    Netting.InstructionIdFor(tradeIds), first.CounterpartyLei, first.Isin, members.Max(o => o.TradeDate), first.SettlementDate, first.Currency,
                    SecuritiesMovement.Receive, PaymentType.Free, 0m, first.IsFaceAmount, 0m, false, first.Ours, first.Theirs, tradeIds);
            });

    /// <summary>
    /// Settles a claimed offset set: each trade goes to SettledByOffset with its TradeSettled event (published), then the set's
    /// document to <see cref="InstructionPhase.Offset"/>. A repeat (a run after a crash) re-publishes what was settled already.
    /// </summary>
    private async Task SettleByOffsetAsync(SettlementInstructionDocument draft, CancellationToken cancellationToken)
    {
        foreach (var member in draft.Trades)
        {
            for (var attempt = 1; attempt <= MaximumWriteAttempts; attempt++)
            {
                var document = await store.GetTradeAsync(member.TradeId, cancellationToken);
                if (document?.Status == TradeSettlementStatus.SettledByOffset)
                {
                    await PublishAsync(document.Outbox, cancellationToken);
                    break;
                }

                if (document?.Trade is not { } trade || document.Status != TradeSettlementStatus.Instructed || document.InstructionId != draft.InstructionId)
                {
                    // Withdrawn from the set since it was claimed (its amendment or cancellation abandoned the set).
                    break;
                }

                var next = document with { Status = TradeSettlementStatus.SettledByOffset, InstructionId = null, Outbox = [SettlementRules.EventMessage(OffsetSettled(trade))] };
                if ((await store.TryWriteTradeAsync(next, document.ETag, cancellationToken)).Written)
                {
                    await PublishAsync(next.Outbox, cancellationToken);
                    LogOffset(trade.TradeId, draft.InstructionId);
                    break;
                }
            }
        }

        // A lost race means an amendment abandoned the set meanwhile: that outcome stands.
        await store.TryWriteInstructionAsync(draft with { Phase = InstructionPhase.Offset }, draft.ETag, cancellationToken);
    }

    private static SettlementEventWire OffsetSettled(TradeEventWire trade)
    {
        var quantity = Math.Abs(SettlementRules.Number(trade.Quantity));
        var cash = Math.Abs(SettlementRules.Number(trade.Net));
        return new SettlementEventWire(
            $"{trade.TradeId}:OFFSET:{SettlementEventTypes.TradeSettled}", SettlementEventTypes.TradeSettled, trade.TradeId, trade.Version, trade.BookId,
            "OFFSET", trade.SettlementDate, trade.Side, trade.Currency, true, StatusId: "OFFSET", SettledOn: trade.SettlementDate,
            SettledQuantity: TradeEventWire.Text(quantity), SettledCash: TradeEventWire.Text(cash),
            CumulativeQuantity: TradeEventWire.Text(quantity), CumulativeCash: TradeEventWire.Text(cash), CorrelationId: trade.CorrelationId);
    }

    private static SettlementInstruction GrossInstruction(TradeEventWire trade, TradeObligation obligation) =>
        Netting.Instruct([obligation.Obligation], _ => false, out _).Single() with
        {
            InstructionId = SettlementRules.InstructionIdOf([(trade.TradeId, trade.Version)]),
        };

    /// <summary>Whether an amendment changes what is instructed (then it needs a new affirmation and a new instruction).</summary>
    public static bool SettlementTermsDiffer(TradeEventWire before, TradeEventWire after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return before.Account != after.Account || before.CounterpartyLei != after.CounterpartyLei || before.Isin != after.Isin
            || !string.Equals(before.Side, after.Side, StringComparison.OrdinalIgnoreCase) || before.Currency != after.Currency
            || before.SettlementDate != after.SettlementDate || before.TradeDate != after.TradeDate
            || SettlementRules.Number(before.Quantity) != SettlementRules.Number(after.Quantity)
            || SettlementRules.Number(before.Net) != SettlementRules.Number(after.Net)
            || SettlementRules.Number(before.Price) != SettlementRules.Number(after.Price);
    }

    private async Task PublishAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await publisher.PublishAsync(message, cancellationToken);
        }
    }

    private SettlementResult Done(string tradeId, InboundMessage inbound, SettlementResult result)
    {
        if (result.Disposition == SettlementDisposition.DeadLetter)
        {
            LogDeadLettered(inbound.MessageId, result.Reason ?? string.Empty, result.Description);
        }
        else
        {
            LogOutcome(tradeId, inbound.MessageId, result.Outcome, result.Description);
        }

        return result;
    }

    private SettlementResult DeadLettered(InboundMessage inbound, string reason, string description)
    {
        LogDeadLettered(inbound.MessageId, reason, description);
        return SettlementResult.DeadLetter(reason, description);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Settlement of trade {TradeId} from message {MessageId}: {Outcome}: {Description}")]
    private partial void LogOutcome(string tradeId, string messageId, string outcome, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade event {MessageId} dead-lettered: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Settlement write for trade {TradeId} (message {MessageId}) lost a race on attempt {Attempt}; deciding again")]
    private partial void LogWriteConflict(string tradeId, string messageId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade {TradeId} awaiting netting cannot be instructed: {Problem}")]
    private partial void LogUnsettleable(string tradeId, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Netting run through {Through}: {Issued} instructions issued, {Offset} trades settled by offset")]
    private partial void LogNettingRun(DateOnly through, int issued, int offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Netting set {InstructionId} abandoned: trade {TradeId} changed after the run read it")]
    private partial void LogDraftAbandoned(string instructionId, string tradeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trade {TradeId} settled by offset in netting set {SetId}")]
    private partial void LogOffset(string tradeId, string setId);
}
