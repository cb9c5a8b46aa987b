using System.Globalization;

namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>
/// Writes journal entries as a plain-text accounting journal that hledger and Ledger read, so an auditor can
/// recompute every balance with a tool we did not write. Each asset is a commodity (ISINs quoted, as hledger requires
/// for symbols with digits); each entry's id, kind and references travel as tags.
/// </summary>
public static class HledgerJournal
{
    /// <summary>Writes the entries in the order given.</summary>
    public static void Write(TextWriter writer, IEnumerable<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(entries);
        writer.Write("; ServerlessBackOffice ledger export. Claims are positive, locations negative; every entry nets to zero per commodity.\n\n");
        foreach (var entry in entries)
        {
            writer.Write(entry.ValueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.Write(" * ");
            writer.Write(Sanitize(entry.Description));
            writer.Write("  ; journal:");
            writer.Write(entry.JournalId);
            writer.Write(", kind:");
            writer.Write(entry.Kind.ToString());
            writer.Write(", trade:");
            writer.Write(entry.TradeId);
            if (entry.Reverses is not null)
            {
                writer.Write(", reverses:");
                writer.Write(entry.Reverses);
            }

            if (entry.OriginalValueDate is { } original)
            {
                writer.Write(", original-value-date:");
                writer.Write(original.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
            foreach (var line in entry.Lines)
            {
                writer.Write("    ");
                writer.Write(line.Account.ToString());
                writer.Write("  ");
                writer.Write(line.Amount.ToString(CultureInfo.InvariantCulture));
                writer.Write(" \"");
                writer.Write(line.Asset);
                writer.Write("\"\n");
            }

            writer.Write('\n');
        }
    }

    // Descriptions are ours, but a ';' would start a comment and a newline would end the transaction.
    private static string Sanitize(string text) => text.Replace(';', ',').Replace('\n', ' ').Replace('\r', ' ');
}
