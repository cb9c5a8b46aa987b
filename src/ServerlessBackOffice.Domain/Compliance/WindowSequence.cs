using System.Collections;

namespace ServerlessBackOffice.Domain.Compliance;

/// <summary>
/// An immutable list for surveillance windows, in two parts: the items themselves (references), and beside each item what
/// the hot paths compare (hashes, times, quantities: no references). The data part is persistent — successive versions
/// share one append-only buffer, each version a (buffer, start, count) view of it; appending to the newest version of a
/// buffer writes the next entry in place, appending to an older version (a redelivery, a retried write) copies, so every
/// version keeps exactly its own contents, and dropping the oldest entries only moves the start. The items part is an array
/// per version.
/// </summary>
/// <remarks>
/// Why two parts (docs/performance.md): scanning a window compares data read in order from one array instead of following
/// a reference per trade to an object and its strings, which on a large day are rarely in the CPU's caches. And why are the
/// items not shared in place too: a shared buffer lives long, so writing a new trade's reference into it makes an old object
/// point at a young one, which every young-generation collection must then find and scan; with one such buffer per window
/// that cost more than it saved. An array of references per version is small, young and points only at older objects.
/// The data buffer's next entry is claimed with a compare-and-swap, so two threads appending to the same version never
/// share an entry: one appends in place, the other copies.
/// </remarks>
/// <typeparam name="TItem">The items.</typeparam>
/// <typeparam name="TData">What is kept beside each item; no references.</typeparam>
internal sealed class WindowSequence<TItem, TData> : IReadOnlyList<TItem>
    where TData : unmanaged
{
    private readonly DataBuffer _data;
    private readonly int _dataStart;
    private readonly TItem[] _items;
    private readonly int _itemsStart;

    private WindowSequence(DataBuffer data, int dataStart, TItem[] items, int itemsStart, int count)
    {
        _data = data;
        _dataStart = dataStart;
        _items = items;
        _itemsStart = itemsStart;
        Count = count;
    }

    /// <summary>The empty sequence; its buffer has no room, so appending to it always starts a buffer of its own.</summary>
    public static WindowSequence<TItem, TData> Empty { get; } = new(new DataBuffer([]), 0, [], 0, 0);

    public int Count { get; }

    /// <summary>This version's items, in order.</summary>
    public ReadOnlySpan<TItem> Items => new(_items, _itemsStart, Count);

    /// <summary>What is kept beside each item, in the same order, read in place.</summary>
    public ReadOnlySpan<TData> Data => new(_data.Entries, _dataStart, Count);

    public TItem this[int index] => (uint)index < (uint)Count ? _items[_itemsStart + index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// A sequence of these items and data (of equal length), which it takes over: the caller must not change either array.
    /// The data fills its buffer, so the first append copies it (into a buffer with room): a window read from the store is
    /// applied one trade and written back, and is not kept.
    /// </summary>
    public static WindowSequence<TItem, TData> Of(TItem[] items, TData[] data)
    {
        if (items.Length != data.Length)
        {
            throw new ArgumentException("Every item needs its data.", nameof(data));
        }

        if (items.Length == 0)
        {
            return Empty;
        }

        return new WindowSequence<TItem, TData>(new DataBuffer(data) { Used = data.Length }, 0, items, 0, items.Length);
    }

    /// <summary>This sequence with one more item at the end; this version is unchanged.</summary>
    public WindowSequence<TItem, TData> Append(TItem item, in TData data)
    {
        var items = new TItem[Count + 1];
        Items.CopyTo(items);
        items[Count] = item;

        var end = _dataStart + Count;
        if (end < _data.Entries.Length && Interlocked.CompareExchange(ref _data.Used, end + 1, end) == end)
        {
            // This was the newest version of its buffer, and the next entry is now ours alone.
            _data.Entries[end] = data;
            return new WindowSequence<TItem, TData>(_data, _dataStart, items, 0, Count + 1);
        }

        // An older version appended to again, or a full buffer: this version's data in a buffer of its own.
        var buffer = new DataBuffer(new TData[Capacity(Count + 1)]);
        Data.CopyTo(buffer.Entries);
        buffer.Entries[Count] = data;
        buffer.Used = Count + 1;
        return new WindowSequence<TItem, TData>(buffer, 0, items, 0, Count + 1);
    }

    /// <summary>This sequence without its first <paramref name="count"/> items.</summary>
    public WindowSequence<TItem, TData> Skip(int count) =>
        count <= 0 ? this : count >= Count ? Empty : new WindowSequence<TItem, TData>(_data, _dataStart + count, _items, _itemsStart + count, Count - count);

    public IEnumerator<TItem> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _items[_itemsStart + i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

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
