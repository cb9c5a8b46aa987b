using System.Collections.Concurrent;

namespace ServerlessBackOffice.Pipeline.Compliance;

/// <summary>
/// The window documents this instance wrote last, with their ETags, so that the next trade of a window can skip the point
/// read: the conditional write that follows proves the guess (a 412 or 409 means someone else wrote, and the window is read
/// again). A window this instance has not written is guessed absent and created, which fails on an existing window the same
/// way. Nothing is decided from a remembered document except a write; bounded, and cleared when full.
/// </summary>
internal sealed class WindowMemory(int capacity = WindowMemory.DefaultCapacity)
{
    /// <summary>Windows remembered before the memory starts again (a day's windows are owners × instruments traded).</summary>
    public const int DefaultCapacity = 16_384;

    private readonly ConcurrentDictionary<(string Owner, string Isin), LoadedComplianceWindow> _windows = new();

    /// <summary>What the next attempt on a window may start from without reading: the document this instance wrote last, or
    /// an empty one to create.</summary>
    public LoadedComplianceWindow Guess(string beneficialOwner, string isin) =>
        _windows.TryGetValue((beneficialOwner, isin), out var known) ? known : new LoadedComplianceWindow(ComplianceWindowDocument.Empty(beneficialOwner, isin), null);

    /// <summary>Remembers a window as written with its new ETag.</summary>
    public void Remember(ComplianceWindowDocument document, string etag)
    {
        if (_windows.Count >= capacity)
        {
            _windows.Clear();
        }

        _windows[(document.Window.BeneficialOwner, document.Window.Isin)] = new LoadedComplianceWindow(document, etag);
    }

    /// <summary>Forgets a guess that a write proved wrong (unless a newer write already replaced it).</summary>
    public void Forget(LoadedComplianceWindow guess)
    {
        var key = (guess.Document.Window.BeneficialOwner, guess.Document.Window.Isin);
        _windows.TryRemove(new KeyValuePair<(string, string), LoadedComplianceWindow>(key, guess));
    }
}
