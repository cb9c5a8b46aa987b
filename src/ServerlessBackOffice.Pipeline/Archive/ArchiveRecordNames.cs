using System.Globalization;

namespace ServerlessBackOffice.Pipeline.Archive;

/// <summary>
/// The archive's day and record names: one convention for every stage, so the day's reports can be recomputed from the
/// records alone (<c>backoffice replay</c>) and an auditor finds a message by where it came from. docs/archive.md lists them.
/// </summary>
public static class ArchiveRecordNames
{
    /// <summary>The time zone whose calendar date is an archived record's day: the firm's home, where the last book closes.</summary>
    public const string ArchiveTimeZoneId = "America/New_York";

    private static readonly TimeZoneInfo ArchiveZone = TimeZoneInfo.FindSystemTimeZoneById(ArchiveTimeZoneId);

    /// <summary>The archive day of an instant: its calendar date in New York.</summary>
    public static DateOnly DayOf(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, ArchiveZone).DateTime);

    /// <summary>An inbound message as received on a queue or subscription: <c>inbound/&lt;entity&gt;/&lt;message id&gt;.json</c>.</summary>
    public static string Inbound(string entity, string messageId) => $"inbound/{Safe(entity)}/{Safe(messageId)}.json";

    /// <summary>A message we published: <c>outbound/&lt;queue or topic&gt;/&lt;message id&gt;.json</c> (an envelope with the body).</summary>
    public static string Outbound(string destination, string messageId) => $"outbound/{Safe(destination)}/{Safe(messageId)}.json";

    /// <summary>A posted ledger journal entry: <c>ledger/&lt;book&gt;/&lt;journal id&gt;.json</c>.</summary>
    public static string JournalEntry(string book, string journalId) => $"ledger/{Safe(book)}/{Safe(journalId)}.json";

    /// <summary>A stage's state change or rendering: <c>state/&lt;stage&gt;/&lt;key&gt;</c> with the key's own extension.</summary>
    public static string State(string stage, string key) => $"state/{Safe(stage)}/{SafePath(key)}";

    /// <summary>A generated report of a day: <c>reports/&lt;file&gt;</c>.</summary>
    public static string Report(string fileName) => $"reports/{Safe(fileName)}";

    /// <summary>
    /// Makes an id safe as one path segment: anything but letters, digits and <c>-_.:@</c> becomes <c>%XX</c>, so distinct
    /// ids stay distinct names and no id can climb out of its folder.
    /// </summary>
    public static string Safe(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        if (segment is "." or "..")
        {
            return segment.Replace(".", "%2E", StringComparison.Ordinal);
        }

        var builder = new System.Text.StringBuilder(segment.Length);
        foreach (var c in segment)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@')
            {
                builder.Append(c);
            }
            else
            {
                foreach (var b in System.Text.Encoding.UTF8.GetBytes(c.ToString()))
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }

        return builder.ToString();
    }

    private static string SafePath(string key) => string.Join('/', key.Split('/').Select(Safe));
}
