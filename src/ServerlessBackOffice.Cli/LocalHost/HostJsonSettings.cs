using System.Text.Json;
using System.Xml;

namespace ServerlessBackOffice.Cli.LocalHost;

/// <summary>
/// The Service Bus settings of <c>host.json</c> that shape trigger behaviour, read from the same file Azure uses,
/// so the local day run processes messages with the concurrency, prefetch and lock renewal production has.
/// </summary>
internal sealed record HostJsonSettings(int MaxConcurrentCalls, int MaxConcurrentSessions, int PrefetchCount, TimeSpan MaxAutoLockRenewalDuration, bool AutoCompleteMessages)
{
    /// <summary>The Functions host's defaults (16 calls per core is the host's; we state ours explicitly in host.json).</summary>
    public static HostJsonSettings Defaults { get; } = new(16, 8, 0, TimeSpan.FromMinutes(5), true);

    public static HostJsonSettings Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json was not found at {path}; the function app's build copies it next to the app.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("serviceBus", out var serviceBus))
        {
            return Defaults;
        }

        return new HostJsonSettings(
            Int(serviceBus, "maxConcurrentCalls") ?? Defaults.MaxConcurrentCalls,
            Int(serviceBus, "maxConcurrentSessions") ?? Defaults.MaxConcurrentSessions,
            Int(serviceBus, "prefetchCount") ?? Defaults.PrefetchCount,
            serviceBus.TryGetProperty("maxAutoLockRenewalDuration", out var renewal) ? TimeSpan.Parse(renewal.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : Defaults.MaxAutoLockRenewalDuration,
            serviceBus.TryGetProperty("autoCompleteMessages", out var autoComplete) ? autoComplete.GetBoolean() : Defaults.AutoCompleteMessages);
    }

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetInt32() : null;
}
