using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.Confirmation;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Settlement;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Confirmation;

/// <summary>The outcome of one step of the confirmation state: the next document and what happened, as values.</summary>
/// <param name="Next">The document after the step (the input itself when nothing changed).</param>
/// <param name="Outcome">affirmed, mismatched, held, duplicate, stale, confirmed, notReconfirmed, cancelled …</param>
/// <param name="Description">A human explanation.</param>
/// <param name="Reason">A stable reason code for outcomes that change nothing.</param>
public sealed record ConfirmationStep(ConfirmationDocument Next, string Outcome, string Description, string? Reason = null)
{
    /// <summary>True when the step changed the document (it must be written).</summary>
    public bool Changed { get; init; } = true;
}

/// <summary>
/// The confirmation stage's decisions, pure: time and reference data are passed in, the results are values. The handlers
/// around them only read, write and publish.
/// </summary>
public static class ConfirmationRules
{
    /// <summary>The archive stage word of the confirmation's state records (renderings): <c>state/confirmations/…</c>.</summary>
    public const string ArchiveStage = "confirmations";

    /// <summary>The application property the counterparty subscriptions filter on.</summary>
    public const string CounterpartyLeiProperty = "counterpartyLei";

    /// <summary>Event type of an affirmed confirmation.</summary>
    public const string TradeAffirmed = "TradeAffirmed";

    /// <summary>Event type of a disputed confirmation.</summary>
    public const string TradeMismatched = "TradeMismatched";

    /// <summary>Event type of a confirmation unaffirmed at its cut-off.</summary>
    public const string UnaffirmedAtCutoffEvent = "UnaffirmedAtCutoff";

    /// <summary>Outcome names (the archive's and the logs' vocabulary).</summary>
    public static class Outcomes
    {
        public const string Confirmed = "confirmed";
        public const string NotReconfirmed = "notReconfirmed";
        public const string Cancelled = "cancelled";
        public const string Affirmed = "affirmed";
        public const string Mismatched = "mismatched";
        public const string Held = "held";
        public const string Duplicate = "duplicate";
        public const string Stale = "stale";
        public const string DeadLettered = "deadLettered";
        public const string AlreadyApplied = "alreadyApplied";
        public const string Reported = "reported";
    }

    /// <summary>The deterministic id of the confirmation of a trade version (also its message id).</summary>
    public static string ConfirmationId(string tradeId, long version) => string.Create(CultureInfo.InvariantCulture, $"CONF-{tradeId}-v{version}");

    /// <summary>The deterministic id of the cancellation notice sent when version <paramref name="version"/> cancelled the trade.</summary>
    public static string CancellationId(string tradeId, long version) => string.Create(CultureInfo.InvariantCulture, $"CONF-{tradeId}-v{version}-cancel");

    /// <summary>The archive name of a confirmation's HTML rendering: <c>state/confirmations/&lt;tradeId&gt;/v&lt;version&gt;.html</c>.</summary>
    public static string RenderingName(ConfirmationMessageWire message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var suffix = message.Kind == ConfirmationMessageWire.CancellationKind ? "-cancel" : string.Empty;
        return ArchiveRecordNames.State(ArchiveStage, string.Create(CultureInfo.InvariantCulture, $"{message.TradeId}/v{message.Version}{suffix}.html"));
    }

    /// <summary>UTC ISO 8601 with seven decimals, as every event of the pipeline writes instants.</summary>
    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    /// <summary>A counterparty's matching tolerances from reference data; an unknown counterparty matches exactly.</summary>
    public static MatchingTolerance ToleranceOf(ReferenceDataSet referenceData, string counterpartyLei)
    {
        ArgumentNullException.ThrowIfNull(referenceData);
        return referenceData.Counterparties.TryGetValue(counterpartyLei, out var counterparty)
            ? new MatchingTolerance(counterparty.Tolerance.PriceBasisPoints, 0m, counterparty.Tolerance.NetAmount)
            : MatchingTolerance.Exact;
    }

    /// <summary>The terms our confirmation states, for matching.</summary>
    /// <exception cref="FormatException">A number or date in the message is unreadable.</exception>
    public static ConfirmationTerms TermsOf(ConfirmationMessageWire c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.TradeId, c.Version, c.Account, c.CounterpartyLei, c.Isin, c.Side, Number(c.Quantity), Number(c.Price), c.Currency,
            Date(c.TradeDate), Date(c.SettlementDate), Number(c.NetAmount));
    }

    /// <summary>The terms an affirmation states, for matching.</summary>
    /// <exception cref="FormatException">A number or date in the affirmation is unreadable.</exception>
    public static ConfirmationTerms TermsOf(AffirmationWire a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(a.TradeId, checked((int)a.Version), a.Account, a.CounterpartyLei, a.Isin, a.Side, Number(a.Quantity), Number(a.Price), a.Currency,
            Date(a.TradeDate), Date(a.SettlementDate), Number(a.NetAmount));
    }

    /// <summary>
    /// The confirmation of a captured or amended trade version, with the market and cut-off its affirmation is due by.
    /// </summary>
    /// <exception cref="FormatException">The event's side, numbers or dates are unreadable.</exception>
    public static (ConfirmationMessageWire Message, string Market, DateTimeOffset CutoffAt) Build(
        TradeEventWire trade, ReferenceDataSet referenceData, AffirmationCutoffSchedule cutoffs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(referenceData);
        ArgumentNullException.ThrowIfNull(cutoffs);
        var side = trade.Side.ToUpperInvariant() switch
        {
            "BUY" => "Buy",
            "SELL" => "Sell",
            _ => throw new FormatException($"unknown side '{trade.Side}'"),
        };
        var tradeDate = Date(trade.TradeDate);
        _ = Date(trade.SettlementDate);
        foreach (var amount in new[] { trade.Quantity, trade.Price, trade.Gross, trade.Commission, trade.AccruedInterest, trade.Net })
        {
            _ = Number(amount);
        }

        // The market is the security's settlement convention; a security missing from reference data gets the fallback rule.
        var market = referenceData.Securities.TryGetValue(trade.Isin, out var security) ? security.SettlementConventionId : trade.Mic;
        var calendar = referenceData.SettlementConventions.TryGetValue(market, out var convention)
            && referenceData.Calendars.TryGetValue(convention.TradingCalendarId, out var trading) ? trading : null;
        var cutoffAt = cutoffs.For(market).CutoffFor(tradeDate, calendar);
        var counterpartyName = referenceData.Counterparties.TryGetValue(trade.CounterpartyLei, out var counterparty) ? counterparty.Name : trade.CounterpartyLei;
        var version = checked((int)trade.Version);
        var message = new ConfirmationMessageWire(
            1, ConfirmationMessageWire.ConfirmationKind, ConfirmationId(trade.TradeId, version), trade.TradeId, version, trade.Account, trade.BookId,
            trade.CounterpartyLei, counterpartyName, trade.Isin, trade.Mic, side, trade.Quantity, trade.Price, trade.PriceType, trade.Currency,
            trade.ExecutionTimestamp, trade.TradeDate, trade.SettlementDate, trade.Gross, trade.Commission, trade.Fees, trade.AccruedInterest,
            trade.Net, trade.RoundingRule, Instant(cutoffAt), Instant(now), trade.CorrelationId);
        return (message, market, cutoffAt);
    }

    /// <summary>The notice withdrawing a confirmation because version <paramref name="cancelVersion"/> cancelled the trade.</summary>
    public static ConfirmationMessageWire Cancellation(ConfirmationMessageWire confirmed, long cancelVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        return confirmed with
        {
            Kind = ConfirmationMessageWire.CancellationKind,
            ConfirmationId = CancellationId(confirmed.TradeId, cancelVersion),
            CancelsConfirmationId = confirmed.ConfirmationId,
            Version = checked((int)cancelVersion),
            IssuedAt = Instant(now),
        };
    }

    /// <summary>A confirmation or cancellation as the message to its counterparty's filtered subscription.</summary>
    public static OutboundMessage ToCounterparty(ConfirmationMessageWire message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new OutboundMessage(
            Entities.CounterpartyOutbound.Name,
            message.ConfirmationId,
            message.Kind,
            message.CorrelationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [CounterpartyLeiProperty] = message.CounterpartyLei },
            JsonSerializer.Serialize(message, ConfirmationJsonContext.Default.ConfirmationMessageWire));
    }

    /// <summary>The HTML rendering archived beside a confirmation (same bytes for the same message).</summary>
    public static PendingArchiveRecord RenderingRecord(ConfirmationMessageWire message, DateTimeOffset now) =>
        new(ArchiveRecordNames.DayOf(now), RenderingName(message), ConfirmationRendering.Html(message), "text/html; charset=utf-8");

    /// <summary>An event on the trade-events topic: message id = event id, subject and eventType = the event type.</summary>
    public static OutboundMessage TradeEvent(string eventId, string eventType, string? correlationId, string body) =>
        new(Entities.TradeEvents.Name, eventId, eventType, correlationId,
            new Dictionary<string, string>(StringComparer.Ordinal) { [CaptureHandler.EventTypeProperty] = eventType }, body);

    /// <summary>The TradeAffirmed event of a trade version.</summary>
    public static OutboundMessage Affirmed(string tradeId, long version, string counterpartyLei, string affirmationId, DateTimeOffset now, string? correlationId)
    {
        var eventId = string.Create(CultureInfo.InvariantCulture, $"{tradeId}:{version}:{TradeAffirmed}");
        var wire = new TradeAffirmedWire(eventId, TradeAffirmed, tradeId, version, counterpartyLei, affirmationId, Instant(now), correlationId);
        return TradeEvent(eventId, TradeAffirmed, correlationId, JsonSerializer.Serialize(wire, ConfirmationJsonContext.Default.TradeAffirmedWire));
    }

    /// <summary>
    /// Applies an affirmation to a trade's confirmation state. The outcome depends only on the state and the affirmation, so a
    /// redelivery, a duplicate with another id, or an older affirmation arriving late never changes what was decided.
    /// </summary>
    public static ConfirmationStep ApplyAffirmation(ConfirmationDocument document, AffirmationWire affirmation, string inboundMessageId, MatchingTolerance tolerance, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(affirmation);
        var version = affirmation.Version;
        ConfirmationStep Unchanged(string outcome, string reason, string description) => new(document, outcome, description, reason) { Changed = false };

        if (document.ProcessedAffirmationIds.Contains(affirmation.AffirmationId, StringComparer.Ordinal)
            || document.Held.Any(h => h.Affirmation.AffirmationId == affirmation.AffirmationId))
        {
            return Unchanged(Outcomes.Duplicate, "DuplicateAffirmation", $"Affirmation {affirmation.AffirmationId} was already received.");
        }

        if (document.Status == ConfirmationStatus.Cancelled)
        {
            return Unchanged(Outcomes.Stale, "TradeCancelled", $"Trade {document.TradeId} is cancelled; affirmation {affirmation.AffirmationId} of v{version} changes nothing.");
        }

        if (document.Confirmation is null || version > document.LatestVersion)
        {
            if (document.Held.Count >= ConfirmationDocument.ListLimit)
            {
                return Unchanged(Outcomes.DeadLettered, "TooManyHeldAffirmations", $"Trade {document.TradeId} already holds {document.Held.Count} affirmations.");
            }

            var held = document with
            {
                Held = [.. document.Held, new HeldAffirmation(inboundMessageId, affirmation, now)],
                Notes = ConfirmationDocument.Bounded(document.Notes, ConfirmationDocument.Note(version, $"affirmation {affirmation.AffirmationId} held until v{version} is confirmed")),
            };
            return new ConfirmationStep(held, Outcomes.Held, $"Affirmation {affirmation.AffirmationId} of v{version} is held until that version is confirmed.");
        }

        var confirmed = document.Confirmation;
        if (version < confirmed.Version)
        {
            return Unchanged(Outcomes.Stale, "StaleVersion", $"Affirmation {affirmation.AffirmationId} is for v{version}; the confirmation in force is v{confirmed.Version}.");
        }

        if (document.Status == ConfirmationStatus.Affirmed)
        {
            return Unchanged(Outcomes.Duplicate, "AlreadyAffirmed", $"v{confirmed.Version} of trade {document.TradeId} is already affirmed by {document.AffirmationId}.");
        }

        // Versions between the confirmation in force and the latest are non-economic amendments: the same terms, confirmed.
        var ours = TermsOf(confirmed) with { Version = checked((int)version) };
        var result = AffirmationMatcher.Match(ours, TermsOf(affirmation), tolerance);
        var processed = ConfirmationDocument.Bounded(document.ProcessedAffirmationIds, affirmation.AffirmationId);
        if (result.Affirmed)
        {
            var next = document with
            {
                Status = ConfirmationStatus.Affirmed,
                AffirmedVersion = document.LatestVersion,
                AffirmationId = affirmation.AffirmationId,
                ProcessedAffirmationIds = processed,
                Outbox = [.. document.Outbox, Affirmed(document.TradeId, document.LatestVersion, confirmed.CounterpartyLei, affirmation.AffirmationId, now, confirmed.CorrelationId)],
            };
            return new ConfirmationStep(next, Outcomes.Affirmed, $"Affirmation {affirmation.AffirmationId} matches v{confirmed.Version}.");
        }

        var eventId = string.Create(CultureInfo.InvariantCulture, $"{document.TradeId}:{confirmed.Version}:{TradeMismatched}:{affirmation.AffirmationId}");
        var mismatch = new TradeMismatchedWire(
            eventId, TradeMismatched, document.TradeId, confirmed.Version, confirmed.CounterpartyLei, affirmation.AffirmationId, Instant(now),
            [.. result.Discrepancies.Select(d => new DiscrepancyWire(d.Field, d.Ours, d.Theirs, d.Rule))], confirmed.CorrelationId);
        var mismatched = document with
        {
            Status = ConfirmationStatus.Mismatched,
            AffirmationId = affirmation.AffirmationId,
            ProcessedAffirmationIds = processed,
            Outbox = [.. document.Outbox, TradeEvent(eventId, TradeMismatched, confirmed.CorrelationId, JsonSerializer.Serialize(mismatch, ConfirmationJsonContext.Default.TradeMismatchedWire))],
        };
        return new ConfirmationStep(mismatched, Outcomes.Mismatched,
            $"Affirmation {affirmation.AffirmationId} disputes v{confirmed.Version}: {string.Join(", ", result.Discrepancies.Select(d => d.Field))}.");
    }

    /// <summary>
    /// Applies a trade event (captured, amended, cancelled) to the confirmation state: a new confirmation for a new trade or
    /// an economic amendment (then any held affirmation of that version is matched), a note for a non-economic amendment, a
    /// cancellation notice for a confirmed trade that is cancelled; lower versions are stale.
    /// </summary>
    /// <exception cref="FormatException">The event's side, numbers or dates are unreadable.</exception>
    public static ConfirmationStep ApplyTradeEvent(
        ConfirmationDocument document, TradeEventWire trade, string inboundMessageId, ReferenceDataSet referenceData, AffirmationCutoffSchedule cutoffs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(trade);
        ArgumentNullException.ThrowIfNull(referenceData);
        var version = checked((int)trade.Version);
        if (version <= document.LatestVersion || document.Status == ConfirmationStatus.Cancelled)
        {
            return new ConfirmationStep(document, Outcomes.Stale, $"{trade.EventType} v{version} is not newer than v{document.LatestVersion} ({document.Status}).", "StaleVersion") { Changed = false };
        }

        // A new state change starts with an empty outbox: the previous one was re-published before this write (decision 0060).
        var start = document with
        {
            LatestVersion = version,
            Outbox = [],
            PendingArchive = [],
            RecentInboundMessageIds = ConfirmationDocument.Bounded(document.RecentInboundMessageIds, inboundMessageId),
        };

        if (trade.EventType == nameof(Domain.Capture.TradeEventType.TradeCancelled) || trade.Status == "Cancelled")
        {
            if (document.Confirmation is not { } confirmed)
            {
                return new ConfirmationStep(start with { Status = ConfirmationStatus.Cancelled, Held = [], Notes = ConfirmationDocument.Bounded(start.Notes, ConfirmationDocument.Note(version, "cancelled before any confirmation was sent")) },
                    Outcomes.Cancelled, $"Trade {trade.TradeId} cancelled (v{version}); no confirmation had been sent.");
            }

            var notice = Cancellation(confirmed, version, now);
            return new ConfirmationStep(
                start with { Status = ConfirmationStatus.Cancelled, Held = [], Outbox = [ToCounterparty(notice)], PendingArchive = [RenderingRecord(notice, now)] },
                Outcomes.Cancelled, $"Trade {trade.TradeId} cancelled (v{version}); {confirmed.ConfirmationId} withdrawn.");
        }

        var (message, market, cutoffAt) = Build(trade, referenceData, cutoffs, now);
        if (document.Confirmation is { } inForce)
        {
            var changes = EconomicAmendment.Changes(TermsOf(inForce), TermsOf(message));
            if (changes.Count == 0)
            {
                var note = ConfirmationDocument.Note(version, $"not re-confirmed: no matched field differs from {inForce.ConfirmationId}");
                var kept = start with { Notes = ConfirmationDocument.Bounded(start.Notes, note) };
                if (document.Status == ConfirmationStatus.Affirmed)
                {
                    // The affirmation stands for the amended version: settlement hears that this version is affirmed too.
                    kept = kept with
                    {
                        AffirmedVersion = version,
                        Outbox = [Affirmed(trade.TradeId, version, inForce.CounterpartyLei, document.AffirmationId!, now, inForce.CorrelationId)],
                    };
                }

                return new ConfirmationStep(kept, Outcomes.NotReconfirmed, $"{trade.EventType} v{version} changes no matched field; {inForce.ConfirmationId} stays in force.");
            }
        }

        var next = start with
        {
            Status = ConfirmationStatus.Confirmed,
            Confirmation = message,
            Market = market,
            CutoffAt = cutoffAt,
            AffirmationId = null,
            Outbox = [ToCounterparty(message)],
            PendingArchive = [RenderingRecord(message, now)],
        };
        var outcome = new ConfirmationStep(next, Outcomes.Confirmed, $"{message.ConfirmationId} sent to {message.CounterpartyLei}; affirmation due by {message.AffirmBy}.");

        // Held affirmations: those of this version are matched now, in arrival order; older ones can never match.
        var tolerance = ToleranceOf(referenceData, message.CounterpartyLei);
        var remaining = new List<HeldAffirmation>();
        var current = next with { Held = [] };
        foreach (var held in document.Held)
        {
            if (held.Affirmation.Version > version)
            {
                remaining.Add(held);
            }
            else if (held.Affirmation.Version < version)
            {
                current = current with { Notes = ConfirmationDocument.Bounded(current.Notes, ConfirmationDocument.Note(held.Affirmation.Version, $"held affirmation {held.Affirmation.AffirmationId} is stale: v{version} is confirmed")) };
            }
            else
            {
                var step = ApplyAffirmation(current, held.Affirmation, held.InboundMessageId, tolerance, now);
                current = step.Changed ? step.Next : current with { Notes = ConfirmationDocument.Bounded(current.Notes, ConfirmationDocument.Note(version, step.Description)) };
            }
        }

        return outcome with { Next = current with { Held = remaining } };
    }

    private static decimal Number(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a decimal");

    private static DateOnly Date(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a yyyy-MM-dd date");
}
