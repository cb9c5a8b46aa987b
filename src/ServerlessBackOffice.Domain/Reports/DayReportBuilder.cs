using System.Globalization;
using System.Text.Json;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Risk;
using ServerlessBackOffice.Domain.Settlement;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// Computes a business day's reports from the day's archived records alone (docs/archive.md "Record names"), in one
/// streaming pass: the end of day and <c>backoffice replay</c> both feed it the records in name order and get byte-identical
/// files. Per-event rows (blotter, transaction report, inputs) are written as records arrive; everything else is aggregated
/// per trade or per account and written sorted by stable keys on <see cref="Complete"/>. Nothing reads a clock: the "as of"
/// is the close passed in <see cref="DayReportParameters"/>.
/// </summary>
/// <remarks>
/// Records must arrive in ordinal name order (the archive lists them so); the builder refuses anything else, because the
/// streamed files follow that order. A record it cannot read — unparseable JSON, an unknown event type, a missing field —
/// is listed in the records-not-understood report with the reason, never a crash and never silently dropped.
/// </remarks>
public sealed partial class DayReportBuilder : IDisposable
{
    // Venues whose trades MiFIR (EU) or UK MiFIR transaction reporting covers; XOFF trades are in scope in EUR or GBP.
    private static readonly HashSet<string> ReportableVenues = new(StringComparer.Ordinal) { "XLON", "XPAR", "XETR", "XAMS", "XBRU", "XMIL", "XMAD", "XLIS", "XDUB", "XHEL", "XSTO", "XCSE", "XWBO" };
    private static readonly HashSet<string> CsdrVenues = new(StringComparer.Ordinal) { "XPAR", "XETR", "XAMS", "XBRU", "XMIL", "XMAD", "XLIS", "XDUB", "XHEL", "XSTO", "XCSE", "XWBO" };

    private readonly DayReportParameters _parameters;
    private readonly DayRecordFolders _folders;
    private readonly IReportFileSink _sink;
    private readonly Dictionary<string, EventDecoder> _decoders;
    private readonly Dictionary<string, BookOutput> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TradeFacts> _trades = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _omsOutcomes = new(StringComparer.Ordinal);
    private readonly List<string?[]> _omsExceptions = [];
    private readonly SortedDictionary<string, long> _folderCounts = new(StringComparer.Ordinal);
    private readonly List<(string Subject, string Reason)> _notUnderstood = [];
    private readonly List<AlertFact> _alerts = [];
    private readonly RiskSection _risk = new();
    private readonly string _tradeEventsPrefix;
    private readonly string _omsRepliesPrefix;
    private readonly string _omsInboundPrefix;
    private string? _lastName;
    private long _omsInbound;
    private bool _completed;

    /// <summary>Starts a day: opens each book's streamed files (inputs, blotter, transaction report) on <paramref name="sink"/>.</summary>
    public DayReportBuilder(DayReportParameters parameters, DayRecordFolders folders, IReportFileSink sink, IReadOnlyList<EventDecoder>? decoders = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(sink);
        _parameters = parameters;
        _folders = folders;
        _sink = sink;
        _decoders = (decoders ?? EventDecoders.All).ToDictionary(d => d.EventType, StringComparer.Ordinal);
        _tradeEventsPrefix = $"outbound/{folders.TradeEvents}/";
        _omsRepliesPrefix = $"outbound/{folders.OmsReplies}/";
        _omsInboundPrefix = $"inbound/{folders.OmsTrades}/";
        foreach (var book in parameters.Books.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var output = new BookOutput(book, sink.Create(ReportFiles.For(book, ReportFiles.Inputs)), sink.Create(ReportFiles.For(book, ReportFiles.Blotter)));
            _books[book] = output;
            Csv.WriteRow(output.Inputs, "kind", "name", "size", "sha256");
            Csv.WriteRow(output.Inputs, "parameter", "businessDate", Date(parameters.BusinessDate));
            Csv.WriteRow(output.Inputs, "parameter", "asOf", parameters.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            Csv.WriteRow(output.Inputs, "parameter", "firmLei", parameters.FirmLei);
            Csv.WriteRow(output.Blotter, "tradeId", "version", "eventType", "status", "account", "side", "isin", "assetClass", "mic", "quantity", "price",
                "priceType", "currency", "counterpartyLei", "executionTimestamp", "tradeDate", "settlementDate", "gross", "commission", "fees",
                "accruedInterest", "net");
            output.TransactionTextWriter = sink.Create(ReportFiles.For(book, ReportFiles.TransactionReport));
            output.Transactions = new TransactionReportWriter(output.TransactionTextWriter);
        }
    }

    /// <summary>Whether a record is an input of the reports: every record but the reports themselves and auditor access logs.</summary>
    public static bool IsInput(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return !name.StartsWith("reports/", StringComparison.Ordinal) && !name.StartsWith("audit-access/", StringComparison.Ordinal);
    }

    /// <summary>Reads one record. Names must ascend in ordinal order; non-input names are ignored.</summary>
    /// <param name="name">The record's name within the day.</param>
    /// <param name="content">Its bytes.</param>
    /// <param name="sha256">Its SHA-256 when the caller knows it (the archive listing does); computed otherwise.</param>
    /// <exception cref="InvalidOperationException">Names out of order, or the day is complete: a caller's bug.</exception>
    public void Add(string name, ReadOnlySpan<byte> content, byte[]? sha256 = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_completed)
        {
            throw new InvalidOperationException("The day's reports are complete; no record can be added.");
        }

        if (_lastName is not null && string.CompareOrdinal(_lastName, name) >= 0)
        {
            throw new InvalidOperationException($"Records must arrive in ascending name order: {name} came after {_lastName}.");
        }

        _lastName = name;
        if (!IsInput(name))
        {
            return;
        }

        Enqueue(name, content, sha256);
    }

    /// <summary>Writes every remaining report and closes every file. Idempotent.</summary>
    public void Complete()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        Drain();
        foreach (var book in _books.Values)
        {
            book.Transactions!.Dispose();
            book.TransactionTextWriter!.Dispose();
            book.Inputs.Dispose();
            book.Blotter.Dispose();
            var trades = TradesInIdOrder(book.Id);
            var confirmation = WriteConfirmationExceptions(book, trades);
            var fails = WriteSettlementStatus(book, trades);
            WritePositionsAndCash(book);
            var balances = WriteTrialBalance(book, trades);
            WriteAlerts(book);
            var risk = WriteRisk(book);
            var outcomes = WriteOmsOutcomes(book);
            WriteNotUnderstood(book);
            var openExceptions = WriteOpenExceptions(book);
            WriteDashboard(book, outcomes, confirmation, fails, balances, openExceptions, risk);
        }
    }

    // The book's trades in ordinal order of their ids. Records come in name order, so a day's trades are usually first seen
    // in id order already: checked in one pass, sorted only when they are not (a million ids sorted cost a second at the close).
    private List<KeyValuePair<string, TradeFacts>> TradesInIdOrder(string bookId)
    {
        var trades = new List<KeyValuePair<string, TradeFacts>>();
        var ordered = true;
        foreach (var trade in _trades)
        {
            if (trade.Value.Book != bookId)
            {
                continue;
            }

            ordered = ordered && (trades.Count == 0 || string.CompareOrdinal(trades[^1].Key, trade.Key) < 0);
            trades.Add(trade);
        }

        if (!ordered)
        {
            trades.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        }

        return trades;
    }

    /// <summary>Completes the day if the caller did not.</summary>
    public void Dispose() => Complete();

    private void ReadEvent(string name, ReadOnlySpan<byte> content)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(content);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            _notUnderstood.Add((name, $"not JSON: {ex.Message}"));
            return;
        }

        using (document)
        {
            var envelope = document.RootElement;
            var envelopeFields = new EventFields(envelope);
            var eventType = envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("applicationProperties", out var properties)
                ? new EventFields(properties).OptionalText("eventType")
                : null;
            eventType ??= envelopeFields.OptionalText("subject");
            if (eventType is null || envelope.ValueKind != JsonValueKind.Object || !envelope.TryGetProperty("body", out var body))
            {
                _notUnderstood.Add((name, "not an event envelope (no eventType or no JSON body)"));
                return;
            }

            if (!_decoders.TryGetValue(eventType, out var decoder))
            {
                _notUnderstood.Add((name, $"unknown event type {eventType}"));
                return;
            }

            if (!decoder.TryDecode(body, out var fact, out var problem))
            {
                _notUnderstood.Add((name, $"{eventType}: {problem}"));
                return;
            }

            fact!.ApplyTo(this);
        }
    }

    private void ReadJournalEntry(string name, ReadOnlySpan<byte> content)
    {
        if (!JournalEntryJson.TryDeserialize(content, out var entry, out var problem))
        {
            _notUnderstood.Add((name, $"journal entry: {problem}"));
            return;
        }

        var trade = Trade(entry!.TradeId);
        foreach (var line in entry.Lines)
        {
            if (line.Account.Kind is AccountKind.PositionPending or AccountKind.PositionSettled)
            {
                trade.LedgerQuantity += line.Amount;
            }
        }

        trade.Book ??= Intern(entry.Book);
        if (!_books.TryGetValue(entry.Book, out var book))
        {
            return;
        }

        book.Entries++;
        if (!entry.IsBalanced)
        {
            book.Unbalanced.Add(entry.JournalId);
        }

        foreach (var line in entry.Lines)
        {
            book.Postings++;
            book.Balances[line.Account] = book.Balances.GetValueOrDefault(line.Account) + line.Amount;
            var (debits, credits) = book.ByAsset.GetValueOrDefault(line.Asset);
            book.ByAsset[line.Asset] = line.Amount >= 0 ? (debits + line.Amount, credits) : (debits, credits - line.Amount);
        }
    }

    private void ReadOmsReply(string name, ReadOnlySpan<byte> content)
    {
        try
        {
            var reader = new Utf8JsonReader(content);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var body = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("body", out var b) ? b : root;
            var fields = new EventFields(body);
            var outcome = fields.Text("outcome");
            if (fields.Problem is not null)
            {
                _notUnderstood.Add((name, $"OMS reply: {fields.Problem}"));
                return;
            }

            _omsOutcomes[outcome] = _omsOutcomes.GetValueOrDefault(outcome) + 1;
            if (outcome is "rejected" or "deadLettered" or "stale")
            {
                _omsExceptions.Add([fields.OptionalText("inboundMessageId") ?? name, fields.OptionalText("tradeId"), outcome, fields.OptionalText("reasonCode"), fields.OptionalText("message")]);
            }
        }
        catch (JsonException ex)
        {
            _notUnderstood.Add((name, $"not JSON: {ex.Message}"));
        }
    }

    internal void OnTradeEvent(TradeEventFact e)
    {
        if (OnTradeVersion(TradeTerms.Of(e), e.TradeId) is { } book)
        {
            Csv.WriteRow(book.Blotter, e.TradeId, Number(e.Version), e.EventType, e.Status, e.Account, e.Side, e.Isin, e.AssetClass, e.Mic, Number(e.Quantity),
                Number(e.Price), e.PriceType, e.Currency, e.CounterpartyLei, e.ExecutionTimestamp, Date(e.TradeDate), Date(e.SettlementDate), Number(e.Gross),
                Number(e.Commission), Number(e.Fees), Number(e.AccruedInterest), Number(e.Net));
        }
    }

    // Folds one trade version into its trade and, when its book is one of the day's, into the book's volumes and transaction
    // report; returns that book for the caller to write the version's blotter row (null: not one of the day's books).
    private BookOutput? OnTradeVersion(in TradeTerms e, ReadOnlySpan<char> tradeId)
    {
        var trade = Trade(tradeId);
        if (e.Version >= trade.Version)
        {
            trade.Version = e.Version;
            trade.Book = Intern(e.BookId);
            trade.Account = Intern(e.Account);
            trade.Isin = Intern(e.Isin);
            trade.Mic = Intern(e.Mic);
            trade.Currency = Intern(e.Currency);
            trade.AssetClass = Intern(e.AssetClass);
            trade.Side = Intern(e.Side);
            trade.Price = e.PriceType == "percentOfPar" ? e.Price / 100m : e.Price;
            trade.Quantity = e.Quantity;
            trade.SignedQuantity = e.IsCancellation ? 0m : e.Side == "sell" ? -e.Quantity : e.Quantity;
            trade.SettlementDate = e.SettlementDate;
        }

        if (e.EventType == "TradeCaptured")
        {
            trade.CapturedToday = true;
        }

        if (!_books.TryGetValue(e.BookId, out var book))
        {
            return null;
        }

        if (e.EventType == "TradeCaptured")
        {
            book.VolumesByMarket[e.Mic] = book.VolumesByMarket.GetValueOrDefault(e.Mic) + 1;
        }

        if (ReportableVenues.Contains(e.Mic) || (e.Mic == "XOFF" && e.Currency is "EUR" or "GBP"))
        {
            // RTS 22 corrections are a cancellation of the transaction reference followed by a new report under it.
            var id = tradeId.ToString();
            if (e.EventType != "TradeCaptured")
            {
                book.Transactions!.Write(Transaction(e, id, "CANC"));
            }

            if (!e.IsCancellation)
            {
                book.Transactions!.Write(Transaction(e, id, "NEWT"));
            }
        }

        return book;
    }

    internal void OnAffirmation(TradeAffirmedFact e)
    {
        var trade = Trade(e.TradeId, e.BookId);
        trade.Affirmed = true;
    }

    internal void OnMismatch(TradeMismatchedFact e)
    {
        var trade = Trade(e.TradeId, e.BookId);
        trade.Mismatched = true;
        // Several mismatches of one trade: keep the one of the highest version, then the smallest text, whatever the order.
        if (trade.MismatchVersion < e.Version || (trade.MismatchVersion == e.Version && string.CompareOrdinal(e.Discrepancies, trade.MismatchDetail) < 0))
        {
            trade.MismatchVersion = e.Version;
            trade.MismatchDetail = e.Discrepancies;
        }
    }

    internal void OnUnaffirmedAtCutoff(UnaffirmedAtCutoffFact e)
    {
        var trade = Trade(e.TradeId, e.BookId);
        trade.UnaffirmedAtCutoff = true;
        if (e.Cutoff is not null && string.CompareOrdinal(e.Cutoff, trade.Cutoff) > 0)
        {
            trade.Cutoff = e.Cutoff;
        }
    }

    internal void OnSettlementStatus(SettlementStatusFact e)
    {
        var trade = Trade(e.TradeId, e.BookId);
        if (e.IntendedSettlementDate is { } intended && (trade.IntendedSettlementDate is null || intended < trade.IntendedSettlementDate))
        {
            trade.IntendedSettlementDate = intended;
        }
        if (e.Progress > trade.Progress || (e.Progress == trade.Progress && string.CompareOrdinal(e.ReasonCode, trade.ReasonCode) > 0))
        {
            trade.Progress = e.Progress;
            trade.ReasonCode = e.ReasonCode;
        }

        if (e.Progress == SettlementProgress.Failed)
        {
            // The largest failed quantity and the first party by name: the same answer whatever order the fails came in.
            if (e.FailedQuantity is { } q && (trade.FailedQuantity is null || q > trade.FailedQuantity))
            {
                trade.FailedQuantity = q;
            }

            if (e.FailingParty is not null && (trade.FailingParty is null || string.CompareOrdinal(e.FailingParty, trade.FailingParty) < 0))
            {
                trade.FailingParty = e.FailingParty;
            }
        }
    }

    internal void OnSettled(SettledFact e)
    {
        var trade = Trade(e.TradeId, e.BookId);
        var progress = e.Partial ? SettlementProgress.PartiallySettled : SettlementProgress.Settled;
        if (progress > trade.Progress)
        {
            trade.Progress = progress;
            trade.ReasonCode = null;
        }

        trade.SettledQuantity += e.Quantity;
        trade.SettledCash += e.Cash ?? 0m;
    }

    internal void OnAlert(AlertFact e)
    {
        _alerts.Add(e);
        if (e.TradeId is not null)
        {
            Trade(e.TradeId, e.BookId);
        }
    }

    // The trade of an id read into a batch's characters: a string is made only for a trade not seen before.
    private TradeFacts Trade(ReadOnlySpan<char> tradeId)
    {
        var lookup = _trades.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(tradeId, out var trade))
        {
            trade = new TradeFacts();
            _trades[tradeId.ToString()] = trade;
        }

        return trade;
    }

    private TradeFacts Trade(string tradeId, string? book = null)
    {
        if (!_trades.TryGetValue(tradeId, out var trade))
        {
            trade = new TradeFacts();
            _trades[tradeId] = trade;
        }

        if (book is not null)
        {
            trade.Book ??= Intern(book);
        }

        return trade;
    }

    private string Intern(string value)
    {
        if (_strings.TryGetValue(value, out var interned))
        {
            return interned;
        }

        _strings[value] = value;
        return value;
    }

    private TransactionReportRecord Transaction(in TradeTerms e, string tradeId, string status)
    {
        var buy = e.Side == "buy";
        return new TransactionReportRecord(
            status, tradeId, null, _parameters.FirmLei, buy ? _parameters.FirmLei : e.CounterpartyLei, buy ? e.CounterpartyLei : _parameters.FirmLei,
            e.ExecutedAt,
            TradingCapacity.Deal, e.Quantity, e.AssetClass != "Equity", e.Price, e.PriceType == "percentOfPar", e.Currency, e.Net, e.Mic, e.Isin);
    }

    private (int Before, int After, int Mismatched, int Unaffirmed) WriteConfirmationExceptions(BookOutput book, List<KeyValuePair<string, TradeFacts>> trades)
    {
        int before = 0, after = 0, mismatched = 0, unaffirmed = 0;
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.ConfirmationExceptions));
        Csv.WriteRow(writer, "tradeId", "exception", "version", "detail");
        foreach (var (tradeId, t) in trades)
        {
            if (t.Affirmed)
            {
                if (t.UnaffirmedAtCutoff)
                {
                    after++;
                    Csv.WriteRow(writer, tradeId, "AffirmedAfterCutoff", Number(t.Version), t.Cutoff is null ? "affirmed after the cut-off" : $"cut-off {t.Cutoff}");
                    book.Exceptions.Add(new ExceptionItem("AffirmedAfterCutoff", tradeId, "affirmed after the cut-off", 0));
                }
                else
                {
                    before++;
                }
            }
            else if (t.Mismatched)
            {
                mismatched++;
                Csv.WriteRow(writer, tradeId, "Mismatched", Number(t.MismatchVersion), t.MismatchDetail);
                book.Exceptions.Add(new ExceptionItem("Mismatched", tradeId, t.MismatchDetail ?? string.Empty, 0));
                if (t.UnaffirmedAtCutoff)
                {
                    // Listed, but counted once on the dashboard: as mismatched.
                    Csv.WriteRow(writer, tradeId, "UnaffirmedAtCutoff", Number(t.Version), t.Cutoff is null ? "unaffirmed at the cut-off" : $"cut-off {t.Cutoff}");
                }
            }
            else if (t.UnaffirmedAtCutoff)
            {
                unaffirmed++;
                Csv.WriteRow(writer, tradeId, "UnaffirmedAtCutoff", Number(t.Version), t.Cutoff is null ? "unaffirmed at the cut-off" : $"cut-off {t.Cutoff}");
                book.Exceptions.Add(new ExceptionItem("UnaffirmedAtCutoff", tradeId, "no affirmation by the cut-off", 0));
            }
        }

        return (before, after, mismatched, unaffirmed);
    }

    private (SortedDictionary<AgeBucket, int> ByAge, decimal Penalties) WriteSettlementStatus(BookOutput book, List<KeyValuePair<string, TradeFacts>> trades)
    {
        var byAge = new SortedDictionary<AgeBucket, int>();
        var penalties = 0m;
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.SettlementStatus));
        Csv.WriteRow(writer, "tradeId", "status", "reasonCode", "intendedSettlementDate", "settledQuantity", "settledCash", "daysFailing", "ageBucket",
            "failedQuantity", "csdrPenalty", "currency", "penaltyNote");
        foreach (var (tradeId, t) in trades)
        {
            if (t.Progress == SettlementProgress.None)
            {
                continue;
            }

            var intended = t.IntendedSettlementDate ?? t.SettlementDate;
            var open = t.Progress is SettlementProgress.Instructed or SettlementProgress.Unmatched or SettlementProgress.Matched or SettlementProgress.Failed
                or SettlementProgress.PartiallySettled;
            var days = open && intended is { } d ? FailsAgeing.DaysFailing(d, _parameters.BusinessDate, IsWeekday) : 0;
            var bucket = FailsAgeing.Bucket(days);
            string? penaltyText = null, note = null, failedText = null;
            if (days > 0)
            {
                byAge[bucket] = byAge.GetValueOrDefault(bucket) + 1;
                var failed = t.FailedQuantity ?? (t.Quantity is { } q ? q - t.SettledQuantity : null);
                failedText = failed is null ? null : Number(failed.Value);
                (penaltyText, note) = Penalty(t, intended!.Value, failed);
                if (penaltyText is not null)
                {
                    penalties += decimal.Parse(penaltyText, CultureInfo.InvariantCulture);
                }

                book.Exceptions.Add(new ExceptionItem("SettlementFail", tradeId, t.ReasonCode ?? t.Progress.ToString(), days));
            }

            Csv.WriteRow(writer, tradeId, t.Progress.ToString(), t.ReasonCode, intended is { } i ? Date(i) : null, Number(t.SettledQuantity), Number(t.SettledCash),
                Number(days), FailsAgeing.Label(bucket), failedText, penaltyText, t.Currency, note);
        }

        return (byAge, penalties);
    }

    private (string? Penalty, string? Note) Penalty(TradeFacts t, DateOnly intended, decimal? failed)
    {
        if (t.Mic is null || t.Price is null || failed is null || t.AssetClass is null)
        {
            return (null, "the trade's terms are not in the day's records");
        }

        if (!CsdrVenues.Contains(t.Mic) && !(t.Mic == "XOFF" && t.Currency == "EUR"))
        {
            return (null, "outside the CSDR regime");
        }

        var party = t.FailingParty switch
        {
            "us" or "Us" => FailingParty.Us,
            "counterparty" or "Counterparty" => FailingParty.Counterparty,
            _ => t.ReasonCode is "LACK" ? (t.Side == "sell" ? FailingParty.Us : FailingParty.Counterparty) : (FailingParty?)null,
        };
        if (party is null)
        {
            return (null, "failing party not stated");
        }

        var category = t.AssetClass switch
        {
            "Equity" => CsdrCategory.LiquidShares,
            "GovernmentBond" => CsdrCategory.SovereignDebt,
            "CorporateBond" => CsdrCategory.OtherDebt,
            _ => CsdrCategory.Other,
        };
        var price = t.Price.Value;
        var daily = CsdrPenalties.ForSecuritiesFail(intended, _parameters.BusinessDate, Math.Abs(failed.Value), _ => price, category, party.Value,
            CsdrPenaltyRates.Regulation2017389, IsWeekday);
        return (Number(daily.Sum(p => p.Amount)), "reference price: the trade price");
    }

    private void WritePositionsAndCash(BookOutput book)
    {
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.PositionsAndCash));
        Csv.WriteRow(writer, "type", "owner", "asset", "pending", "settled", "total");
        var rows = new SortedDictionary<(string Type, string Owner, string Asset), (decimal Pending, decimal Settled)>();
        foreach (var (account, balance) in book.Balances)
        {
            var (type, pending) = account.Kind switch
            {
                AccountKind.PositionPending => ("position", true),
                AccountKind.PositionSettled => ("position", false),
                AccountKind.CashPending => ("cash", true),
                AccountKind.CashSettled => ("cash", false),
                _ => (null, false),
            };
            if (type is null)
            {
                continue;
            }

            var key = (type, account.Owner, account.Asset);
            var (p, s) = rows.GetValueOrDefault(key);
            rows[key] = pending ? (p + balance, s) : (p, s + balance);
        }

        foreach (var ((type, owner, asset), (pending, settled)) in rows)
        {
            Csv.WriteRow(writer, type, owner, asset, Number(pending), Number(settled), Number(pending + settled));
        }
    }

    private bool WriteTrialBalance(BookOutput book, List<KeyValuePair<string, TradeFacts>> trades)
    {
        using (var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.TrialBalance)))
        {
            Csv.WriteRow(writer, "account", "kind", "owner", "asset", "balance");
            foreach (var (account, balance) in book.Balances.Where(b => b.Value != 0m).OrderBy(b => b.Key))
            {
                Csv.WriteRow(writer, account.ToString(), account.Kind.ToString(), account.Owner, account.Asset, Number(balance));
            }
        }

        using var proof = _sink.Create(ReportFiles.For(book.Id, ReportFiles.TrialBalanceProof));
        Csv.WriteRow(proof, "check", "subject", "value", "holds");
        Csv.WriteRow(proof, "journal entries read", book.Id, Number(book.Entries), "true");
        Csv.WriteRow(proof, "postings read", book.Id, Number(book.Postings), "true");
        Csv.WriteRow(proof, "entries balanced per asset", book.Id, Number(book.Entries - book.Unbalanced.Count), Bool(book.Unbalanced.Count == 0));
        foreach (var journalId in book.Unbalanced.Order(StringComparer.Ordinal))
        {
            Csv.WriteRow(proof, "entry does not balance", journalId, string.Empty, "false");
        }

        var holds = book.Unbalanced.Count == 0;
        foreach (var (asset, (debits, credits)) in book.ByAsset.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            Csv.WriteRow(proof, "debits equal credits", asset, $"{Number(debits)} = {Number(credits)}", Bool(debits == credits));
            holds &= debits == credits;
        }

        // Positions equal the sum of fills, per trade first captured today: the ledger's position movement of the trade
        // (pending and settled claims together) equals the signed quantity of its latest version (zero once cancelled).
        var checkedTrades = 0;
        var fillsHold = true;
        foreach (var (tradeId, t) in trades)
        {
            if (!t.CapturedToday)
            {
                continue;
            }

            checkedTrades++;
            if (t.LedgerQuantity != t.SignedQuantity)
            {
                fillsHold = false;
                Csv.WriteRow(proof, "position differs from fills", tradeId, $"ledger {Number(t.LedgerQuantity)}, fills {Number(t.SignedQuantity)}", "false");
            }
        }

        Csv.WriteRow(proof, "positions equal the sum of fills", book.Id, $"{Number(checkedTrades)} trades captured today", Bool(fillsHold));
        holds &= fillsHold;
        Csv.WriteRow(proof, "trial balance holds", book.Id, string.Empty, Bool(holds));
        if (!holds)
        {
            book.Exceptions.Add(new ExceptionItem("TrialBalance", book.Id, "an invariant does not hold: see trial-balance-proof.csv", 0));
        }

        return holds;
    }

    private void WriteAlerts(BookOutput book)
    {
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.ComplianceAlerts));
        Csv.WriteRow(writer, "alertId", "rule", "severity", "tradeId", "description");
        foreach (var alert in _alerts.Where(a => BookOfAlert(a) is null || BookOfAlert(a) == book.Id)
                     .OrderBy(a => a.AlertId, StringComparer.Ordinal).ThenBy(a => a.Rule, StringComparer.Ordinal).ThenBy(a => a.Description, StringComparer.Ordinal))
        {
            Csv.WriteRow(writer, alert.AlertId, alert.Rule, alert.Severity, alert.TradeId, alert.Description);
            book.Exceptions.Add(new ExceptionItem("Alert:" + alert.Rule, alert.TradeId ?? alert.AlertId, alert.Description, 0));
        }
    }

    // The book's positions are its position accounts (pending and settled claims) netted per account and instrument.
    private DashboardRisk WriteRisk(BookOutput book)
    {
        var positions = new Dictionary<(string Account, string Isin), decimal>();
        foreach (var (account, balance) in book.Balances)
        {
            if (account.Kind is AccountKind.PositionPending or AccountKind.PositionSettled)
            {
                var key = (account.Owner, account.Asset);
                positions[key] = positions.GetValueOrDefault(key) + balance;
            }
        }

        return _risk.Write(_sink, book.Id, positions.Select(p => new PositionHolding(book.Id, p.Key.Account, p.Key.Isin, p.Value)));
    }

    private string? BookOfAlert(AlertFact alert) =>
        alert.BookId ?? (alert.TradeId is not null && _trades.TryGetValue(alert.TradeId, out var trade) ? trade.Book : null);

    private List<ChartPoint> WriteOmsOutcomes(BookOutput book)
    {
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.OmsOutcomes));
        Csv.WriteRow(writer, "section", "key", "tradeId", "outcome", "reasonCode", "message");
        var answered = _omsOutcomes.Values.Sum();
        Csv.WriteRow(writer, "identity", "inbound OMS messages", null, Number(_omsInbound), null, null);
        foreach (var (outcome, count) in _omsOutcomes)
        {
            Csv.WriteRow(writer, "outcome", outcome, null, Number(count), null, null);
        }

        Csv.WriteRow(writer, "identity", "published = accepted + duplicate + stale + rejected + dead-lettered", null,
            $"{Number(_omsInbound)} = {Number(answered)}", Bool(_omsInbound == answered), null);
        foreach (var row in _omsExceptions.OrderBy(r => r[0], StringComparer.Ordinal))
        {
            Csv.WriteRow(writer, "exception", row[0], row[1], row[2], row[3], row[4]);
        }

        return [.. _omsOutcomes.Select(o => new ChartPoint(o.Key, o.Value))];
    }

    private void WriteNotUnderstood(BookOutput book)
    {
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.RecordsNotUnderstood));
        Csv.WriteRow(writer, "subject", "reason");
        foreach (var (subject, reason) in _notUnderstood)
        {
            Csv.WriteRow(writer, subject, reason);
        }

        // Events about trades whose book no record of the day names cannot be reported under any book.
        foreach (var (tradeId, _) in _trades.Where(t => t.Value.Book is null).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Csv.WriteRow(writer, "trade " + tradeId, "events for a trade whose book no record of the day names");
        }

        var count = _notUnderstood.Count;
        if (count > 0)
        {
            book.Exceptions.Add(new ExceptionItem("RecordsNotUnderstood", book.Id, $"{Number(count)} records not understood: see records-not-understood.csv", 0));
        }
    }

    private void WriteDashboard(
        BookOutput book,
        List<ChartPoint> outcomes,
        (int Before, int After, int Mismatched, int Unaffirmed) confirmation,
        (SortedDictionary<AgeBucket, int> ByAge, decimal Penalties) fails,
        bool balances,
        IReadOnlyList<(string Type, string Age, int Count)> openExceptions,
        DashboardRisk risk)
    {
        var model = new DashboardModel(
            $"{book.Id} operations dashboard",
            _parameters.BusinessDate,
            outcomes,
            [.. book.VolumesByMarket.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new ChartPoint(v.Key, v.Value))],
            confirmation.Before,
            confirmation.After,
            confirmation.Mismatched,
            confirmation.Unaffirmed,
            [.. fails.ByAge.Select(f => new ChartPoint(FailsAgeing.Label(f.Key), f.Value))],
            fails.Penalties,
            balances,
            book.Exceptions,
            risk) { OpenExceptionsByAge = openExceptions };
        using var writer = _sink.Create(ReportFiles.For(book.Id, ReportFiles.Dashboard));
        writer.Write(Dashboard.Render(model));
    }

    // Holiday calendars are reference data, not records: ageing from the records alone counts weekdays.
    private static bool IsWeekday(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    private sealed class BookOutput(string id, TextWriter inputs, TextWriter blotter)
    {
        public string Id { get; } = id;

        public TextWriter Inputs { get; } = inputs;

        public TextWriter Blotter { get; } = blotter;

        public TextWriter? TransactionTextWriter { get; set; }

        public TransactionReportWriter? Transactions { get; set; }

        public SortedDictionary<string, int> VolumesByMarket { get; } = new(StringComparer.Ordinal);

        public Dictionary<LedgerAccount, decimal> Balances { get; } = [];

        public Dictionary<string, (decimal Debits, decimal Credits)> ByAsset { get; } = new(StringComparer.Ordinal);

        public List<string> Unbalanced { get; } = [];

        public List<ExceptionItem> Exceptions { get; } = [];

        public int Entries { get; set; }

        public int Postings { get; set; }
    }

    // Everything the reports need of one trade, kept small: a million-trade day holds a million of these.
    private sealed class TradeFacts
    {
        public string? Book { get; set; }

        public long Version { get; set; } = -1;

        public string? Account { get; set; }

        public string? Isin { get; set; }

        public string? Mic { get; set; }

        public string? Currency { get; set; }

        public string? AssetClass { get; set; }

        public string? Side { get; set; }

        public decimal? Price { get; set; }

        public decimal? Quantity { get; set; }

        public decimal SignedQuantity { get; set; }

        public DateOnly? SettlementDate { get; set; }

        public bool CapturedToday { get; set; }

        public decimal LedgerQuantity { get; set; }

        public bool Affirmed { get; set; }

        public bool Mismatched { get; set; }

        public long MismatchVersion { get; set; } = -1;

        public string? MismatchDetail { get; set; }

        public bool UnaffirmedAtCutoff { get; set; }

        public string? Cutoff { get; set; }

        public SettlementProgress Progress { get; set; }

        public string? ReasonCode { get; set; }

        public DateOnly? IntendedSettlementDate { get; set; }

        public decimal? FailedQuantity { get; set; }

        public string? FailingParty { get; set; }

        public decimal SettledQuantity { get; set; }

        public decimal SettledCash { get; set; }
    }
}
