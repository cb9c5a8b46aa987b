using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.Compliance;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Risk;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>A trade event as the compliance subscription delivered it.</summary>
/// <param name="MessageId">The Service Bus message id (the event id).</param>
/// <param name="CorrelationId">The correlation id it carried.</param>
/// <param name="Body">The body (TradeEventWire JSON).</param>
/// <param name="EnqueuedAt">When the event was enqueued: capture publishes right after it accepts the trade, so this is the
/// capture time the late-booking rule compares with, and it is the same on every redelivery.</param>
public sealed record ComplianceInbound(string MessageId, string? CorrelationId, ReadOnlyMemory<byte> Body, DateTimeOffset EnqueuedAt);

/// <summary>What became of a trade event.</summary>
public enum ComplianceResult
{
    /// <summary>The rules ran and the window was updated; <see cref="ComplianceOutcome.AlertIds"/> lists new alerts.</summary>
    Evaluated,

    /// <summary>The message, or this version of the trade, was already evaluated: nothing changed.</summary>
    Duplicate,

    /// <summary>A later version of the trade was already evaluated: nothing changed.</summary>
    Stale,

    /// <summary>An event type surveillance does not evaluate (a cancel): completed, nothing changed.</summary>
    Ignored,

    /// <summary>The event can never be evaluated; the message is dead-lettered with the reason.</summary>
    DeadLettered,
}

/// <summary>The outcome of one trade event.</summary>
/// <param name="Result">What happened.</param>
/// <param name="AlertIds">Alerts raised by this evaluation.</param>
/// <param name="Reason">The dead-letter reason.</param>
/// <param name="Description">The dead-letter description, or why nothing changed.</param>
public sealed record ComplianceOutcome(ComplianceResult Result, IReadOnlyList<string> AlertIds, string? Reason, string? Description);

/// <summary>
/// The compliance stage: every captured or amended trade version is evaluated by every rule in force. Side effects, in order:
/// (0) read the window — skipped on the first attempt, which starts from the window this instance last wrote (or an empty
/// one, created) and trusts it only through the conditional write (decision 0075); (1) flush a window's pending outbox; (2) one conditional write of the window (the trade applied, the new alerts in its
/// outbox, the inbound id remembered); (3) per new alert: store it (create-once), archive it as a state record, publish
/// ComplianceAlertRaised (message id = alert id) — unless the store holds another raise of the same breach, which stands; (4) clear the outbox — only when there were alerts, so a trade without
/// alerts costs one Cosmos write; (5) archive the inbound message with its outcome (write-once, deterministic bytes).
/// Redelivery and reordering never double-count: the window keys trades by id and version and remembers applied message ids
/// and raised alert ids (decision 0070).
/// </summary>
public sealed partial class ComplianceHandler(
    IComplianceStore store,
    IArchiveStore archive,
    IMessagePublisher publisher,
    IReferenceDataSource referenceData,
    IPriceHistorySource prices,
    ComplianceConfiguration configuration,
    TimeProvider clock,
    ILogger<ComplianceHandler> logger)
{
    // The windows this instance wrote last (decision 0075); a day's windows are owners × instruments traded.
    private readonly WrittenDocuments<ComplianceWindowDocument> _windows = new(16_384);

    /// <summary>How many times an evaluation is retried after losing a concurrency race before the message is retried.</summary>
    public const int MaxAttempts = 20;

    /// <summary>How many recent closes the rules may see (the price rule's lookback takes what it needs of them).</summary>
    public const int RecentCloses = 60;

    /// <summary>The archive's entity segment for inbound records: the topic and this stage's subscription.</summary>
    public static string InboundEntity => $"{Entities.TradeEvents.Name}.{Entities.TradeEventSubscriptions.Compliance.Name}";

    /// <summary>Evaluates one trade event.</summary>
    /// <exception cref="ComplianceConcurrencyException">Every attempt lost a race on the window; the message should be retried.</exception>
    public async Task<ComplianceOutcome> HandleAsync(ComplianceInbound inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var (wire, problem) = Read(inbound.Body.Span);
        if (problem is not null)
        {
            return await FinishAsync(inbound, problem, [], cancellationToken);
        }

        if (wire!.EventType is not (nameof(TradeEventType.TradeCaptured) or nameof(TradeEventType.TradeAmended)) || wire.Status == "Cancelled")
        {
            return await FinishAsync(inbound, new ComplianceOutcome(ComplianceResult.Ignored, [], null, $"{wire.EventType} is not surveilled."), [], cancellationToken);
        }

        var reference = await referenceData.GetCurrentAsync(cancellationToken);
        var (trade, mappingProblem) = Map(wire, inbound.EnqueuedAt, reference, configuration);
        if (mappingProblem is not null)
        {
            return await FinishAsync(inbound, mappingProblem, [], cancellationToken);
        }

        var history = await prices.GetAsync(cancellationToken);
        var closes = history.Closes(trade!.Isin, trade.TradeDate.AddDays(-1), RecentCloses).Reverse().ToList();
        decimal? referencePrice = closes.Count > 0 ? closes[0] : null;
        var rules = configuration.Rules.InForce(trade.TradeDate);

        // The first attempt starts from the window this instance wrote last (or an empty one to create) without reading it;
        // only its conditional write is trusted — anything else is decided again from the stored window.
        for (var attempt = 0; attempt <= MaxAttempts; attempt++)
        {
            var assumed = attempt == 0;
            var loaded = assumed ? GuessWindow(trade.BeneficialOwner, trade.Isin) : await store.LoadWindowAsync(trade.BeneficialOwner, trade.Isin, cancellationToken);
            if (assumed && (loaded.Document.Outbox.Count > 0 || loaded.Document.RecentInbound.Any(m => m.MessageId == inbound.MessageId)
                || loaded.Document.Window.AppliedVersion(trade.TradeId) is { } known && known >= trade.Version))
            {
                continue;
            }

            if (loaded.Document.Outbox.Count > 0)
            {
                // Decision 0010 step 3: whoever touches the window next finishes the previous change first.
                await FlushAsync(loaded, cancellationToken);
                continue;
            }

            var document = loaded.Document;
            if (document.RecentInbound.FirstOrDefault(m => m.MessageId == inbound.MessageId) is { } applied)
            {
                // This very message was applied; its archived outcome is the one it got then (same bytes, written once).
                LogOutcome(inbound.MessageId, trade.TradeId, ComplianceResult.Duplicate, applied.AlertIds.Count);
                await ArchiveInboundAsync(inbound, new ComplianceOutcome(ComplianceResult.Evaluated, applied.AlertIds, null, null), cancellationToken);
                return new ComplianceOutcome(ComplianceResult.Duplicate, applied.AlertIds, null, "The message was already evaluated.");
            }

            if (document.Window.AppliedVersion(trade.TradeId) is { } version && version >= trade.Version)
            {
                var result = version == trade.Version ? ComplianceResult.Duplicate : ComplianceResult.Stale;
                return await FinishAsync(inbound, new ComplianceOutcome(result, [], null, string.Create(CultureInfo.InvariantCulture, $"Version {version} of {trade.TradeId} was already evaluated.")), [], cancellationToken);
            }

            var context = document.Window.ContextFor(trade, closes, referencePrice);
            var window = document.Window;
            var now = clock.GetUtcNow();
            var events = Surveillance.Evaluate(trade, context, rules)
                .Where(a => !window.HasRaised(a.AlertId))
                .Select(a => ComplianceAlertRaised.From(a, trade, now, wire.CorrelationId))
                .ToList();
            var alertIds = events.Select(e => e.AlertId).ToList();
            var next = new ComplianceWindowDocument(
                document.Window.Apply(WindowTrade.From(trade), alertIds, configuration.Limits),
                events,
                [.. document.RecentInbound.Append(new AppliedInbound(inbound.MessageId, alertIds)).TakeLast(ComplianceWindowDocument.RecentInboundLimit)]);
            var etag = await store.TryWriteWindowAsync(next, loaded.ETag, cancellationToken);
            if (etag is null)
            {
                if (assumed)
                {
                    _windows.Forget(WindowKey(trade.BeneficialOwner, trade.Isin), loaded.ETag);
                    continue;
                }

                LogConflict(trade.TradeId, attempt);
                await BackOffAsync(attempt, cancellationToken);
                continue;
            }

            var written = new LoadedComplianceWindow(next, etag);
            if (events.Count > 0)
            {
                written = await FlushAsync(written, cancellationToken);
            }

            if (written.ETag is { } current)
            {
                _windows.Remember(WindowKey(trade.BeneficialOwner, trade.Isin), written.Document, current, ArchiveRecordNames.DayOf(now));
            }

            var outcome = new ComplianceOutcome(ComplianceResult.Evaluated, alertIds, null, null);
            LogOutcome(inbound.MessageId, trade.TradeId, outcome.Result, alertIds.Count);
            await ArchiveInboundAsync(inbound, outcome, cancellationToken, firstEvaluation: true);
            return outcome;
        }

        throw new ComplianceConcurrencyException($"Trade {trade.TradeId}: {MaxAttempts} attempts lost a concurrency race on its window; the message will be retried.");
    }

    private static string WindowKey(string beneficialOwner, string isin) => string.Concat(beneficialOwner, "\n", isin);

    // The window this instance wrote last, or, when it wrote none, an empty one to create: a guess only its write can prove.
    private LoadedComplianceWindow GuessWindow(string beneficialOwner, string isin) =>
        _windows.TryGuess(WindowKey(beneficialOwner, isin), out var document, out var etag)
            ? new LoadedComplianceWindow(document, etag)
            : new LoadedComplianceWindow(ComplianceWindowDocument.Empty(beneficialOwner, isin), null);

    private Task BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        // A busy owner × instrument window is one document: concurrent deliveries for it serialise on its ETag. A short,
        // jittered, growing pause lets the winner's write land instead of every loser re-reading at once.
        var ceiling = Math.Min(64, 1 << Math.Min(attempt, 6));
#pragma warning disable CA5394 // Jitter, not security.
        var pause = TimeSpan.FromMilliseconds(Random.Shared.Next(1, ceiling + 1));
#pragma warning restore CA5394
        return Task.Delay(pause, clock, cancellationToken);
    }

    /// <summary>Decodes a trade event, or says why it cannot be evaluated.</summary>
    public static (TradeEventWire? Wire, ComplianceOutcome? Problem) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            var wire = JsonSerializer.Deserialize(body, CaptureJsonContext.Default.TradeEventWire);
            return wire is null ? (null, DeadLetter("MalformedEvent", "The trade event body is JSON null.")) : (wire, null);
        }
        catch (JsonException ex)
        {
            return (null, DeadLetter("MalformedEvent", $"The trade event is not valid JSON for the contract: {ex.Message}"));
        }
    }

    /// <summary>Maps a trade event to what the rules see, or says why it cannot be.</summary>
    public static (SurveillanceTrade? Trade, ComplianceOutcome? Problem) Map(TradeEventWire wire, DateTimeOffset capturedAt, Domain.ReferenceData.ReferenceDataSet reference, ComplianceConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!reference.Books.TryGetValue(wire.BookId, out var book))
        {
            return (null, DeadLetter("UnknownBook", $"Trade event {wire.EventId} names book '{wire.BookId}', which reference data does not know."));
        }

        bool? isBuy = wire.Side.ToUpperInvariant() switch { "BUY" => true, "SELL" => false, _ => null };
        if (isBuy is null
            || !TryNumber(wire.Quantity, out var quantity) || quantity <= 0m
            || !TryNumber(wire.Price, out var price) || price <= 0m
            || !TryNumber(wire.Gross, out var gross)
            || !DateOnly.TryParseExact(wire.TradeDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var tradeDate)
            || !DateTimeOffset.TryParse(wire.ExecutionTimestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var executedAt)
            || wire.Version is < 1 or > int.MaxValue)
        {
            return (null, DeadLetter("MalformedEvent", $"Trade event {wire.EventId} has an unreadable side, quantity, price, gross, date or version."));
        }

        if (new FxConversion(reference.FxRates).Rate(wire.Currency, book.BaseCurrency, tradeDate) is not { } rate)
        {
            return (null, DeadLetter("MissingFxRate", $"No {wire.Currency}/{book.BaseCurrency} rate on or before {wire.TradeDate} to value trade {wire.TradeId} in its book's base currency."));
        }

        return (new SurveillanceTrade(
            wire.TradeId, (int)wire.Version, wire.BookId, wire.Account, configuration.OwnerOf(wire.Account), wire.Isin, isBuy.Value, quantity, price,
            wire.Currency, gross * rate, executedAt, capturedAt, tradeDate), null);
    }

    private async Task<LoadedComplianceWindow> FlushAsync(LoadedComplianceWindow loaded, CancellationToken cancellationToken)
    {
        foreach (var alert in loaded.Document.Outbox)
        {
            if (!await store.StoreAlertAsync(alert, cancellationToken) && await RaisedBeforeAsync(alert, cancellationToken) is { } first)
            {
                // The breach was alerted before and the window has since forgotten the alert's id (it remembers the last
                // MaximumAlertIds; on a busy day an amendment re-evaluates its trade after that many more alerts). That alert
                // was stored, archived and published when it was raised — a window's outbox is flushed before the window is
                // evaluated again — and it stands. This raise differs from it (another detection time, maybe other evidence):
                // archiving or publishing it under the alert's id would be refused as a different record, and a flush that
                // throws leaves the outbox in place, so every later trade of the window would fail until it was dead-lettered.
                LogRaisedAgain(alert.AlertId, alert.TradeId, first.DetectedAt);
                continue;
            }

            var record = new ArchiveRecord(ArchiveRecordNames.DayOf(alert.DetectedAtInstant), alert.ArchiveName, Encoding.UTF8.GetBytes(alert.ToJson()), "application/json");
            if (await archive.WriteAsync(record, cancellationToken) == ArchiveWriteResult.Conflict)
            {
                // Nothing is overwritten; the first record of the alert stands. Only possible when the store no longer holds
                // the first alert of a breach raised again (one it holds is skipped above).
                LogArchiveConflict(alert.AlertId, record.Name);
            }

            await publisher.PublishAsync(alert.ToMessage(), cancellationToken);
            LogAlertRaised(alert.AlertId, alert.Rule, alert.TradeId, alert.CorrelationId);
        }

        // A lost race here is harmless: the writer that won saw the outbox and flushes it (idempotently) itself.
        var cleared = loaded.Document with { Outbox = [] };
        return new LoadedComplianceWindow(cleared, await store.TryWriteWindowAsync(cleared, loaded.ETag, cancellationToken));
    }

    // The stored alert with this id when it is another raise of the breach than this one, or null when it is this very alert
    // (stored by an earlier flush of this outbox that did not finish): then the flush goes on, each step idempotent.
    private async Task<ComplianceAlertRaised?> RaisedBeforeAsync(ComplianceAlertRaised alert, CancellationToken cancellationToken)
    {
        var stored = await store.GetAlertAsync(alert.AlertId, cancellationToken);
        return stored is null || string.Equals(stored.ToJson(), alert.ToJson(), StringComparison.Ordinal) ? null : stored;
    }

    private async Task<ComplianceOutcome> FinishAsync(ComplianceInbound inbound, ComplianceOutcome outcome, IReadOnlyList<string> alertIds, CancellationToken cancellationToken)
    {
        if (outcome.Result == ComplianceResult.DeadLettered)
        {
            LogDeadLettered(inbound.MessageId, inbound.CorrelationId, outcome.Reason ?? string.Empty, outcome.Description ?? string.Empty);
        }
        else
        {
            LogOutcome(inbound.MessageId, null, outcome.Result, alertIds.Count);
        }

        await ArchiveInboundAsync(inbound, outcome, cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Archives the inbound message with its outcome, once. Only the first evaluation of a message writes straight away; any
    /// other outcome may be the same message delivered again (a redelivery, or an event its stage published again with
    /// another enqueue time), so it looks first and writes only when nothing is archived under the name — a second,
    /// different record would be refused by the write-once archive and raised as an archive conflict.
    /// </summary>
    private async Task ArchiveInboundAsync(ComplianceInbound inbound, ComplianceOutcome outcome, CancellationToken cancellationToken, bool firstEvaluation = false)
    {
        var bytes = InboundRecord(inbound, outcome);
        var record = new ArchiveRecord(ArchiveRecordNames.DayOf(inbound.EnqueuedAt), ArchiveRecordNames.Inbound(InboundEntity, inbound.MessageId), bytes, "application/json");
        if (!firstEvaluation && await ArchivedBodyIsAsync(record, bytes, cancellationToken))
        {
            LogArchivedBefore(inbound.MessageId, record.Name);
            return;
        }

        if (await archive.WriteAsync(record, cancellationToken) != ArchiveWriteResult.Conflict)
        {
            return;
        }

        // The record of this message id differs. The same body delivered again is at-least-once delivery, not an alert: a
        // redelivery after the window forgot the id (it keeps the last RecentInboundLimit) is judged a duplicate instead of
        // the first outcome, and an event published again by its stage carries another enqueue time. The first record stands.
        // Another body under the id is the alert.
        if (await ArchivedBodyIsAsync(record, bytes, cancellationToken))
        {
            LogArchivedBefore(inbound.MessageId, record.Name);
        }
        else
        {
            LogArchiveConflict(inbound.MessageId, record.Name);
        }
    }

    private async Task<bool> ArchivedBodyIsAsync(ArchiveRecord record, byte[] bytes, CancellationToken cancellationToken)
    {
        await using var stream = await archive.OpenAsync(record.BusinessDate, record.Name, cancellationToken);
        if (stream is null)
        {
            return false;
        }

        try
        {
            var archived = await JsonSerializer.DeserializeAsync(stream, ComplianceJsonContext.Default.ComplianceInboundRecord, cancellationToken);
            var mine = JsonSerializer.Deserialize(bytes, ComplianceJsonContext.Default.ComplianceInboundRecord);
            return archived is not null && mine is not null
                && string.Equals(archived.MessageId, mine.MessageId, StringComparison.Ordinal)
                && string.Equals(archived.Body?.GetRawText(), mine.Body?.GetRawText(), StringComparison.Ordinal)
                && string.Equals(archived.BodyText, mine.BodyText, StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The archived bytes of an inbound message and its outcome: equal inputs give equal bytes.</summary>
    public static byte[] InboundRecord(ComplianceInbound inbound, ComplianceOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(outcome);
        JsonElement? body = null;
        string? text = null;
        try
        {
            using var parsed = JsonDocument.Parse(inbound.Body);
            body = parsed.RootElement.Clone();
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(inbound.Body.Span);
        }

        var entry = new ComplianceInboundRecord(
            inbound.MessageId, InboundEntity, inbound.CorrelationId,
            inbound.EnqueuedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
            OutcomeName(outcome.Result), outcome.Reason, outcome.Description, outcome.AlertIds, body, text);
        return JsonSerializer.SerializeToUtf8Bytes(entry, ComplianceJsonContext.Default.ComplianceInboundRecord);
    }

    private static string OutcomeName(ComplianceResult result) => result switch
    {
        ComplianceResult.Evaluated => "evaluated",
        ComplianceResult.Duplicate => "duplicate",
        ComplianceResult.Stale => "stale",
        ComplianceResult.Ignored => "ignored",
        _ => "deadLettered",
    };

    private static ComplianceOutcome DeadLetter(string reason, string description) => new(ComplianceResult.DeadLettered, [], reason, description);

    private static bool TryNumber(string text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compliance evaluation of message {MessageId} (trade {TradeId}): {Result}, {AlertCount} new alerts")]
    private partial void LogOutcome(string messageId, string? tradeId, ComplianceResult result, int alertCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compliance alert {AlertId} raised: {Rule} on trade {TradeId} (correlation {CorrelationId})")]
    private partial void LogAlertRaised(string alertId, string rule, string tradeId, string? correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trade event {MessageId} (correlation {CorrelationId}) dead-lettered by compliance: {Reason}: {Description}")]
    private partial void LogDeadLettered(string messageId, string? correlationId, string reason, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Compliance window write for trade {TradeId} lost a concurrency race on attempt {Attempt}; evaluating again")]
    private partial void LogConflict(string tradeId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compliance alert {AlertId} was raised again by trade {TradeId} after its window forgot it; the alert detected at {DetectedAt} stands and nothing is published again")]
    private partial void LogRaisedAgain(string alertId, string tradeId, string detectedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "A different record is already archived for {Id} as {Name}; the first one stands")]
    private partial void LogArchiveConflict(string id, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {Id} was delivered again after its record {Name} was archived; the body is the same and the first record stands")]
    private partial void LogArchivedBefore(string id, string name);
}

/// <summary>Every attempt to write a window lost a concurrency race; transient, so the message is retried.</summary>
public sealed class ComplianceConcurrencyException : Exception
{
    public ComplianceConcurrencyException(string message) : base(message)
    {
    }

    public ComplianceConcurrencyException()
    {
    }

    public ComplianceConcurrencyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
