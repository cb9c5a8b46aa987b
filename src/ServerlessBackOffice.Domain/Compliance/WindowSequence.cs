using System.Collections;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>
/// An immutable list for surveillance windows, in two parts: the items themselves (references), and beside each item what
/// the hot paths compare (hashes, times, quantities: no references). The data part is persistent — successive versions
/// share one append-only buffer, each version a (buffer, start, count) view of it; appending to the newest version of a
/// buffer writes the next entry in place, appending to an older version (a redelivery, a retried write) copies, so every
/// version keeps exactly its own contents, and dropping the oldest entries only moves the start. The items part is made of
/// immutable chunks of eight shared by later versions, and the last few items in an array per version.
/// </summary>
/// <remarks>
/// Why two parts (docs/performance.md): scanning a window compares data read in order from one array instead of following
/// a reference per trade to an object and its strings, which on a large day are rarely in the CPU's caches. And why are the
/// items not shared in place too: a shared buffer lives long, so writing a new trade's reference into it makes an old object
/// point at a young one, which every young-generation collection must then find and scan; with one such buffer per window
/// that cost more than it saved. Immutable chunks and a short array per version are young when made and point only at older
/// objects.
/// The data buffer's next entry is claimed with a compare-and-swap, so two threads appending to the same version never
/// share an entry: one appends in place, the other copies.
/// </remarks>
/// <typeparam name="TItem">The items.</typeparam>
/// <typeparam name="TData">What is kept beside each item; no references.</typeparam>
internal sealed class WindowSequence<TItem, TData> : IReadOnlyList<TItem>
    where TData : unmanaged
{
    // Items are kept in chunks of eight: full chunks are shared by every later version and never change; the items after
    // them (fewer than eight) are an array per version. Appending copies that short array, not the whole list.
    private const int ChunkShift = 3;
    private const int ChunkSize = 1 << ChunkShift;

    private readonly DataBuffer _data;
    private readonly int _dataStart;
    private readonly TItem[][] _chunks;
    private readonly TItem[] _tail;
    private readonly int _itemsStart;

    private WindowSequence(DataBuffer data, int dataStart, TItem[][] chunks, TItem[] tail, int itemsStart, int count)
    {
        _data = data;
        _dataStart = dataStart;
        _chunks = chunks;
        _tail = tail;
        _itemsStart = itemsStart;
        Count = count;
    }

    /// <summary>The empty sequence; its buffer has no room, so appending to it always starts a buffer of its own.</summary>
    public static WindowSequence<TItem, TData> Empty { get; } = new(new DataBuffer([]), 0, [], [], 0, 0);

    public int Count { get; }

    /// <summary>What is kept beside each item, in the same order, read in place.</summary>
    public ReadOnlySpan<TData> Data => new(_data.Entries, _dataStart, Count);

    public TItem this[int index] => (uint)index < (uint)Count ? At(_itemsStart + index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// A sequence of these items and data (of equal length), taking over the data array: the caller must not change it. The
    /// data fills its buffer, so the first append copies it (into a buffer with room): a window read from the store is
    /// applied one trade and written back, and is not kept.
    /// </summary>
    public static WindowSequence<TItem, TData> Of(IReadOnlyList<TItem> items, TData[] data)
    {
        if (items.Count != data.Length)
        {
            throw new ArgumentException("Every item needs its data.", nameof(data));
        }

        if (items.Count == 0)
        {
            return Empty;
        }

        var chunks = new TItem[items.Count >> ChunkShift][];
        for (var c = 0; c < chunks.Length; c++)
        {
            chunks[c] = new TItem[ChunkSize];
            for (var i = 0; i < ChunkSize; i++)
            {
                chunks[c][i] = items[(c << ChunkShift) + i];
            }
        }

        var tail = new TItem[items.Count & (ChunkSize - 1)];
        for (var i = 0; i < tail.Length; i++)
        {
            tail[i] = items[(chunks.Length << ChunkShift) + i];
        }

        return new WindowSequence<TItem, TData>(new DataBuffer(data) { Used = data.Length }, 0, chunks, tail, 0, items.Count);
    }

    /// <summary>This sequence with one more item at the end; this version is unchanged.</summary>
    public WindowSequence<TItem, TData> Append(TItem item, in TData data)
    {
        var (chunks, tail, itemsStart) = WithItem(item);
        var end = _dataStart + Count;
        if (end < _data.Entries.Length && Interlocked.CompareExchange(ref _data.Used, end + 1, end) == end)
        {
            // This was the newest version of its buffer, and the next entry is now ours alone.
            _data.Entries[end] = data;
            return new WindowSequence<TItem, TData>(_data, _dataStart, chunks, tail, itemsStart, Count + 1);
        }

        // An older version appended to again, or a full buffer: this version's data in a buffer of its own.
        var buffer = new DataBuffer(new TData[Capacity(Count + 1)]);
        Data.CopyTo(buffer.Entries);
        buffer.Entries[Count] = data;
        buffer.Used = Count + 1;
        return new WindowSequence<TItem, TData>(buffer, 0, chunks, tail, itemsStart, Count + 1);
    }

    /// <summary>This sequence without its first <paramref name="count"/> items.</summary>
    public WindowSequence<TItem, TData> Skip(int count) =>
        count <= 0 ? this : count >= Count ? Empty : new WindowSequence<TItem, TData>(_data, _dataStart + count, _chunks, _tail, _itemsStart + count, Count - count);

    public IEnumerator<TItem> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return At(_itemsStart + i);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // The item at a position counted from the first chunk (not from this version's first item).
    private TItem At(int position)
    {
        var chunk = position >> ChunkShift;
        return chunk < _chunks.Length ? _chunks[chunk][position & (ChunkSize - 1)] : _tail[position - (_chunks.Length << ChunkShift)];
    }

    // The chunks and tail with one more item. When the tail fills up it becomes a chunk, and chunks wholly before this
    // version's first item are let go (they hold only items folded out of the window).
    private (TItem[][] Chunks, TItem[] Tail, int ItemsStart) WithItem(TItem item)
    {
        var tail = new TItem[_tail.Length + 1];
        _tail.CopyTo(tail, 0);
        tail[^1] = item;
        if (tail.Length < ChunkSize)
        {
            return (_chunks, tail, _itemsStart);
        }

        var dropped = Math.Min(_itemsStart >> ChunkShift, _chunks.Length);
        var chunks = new TItem[_chunks.Length - dropped + 1][];
        Array.Copy(_chunks, dropped, chunks, 0, _chunks.Length - dropped);
        chunks[^1] = tail;
        return (chunks, [], _itemsStart - (dropped << ChunkShift));
    }

    // Twice what is needed, so that a window growing one trade at a time copies its data a logarithmic number of times.
    private static int Capacity(int needed) => Math.Max(4, needed <= int.MaxValue / 2 ? needed * 2 : needed);

    private sealed class DataBuffer(TData[] entries)
    {
        public readonly TData[] Entries = entries;

        // Entries [0, Used) are written and belong to some version; the next append in place claims Used.
        public int Used;
    }
}

/// <summary>
/// What a window compares on every trade, kept beside the trade: the hashes of its trade id and account, its execution time
/// and signed quantity, and how far back the previous trade of the same account is.
/// </summary>
/// <param name="AccountHash">The ordinal hash of the account.</param>
/// <param name="TradeIdHash">The ordinal hash of the trade id.</param>
/// <param name="PreviousSameAccount">
/// How many entries back the latest earlier trade with an equal account is (0: none among the entries of the version that
/// appended this one). The chain lets <see cref="SurveillanceWindow.Position"/> compare an account's characters once, not
/// once per trade. Distances survive copying a range; one pointing before a version's first entry is read as none.
/// </param>
/// <param name="ExecutedAtUtcTicks">The execution time, as UTC ticks (the order DateTimeOffset compares in).</param>
/// <param name="SignedQuantity">The trade's contribution to its account's position.</param>
internal readonly record struct TradeData(int AccountHash, int TradeIdHash, int PreviousSameAccount, long ExecutedAtUtcTicks, decimal SignedQuantity)
{
    /// <summary>The ordinal hash of a string (of this process only: hashes are never stored), 0 for null.</summary>
    public static int HashOf(string? text) => text is null ? 0 : StringComparer.Ordinal.GetHashCode(text);
}
