using System.Text;

namespace ServerlessBackOffice.Pipeline.Tests.HostileInput;

/// <summary>
/// One message of the hostile-input corpus (docs/contracts/hostile/&lt;contract&gt;/&lt;expected&gt;--&lt;what&gt;.json). The part of the
/// file name before <c>--</c> is what the message must end as: an outcome word (accepted, duplicate, affirmed, held, applied,
/// ignored) or the reason code of its rejection or dead-letter. The file name is also the Service Bus message id it is sent under,
/// except for a name with <c>--reuses--&lt;other name&gt;</c>: that message is sent under the other file's id, after every message
/// without such a name (an OMS that reuses a message id for another body, decision 0067).
/// </summary>
/// <param name="Name">The file name without its extension.</param>
/// <param name="Expected">The expected outcome word or reason code.</param>
/// <param name="Body">The bytes exactly as stored.</param>
internal sealed record HostileMessage(string Name, string Expected, byte[] Body)
{
    /// <summary>The body with <c>{{INSTRUCTION}}</c> replaced (custodian statuses name an instruction only known at run time).</summary>
    public byte[] With(string placeholder, string value) =>
        Encoding.UTF8.GetString(Body).Contains(placeholder, StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace(placeholder, value, StringComparison.Ordinal))
            : Body;

    /// <summary>What marks a file sent under another file's message id.</summary>
    public const string ReusesMarker = "--reuses--";

    /// <summary>The Service Bus message id it is sent under.</summary>
    public string MessageId => Name.IndexOf(ReusesMarker, StringComparison.Ordinal) is var at and >= 0 ? Name[(at + ReusesMarker.Length)..] : Name;

    /// <summary>True when it reuses another file's message id.</summary>
    public bool ReusesAnId => MessageId != Name;

    public override string ToString() => Name;
}

internal static class HostileCorpus
{
    /// <summary>The placeholder custodian-status files use for the id of the instruction the test issues first.</summary>
    public const string InstructionPlaceholder = "{{INSTRUCTION}}";

    /// <summary>
    /// Every message of one contract's corpus. Those whose expected word is <paramref name="setupWord"/> come first (they set up
    /// the state the others are judged against), then the rest in ordinal order of their names, and last those that reuse
    /// another message's id (the id must have been used first).
    /// </summary>
    public static IReadOnlyList<HostileMessage> Load(string contract, string setupWord)
    {
        var folder = RepositoryRoot.Combine("docs", "contracts", "hostile", contract);
        var messages = Directory.EnumerateFiles(folder, "*.json")
            .Select(path =>
            {
                var name = Path.GetFileNameWithoutExtension(path);
                var separator = name.IndexOf("--", StringComparison.Ordinal);
                if (separator <= 0)
                {
                    throw new InvalidOperationException($"{path}: a corpus file is named <expected>--<what>.json.");
                }

                return new HostileMessage(name, name[..separator], File.ReadAllBytes(path));
            })
            .OrderBy(m => m.Expected == setupWord ? 0 : m.ReusesAnId ? 2 : 1)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
        return messages.Count > 0 ? messages : throw new InvalidOperationException($"The corpus {folder} is empty.");
    }
}
