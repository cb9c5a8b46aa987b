using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Unicode;
using ServerlessBackOffice.Domain.Archive;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Risk;

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// How the builder keeps up with a million-trade day: records are copied into batches as they are added; each full batch is
/// decoded on the thread pool (SHA-256, the inputs row, and a <see cref="System.Text.Json.Utf8JsonReader"/> pass over the
/// journal entries, trade events and OMS replies, rendering the blotter row), several batches at once; the decoded batches
/// are then folded into the day strictly one after another, in the order the records were added. Decoding is pure — it reads
/// nothing the fold writes — so the files are the same bytes whatever the number of threads; a record the fast readers do
/// not accept exactly as the reference readers would is folded by the reference readers, from its bytes.
/// </summary>
public sealed partial class DayReportBuilder
{
    // A batch is a hundred-odd records (or a megabyte): few records in flight means few decoded objects alive when a
    // collection runs (2,048-record batches cost a third more CPU in garbage collection at 400,000 trades); a few batches in
    // flight keep both cores busy.
    private const int DefaultBatchRecords = 128;
    private const int BatchBytes = 1 << 20;
    private const int MaxBatchesInFlight = 4;

    private readonly Queue<Task> _inFlight = new();

    // Batches are reused, not reallocated: a million-trade day is two thousand batches of a few megabytes each.
    private readonly System.Collections.Concurrent.ConcurrentQueue<RecordBatch> _freeBatches = new();
    private Task _foldTail = Task.CompletedTask;
    private RecordBatch? _batch;
    private string? _lastFolder;

    /// <summary>
    /// Records per batch. A day smaller than one batch is decoded and folded on the caller's thread at <see cref="Complete"/>;
    /// tests set it low to run the threaded path on small days.
    /// </summary>
    internal int BatchRecords { get; init; } = DefaultBatchRecords;

    /// <summary>False reads every record with the reference readers: tests compare the two paths' files byte for byte.</summary>
    internal bool UseFastReaders { get; init; } = true;

    private enum RecordKind
    {
        TradeEvent,
        JournalEntry,
        OmsReply,
        Risk,
        Evidence,
        Unknown,
    }

    private void Enqueue(string name, ReadOnlySpan<byte> content, byte[]? sha256)
    {
        ThrowIfFoldFailed();
        var extra = sha256?.Length ?? 0;
        if (_batch is { } current && (current.Count == BatchRecords || (current.Count > 0 && current.Used + content.Length + extra > current.Bytes.Length)))
        {
            Submit(current);
            _batch = null;
        }

        if (_batch is null)
        {
            _batch = _freeBatches.TryDequeue(out var free) ? free : new RecordBatch(Math.Max(BatchRecords, 1));
        }

        var batch = _batch;
        batch.EnsureBytes(content.Length + extra);
        ref var item = ref batch.Items[batch.Count++];
        item = default;
        // The name is copied, not referenced: a caller's string would otherwise live until the batch is folded, and be copied
        // by every collection in between (a million-trade day is four million names).
        item.NameStart = batch.Names.Length;
        batch.Names.Append(name.AsSpan());
        item.NameLength = name.Length;
        item.Offset = batch.Used;
        item.Length = content.Length;
        content.CopyTo(batch.Bytes.AsSpan(batch.Used));
        batch.Used += content.Length;
        item.GivenHashLength = -1;
        if (sha256 is not null)
        {
            // The caller may reuse its hash array once Add returns: keep a copy with the content.
            item.GivenHashLength = sha256.Length;
            sha256.CopyTo(batch.Bytes.AsSpan(batch.Used));
            batch.Used += sha256.Length;
        }
    }

    // Decodes the batch on the thread pool, then folds it once every earlier batch is folded.
    private void Submit(RecordBatch batch)
    {
        var decoded = Task.Run(() => Decode(batch));
        var previous = _foldTail;
        _foldTail = Task.WhenAll(previous, decoded).ContinueWith(
            done =>
            {
                done.GetAwaiter().GetResult();
                Fold(batch);
                batch.Clear();
                _freeBatches.Enqueue(batch);
            },
            CancellationToken.None,
            TaskContinuationOptions.DenyChildAttach,
            TaskScheduler.Default);
        _inFlight.Enqueue(_foldTail);
        while (_inFlight.Count > MaxBatchesInFlight)
        {
            _inFlight.Dequeue().GetAwaiter().GetResult();
        }
    }

    private void ThrowIfFoldFailed()
    {
        if (_foldTail.IsFaulted)
        {
            _foldTail.GetAwaiter().GetResult();
        }
    }

    // Every record added so far is folded when this returns: the last, partial batch on the caller's thread.
    private void Drain()
    {
        _foldTail.GetAwaiter().GetResult();
        _inFlight.Clear();
        if (_batch is { } last)
        {
            _batch = null;
            Decode(last);
            Fold(last);
            last.Clear();
            _freeBatches.Enqueue(last);
        }

        while (_freeBatches.TryDequeue(out var free))
        {
            free.Release();
        }
    }

    private RecordKind Classify(ReadOnlySpan<char> name)
    {
        if (name.StartsWith(_tradeEventsPrefix, StringComparison.Ordinal))
        {
            return RecordKind.TradeEvent;
        }

        if (name.StartsWith("ledger/", StringComparison.Ordinal))
        {
            return RecordKind.JournalEntry;
        }

        if (name.StartsWith(_omsRepliesPrefix, StringComparison.Ordinal))
        {
            return RecordKind.OmsReply;
        }

        if (name.StartsWith(RiskMarketData.RecordFolder, StringComparison.Ordinal))
        {
            return RecordKind.Risk;
        }

        return name.StartsWith("outbound/", StringComparison.Ordinal) || name.StartsWith("inbound/", StringComparison.Ordinal) || name.StartsWith("state/", StringComparison.Ordinal)
            ? RecordKind.Evidence
            : RecordKind.Unknown;
    }

    // Pure: reads the batch's bytes and the builder's immutable configuration (books, decoders, folders), writes only the batch.
    private void Decode(RecordBatch batch)
    {
        var text = batch.Text;
        var names = batch.Names.Chars;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        for (var i = 0; i < batch.Count; i++)
        {
            ref var item = ref batch.Items[i];
            var content = batch.Bytes.AsSpan(item.Offset, item.Length);
            var name = names.AsSpan(item.NameStart, item.NameLength);

            // The inputs row: "record,<name>,<size>,<sha256>", as Csv.WriteRow writes it.
            item.InputsStart = text.Length;
            text.Append("record,");
            text.AppendCsvField(name);
            text.Append(',');
            text.Append(item.Length);
            text.Append(',');
            if (item.GivenHashLength >= 0)
            {
                text.AppendHexLower(batch.Bytes.AsSpan(item.Offset + item.Length, item.GivenHashLength));
            }
            else
            {
                Sha256Digest.Hash(content, hash);
                text.AppendHexLower(hash);
            }

            text.Append("\r\n");
            item.InputsLength = text.Length - item.InputsStart;

            item.Kind = Classify(name);
            switch (UseFastReaders ? item.Kind : RecordKind.Unknown)
            {
                case RecordKind.TradeEvent:
                    item.HasTradeEvent = FastRecordReaders.TryReadTradeEvent(content, _decoders, text, out item.TradeEvent);
                    if (item.HasTradeEvent && _books.ContainsKey(item.TradeEvent.Terms.BookId))
                    {
                        item.RowStart = text.Length;
                        AppendBlotterRow(text, item.TradeEvent);
                        item.RowLength = text.Length - item.RowStart;
                    }

                    break;
                case RecordKind.JournalEntry:
                    item.HasJournal = FastRecordReaders.TryReadJournalEntry(content, text, batch.Lines, out item.Journal);
                    break;
                case RecordKind.OmsReply:
                    item.Decoded = FastRecordReaders.TryReadOmsReplyOutcome(content);
                    break;
            }
        }
    }

    // Applies the batch's records to the day, in order; the reference readers take every record the fast ones left undecoded.
    private void Fold(RecordBatch batch)
    {
        var text = batch.Text.Chars;
        var names = batch.Names.Chars;
        for (var i = 0; i < batch.Count; i++)
        {
            ref var item = ref batch.Items[i];
            var name = names.AsSpan(item.NameStart, item.NameLength);
            var inputsRow = text.AsSpan(item.InputsStart, item.InputsLength);
            foreach (var book in _books.Values)
            {
                book.Inputs.Write(inputsRow);
            }

            var content = batch.Bytes.AsSpan(item.Offset, item.Length);
            switch (item.Kind)
            {
                case RecordKind.TradeEvent when item.HasTradeEvent:
                    if (OnTradeVersion(item.TradeEvent.Terms, text.AsSpan(item.TradeEvent.TradeIdStart, item.TradeEvent.TradeIdLength)) is { } book)
                    {
                        book.Blotter.Write(text.AsSpan(item.RowStart, item.RowLength));
                    }

                    break;
                case RecordKind.TradeEvent:
                    ReadEvent(name.ToString(), content);
                    break;
                case RecordKind.JournalEntry when item.HasJournal:
                    FoldJournalEntry(item.Journal, text, CollectionsMarshal.AsSpan(batch.Lines));
                    break;
                case RecordKind.JournalEntry:
                    ReadJournalEntry(name.ToString(), content);
                    break;
                case RecordKind.OmsReply when item.Decoded is string outcome:
                    _omsOutcomes[outcome] = _omsOutcomes.GetValueOrDefault(outcome) + 1;
                    break;
                case RecordKind.OmsReply:
                    ReadOmsReply(name.ToString(), content);
                    break;
                case RecordKind.Risk:
                    var riskName = name.ToString();
                    if (_risk.Read(riskName, content) is { } problem)
                    {
                        _notUnderstood.Add((riskName, problem));
                    }

                    break;
                case RecordKind.Evidence:
                    CountEvidence(name, content);
                    break;
                default:
                    _notUnderstood.Add((name.ToString(), "unknown record folder"));
                    break;
            }
        }
    }

    private void CountEvidence(ReadOnlySpan<char> name, ReadOnlySpan<byte> content)
    {
        if (name.StartsWith(ReconciliationStatePrefix, StringComparison.Ordinal))
        {
            ReadReconciliationRecord(name.ToString(), content);
        }

        // Confirmations, instructions, inbound messages and state renderings are evidence, not report inputs: counted only.
        // Records arrive in name order, so a folder's records are consecutive: its name is allocated once, not per record.
        var first = name.IndexOf('/');
        var second = first < 0 ? -1 : name[(first + 1)..].IndexOf('/');
        var folder = second < 0 ? name : name[..(first + 1 + second)];
        if (_lastFolder is null || !folder.SequenceEqual(_lastFolder))
        {
            _lastFolder = folder.ToString();
        }

        _folderCounts[_lastFolder] = _folderCounts.GetValueOrDefault(_lastFolder) + 1;
        if (name.StartsWith(_omsInboundPrefix, StringComparison.Ordinal))
        {
            _omsInbound++;
        }
    }

    private void FoldJournalEntry(in DecodedJournalEntry entry, char[] text, ReadOnlySpan<DecodedJournalLine> batchLines)
    {
        var trade = Trade(text.AsSpan(entry.TradeIdStart, entry.TradeIdLength));
        var lines = batchLines.Slice(entry.LinesStart, entry.LinesCount);
        foreach (var line in lines)
        {
            if (line.Kind is AccountKind.PositionPending or AccountKind.PositionSettled)
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
            book.Unbalanced.Add(new string(text.AsSpan(entry.JournalIdStart, entry.JournalIdLength)));
        }

        foreach (var line in lines)
        {
            book.Postings++;
            ref var balance = ref CollectionsMarshal.GetValueRefOrAddDefault(book.Balances, new LedgerAccount(line.Book, line.Kind, line.Owner, line.Asset), out _);
            balance += line.Amount;
            ref var byAsset = ref CollectionsMarshal.GetValueRefOrAddDefault(book.ByAsset, line.Asset, out _);
            byAsset = line.Amount >= 0 ? (byAsset.Debits + line.Amount, byAsset.Credits) : (byAsset.Debits, byAsset.Credits - line.Amount);
        }
    }

    // The blotter row exactly as OnTradeEvent writes it with Csv.WriteRow; the ids are already in the text.
    private static void AppendBlotterRow(CharBuffer text, in DecodedTradeEvent decoded)
    {
        var e = decoded.Terms;
        text.AppendCsvFieldAt(decoded.TradeIdStart, decoded.TradeIdLength);
        text.Append(',');
        text.Append(e.Version);
        text.Append(',');
        text.AppendCsvField(e.EventType);
        text.Append(',');
        text.AppendCsvField(e.Status);
        text.Append(',');
        text.AppendCsvField(e.Account);
        text.Append(',');
        text.AppendCsvField(e.Side);
        text.Append(',');
        text.AppendCsvField(e.Isin);
        text.Append(',');
        text.AppendCsvField(e.AssetClass);
        text.Append(',');
        text.AppendCsvField(e.Mic);
        text.Append(',');
        text.Append(e.Quantity);
        text.Append(',');
        text.Append(e.Price);
        text.Append(',');
        text.AppendCsvField(e.PriceType);
        text.Append(',');
        text.AppendCsvField(e.Currency);
        text.Append(',');
        text.AppendCsvField(e.CounterpartyLei);
        text.Append(',');
        text.AppendCsvFieldAt(decoded.ExecutionTimestampStart, decoded.ExecutionTimestampLength);
        text.Append(',');
        text.Append(e.TradeDate);
        text.Append(',');
        text.Append(e.SettlementDate);
        text.Append(',');
        text.Append(e.Gross);
        text.Append(',');
        text.Append(e.Commission);
        text.Append(',');
        text.Append(e.Fees);
        text.Append(',');
        text.Append(e.AccruedInterest);
        text.Append(',');
        text.Append(e.Net);
        text.Append("\r\n");
    }

    private struct BatchItem
    {
        public int NameStart;
        public int NameLength;
        public int Offset;
        public int Length;
        public int GivenHashLength;
        public int InputsStart;
        public int InputsLength;
        public RecordKind Kind;
        public object? Decoded;
        public bool HasTradeEvent;
        public DecodedTradeEvent TradeEvent;
        public bool HasJournal;
        public DecodedJournalEntry Journal;
        public int RowStart;
        public int RowLength;
    }

    private sealed class RecordBatch(int records)
    {
        public BatchItem[] Items { get; } = new BatchItem[records];

        public byte[] Bytes { get; private set; } = ArrayPool<byte>.Shared.Rent(BatchBytes);

        public int Used { get; set; }

        public int Count { get; set; }

        public CharBuffer Text { get; } = new();

        public CharBuffer Names { get; } = new();

        public List<DecodedJournalLine> Lines { get; } = new(1024);

        public void EnsureBytes(int more)
        {
            if (Used + more <= Bytes.Length)
            {
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Used + more);
            Bytes.AsSpan(0, Used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Bytes);
            Bytes = larger;
        }

        // Ready for the next records; the buffers are kept.
        public void Clear()
        {
            Array.Clear(Items, 0, Count);
            Count = 0;
            Used = 0;
            Text.Clear();
            Names.Clear();
            Lines.Clear();
        }

        public void Release()
        {
            ArrayPool<byte>.Shared.Return(Bytes);
            Bytes = [];
            Text.Release();
            Names.Release();
        }
    }
}

/// <summary>A growable run of characters, rented from the pool: the rows a batch renders before they are written.</summary>
internal sealed class CharBuffer
{
    public char[] Chars { get; private set; } = ArrayPool<char>.Shared.Rent(1 << 16);

    public int Length { get; private set; }

    public void Append(char value)
    {
        Ensure(1);
        Chars[Length++] = value;
    }

    public void Append(ReadOnlySpan<char> value)
    {
        Ensure(value.Length);
        value.CopyTo(Chars.AsSpan(Length));
        Length += value.Length;
    }

    public void Append(long value)
    {
        Ensure(20);
        value.TryFormat(Chars.AsSpan(Length), out var written, default, CultureInfo.InvariantCulture);
        Length += written;
    }

    public void Append(decimal value)
    {
        Ensure(32);
        value.TryFormat(Chars.AsSpan(Length), out var written, default, CultureInfo.InvariantCulture);
        Length += written;
    }

    public void Append(DateOnly value)
    {
        Ensure(16);
        value.TryFormat(Chars.AsSpan(Length), out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        Length += written;
    }

    public void AppendHexLower(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length * 2);
        Convert.TryToHexStringLower(bytes, Chars.AsSpan(Length), out var written);
        Length += written;
    }

    /// <summary>One CSV field as <see cref="Csv.WriteRow(TextWriter, string?[])"/> writes it: quoted only when it must be.</summary>
    public void AppendCsvField(string? field) => AppendCsvField((field ?? string.Empty).AsSpan());

    /// <summary>One CSV field, as <see cref="AppendCsvField(string?)"/>.</summary>
    public void AppendCsvField(ReadOnlySpan<char> field)
    {
        if (!field.ContainsAny(Csv.MustQuote))
        {
            Append(field);
            return;
        }

        Append('"');
        Append(field.ToString().Replace("\"", "\"\"", StringComparison.Ordinal).AsSpan());
        Append('"');
    }

    /// <summary>
    /// One CSV field, as <see cref="AppendCsvField(ReadOnlySpan{char})"/>, whose characters are already in this buffer at
    /// <paramref name="start"/>: room for the quoted field is made first, so the characters do not move while they are copied.
    /// </summary>
    public void AppendCsvFieldAt(int start, int length)
    {
        Ensure((2 * length) + 2);
        AppendCsvField(Chars.AsSpan(start, length));
    }

    public void Clear() => Length = 0;

    /// <summary>Drops what was appended after <paramref name="length"/> characters.</summary>
    public void Truncate(int length) => Length = length;

    /// <summary>Appends valid UTF-8 as characters; false (nothing appended) for invalid UTF-8.</summary>
    public bool TryAppendUtf8(ReadOnlySpan<byte> utf8, out int written)
    {
        Ensure(utf8.Length);
        if (Utf8.ToUtf16(utf8, Chars.AsSpan(Length), out _, out written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            written = 0;
            return false;
        }

        Length += written;
        return true;
    }

    public void Release()
    {
        ArrayPool<char>.Shared.Return(Chars);
        Chars = [];
        Length = 0;
    }

    private void Ensure(int more)
    {
        if (Length + more <= Chars.Length)
        {
            return;
        }

        var larger = ArrayPool<char>.Shared.Rent(Math.Max(Chars.Length * 2, Length + more));
        Chars.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(Chars);
        Chars = larger;
    }
}
