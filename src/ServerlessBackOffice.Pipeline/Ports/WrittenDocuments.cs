using System.Collections.Concurrent;

namespace ServerlessBackOffice.Pipeline.Ports;

/// <summary>
/// Documents this instance wrote, by key, with the ETag the store returned, and whether their outbox has been published since
/// (decision 0075). Two uses, both proven by the store rather than trusted:
/// <list type="bullet">
/// <item>a <b>guess</b>: the next message of the document may start from it without a point read; only its conditional
/// write (If-Match on the remembered ETag) is trusted, and a 412 means the document moved on — forget it, read, decide again;</item>
/// <item>a <b>published outbox</b>: a document read back (or guessed) with an ETag whose outbox this instance finished
/// publishing is one whose "publish the last change again before deciding" step (decisions 0010, 0060, 0065) can be skipped —
/// every publication of it was acknowledged by Service Bus and every archive record written.</item>
/// </list>
/// A document is remembered right after its write (<see cref="Written"/>), so a reply that overtakes the rest of the
/// publication (a custodian answering the instruction before its events left) can already start from it; it counts as
/// published only after <see cref="Published"/>. Process-local and bounded (cleared when full): losing it costs a read or a
/// repeated publication, never a change.
/// </summary>
public sealed class WrittenDocuments<T>
    where T : class
{
    /// <summary>Documents remembered before the memory starts again.</summary>
    public const int DefaultCapacity = 16_384;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;

    /// <summary>Creates a memory of at most <see cref="DefaultCapacity"/> documents.</summary>
    public WrittenDocuments()
        : this(DefaultCapacity)
    {
    }

    /// <summary>Creates a memory of at most <paramref name="capacity"/> documents.</summary>
    public WrittenDocuments(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>How many documents are remembered.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Remembers a document just written with <paramref name="etag"/> on archive day <paramref name="day"/> (the day its
    /// publications are archived under); its outbox has not been published yet.
    /// </summary>
    public void Written(string key, T document, string etag, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(etag);
        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        _entries[key] = new Entry(document, etag, day, false);
    }

    /// <summary>
    /// Records that the outbox of the document written with <paramref name="etag"/> was published in full, all of it archived
    /// on <paramref name="day"/> (a publication that crossed into another day is not counted: see <see cref="Flushed"/>).
    /// </summary>
    public void Published(string key, string etag, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_entries.TryGetValue(key, out var entry) && entry.ETag == etag && entry.Day == day && !entry.Published)
        {
            _entries.TryUpdate(key, entry with { Published = true }, entry);
        }
    }

    /// <summary>Remembers a document written with <paramref name="etag"/> whose outbox was published in full on <paramref name="day"/>.</summary>
    public void Remember(string key, T document, string etag, DateOnly day)
    {
        Written(key, document, etag, day);
        Published(key, etag, day);
    }

    /// <summary>The document last remembered under <paramref name="key"/>, or null.</summary>
    public T? Guess(string key) => _entries.TryGetValue(key, out var entry) ? entry.Document : null;

    /// <summary>The document last remembered under <paramref name="key"/> with its ETag (for documents that do not carry it).</summary>
    public bool TryGuess(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? document, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? etag)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            (document, etag) = (entry.Document, entry.ETag);
            return true;
        }

        (document, etag) = (null, null);
        return false;
    }

    /// <summary>
    /// True when the document stored with <paramref name="etag"/> is one this instance wrote and finished publishing on
    /// archive day <paramref name="day"/>. Only then may its publication be skipped: published again on the same day it
    /// changes nothing (duplicate detection drops the messages, the write-once archive already holds their records), so the
    /// archive is the same whether or not this memory knew the document; on a later day a repeat adds that day's records,
    /// and it still happens, so the day's archive does not depend on what an instance remembered (decision 0071).
    /// </summary>
    public bool Flushed(string key, string? etag, DateOnly day) =>
        etag is not null && _entries.TryGetValue(key, out var entry) && entry.ETag == etag && entry.Published && entry.Day == day;

    /// <summary>Forgets the document remembered with <paramref name="etag"/> (a write proved it old); a newer one stays.</summary>
    public void Forget(string key, string? etag)
    {
        if (etag is not null && _entries.TryGetValue(key, out var entry) && entry.ETag == etag)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }
    }

    private sealed record Entry(T Document, string ETag, DateOnly Day, bool Published);
}
