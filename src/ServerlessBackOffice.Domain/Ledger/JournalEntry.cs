using System.Diagnostics;

namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>One line of a journal entry: a signed amount of an asset on an account.</summary>
public sealed record JournalLine(LedgerAccount Account, decimal Amount)
{
    /// <summary>The asset the amount is in.</summary>
    public string Asset => Account.Asset;
}

/// <summary>Why an entry was posted.</summary>
public enum EntryKind
{
    /// <summary>A trade on its trade date (trade-date accounting).</summary>
    TradeDate,

    /// <summary>A full or partial settlement.</summary>
    Settlement,

    /// <summary>The exact opposite of an earlier entry, for an amendment or a cancel.</summary>
    Reversal,
}

/// <summary>
/// A balanced journal entry. Its <see cref="JournalId"/> is an idempotency key: posting the same id twice with the same
/// content is a no-op, with different content a refusal. Entries are never edited; corrections are reversals.
/// </summary>
/// <param name="JournalId">Deterministic id, for example <c>T-1:v2:trade-date</c>.</param>
/// <param name="Book">The book posted to; every line's account is in this book.</param>
/// <param name="Kind">Trade date, settlement or reversal.</param>
/// <param name="ValueDate">The business date the entry belongs to.</param>
/// <param name="TradeId">The trade the entry is for.</param>
/// <param name="Description">A human-readable description for the journal export.</param>
/// <param name="Lines">The lines; per asset they sum to zero.</param>
/// <param name="Reverses">For a reversal, the journal id it reverses.</param>
/// <param name="OriginalValueDate">For a correction posted after its day closed, the value date it corrects.</param>
public sealed record JournalEntry(
    string JournalId,
    string Book,
    EntryKind Kind,
    DateOnly ValueDate,
    string TradeId,
    string Description,
    IReadOnlyList<JournalLine> Lines,
    string? Reverses = null,
    DateOnly? OriginalValueDate = null)
{
    /// <summary>Whether the lines sum to zero in every asset.</summary>
    public bool IsBalanced
    {
        get
        {
            // An entry has a handful of assets (an instrument and a currency): a linear scan beats grouping, and this
            // runs on every posting.
            Span<int> seen = stackalloc int[Lines.Count];
            for (var i = 0; i < Lines.Count; i++)
            {
                seen[i] = 0;
            }

            for (var i = 0; i < Lines.Count; i++)
            {
                if (seen[i] != 0)
                {
                    continue;
                }

                var asset = Lines[i].Asset;
                var sum = 0m;
                for (var j = i; j < Lines.Count; j++)
                {
                    if (seen[j] == 0 && string.Equals(Lines[j].Asset, asset, StringComparison.Ordinal))
                    {
                        sum += Lines[j].Amount;
                        seen[j] = 1;
                    }
                }

                if (sum != 0m)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The entry that undoes this one, line by line, on the given value date.</summary>
    public JournalEntry Reversal(DateOnly valueDate, string reason) => new(
        $"{JournalId}:reversal",
        Book,
        EntryKind.Reversal,
        valueDate,
        TradeId,
        $"Reversal of {JournalId}: {reason}",
        Lines.Select(l => l with { Amount = -l.Amount }).ToList(),
        Reverses: JournalId,
        OriginalValueDate: valueDate == ValueDate ? null : ValueDate);

    /// <summary>Whether two entries have the same content (the idempotency comparison).</summary>
    public bool SameContentAs(JournalEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return JournalId == other.JournalId && Book == other.Book && Kind == other.Kind && ValueDate == other.ValueDate
            && TradeId == other.TradeId && Reverses == other.Reverses
            && Canonical(Lines).SequenceEqual(Canonical(other.Lines));
    }

    /// <summary>Asserts the entry balances; an unbalanced entry is a bug in posting rules, never bad input.</summary>
    /// <exception cref="UnreachableException">The entry does not balance, or posts outside its book.</exception>
    public void AssertBalanced()
    {
        if (!IsBalanced)
        {
            var off = Lines.GroupBy(l => l.Asset, StringComparer.Ordinal).Where(g => g.Sum(l => l.Amount) != 0m).Select(g => $"{g.Key} {g.Sum(l => l.Amount)}");
            throw new UnreachableException($"Journal entry {JournalId} does not balance: {string.Join(", ", off)}.");
        }

        if (Lines.Any(l => l.Account.Book != Book))
        {
            throw new UnreachableException($"Journal entry {JournalId} posts to an account outside book {Book}.");
        }
    }

    private static IEnumerable<(LedgerAccount, decimal)> Canonical(IEnumerable<JournalLine> lines) =>
        lines.GroupBy(l => l.Account).Select(g => (g.Key, g.Sum(l => l.Amount))).Where(x => x.Item2 != 0m).OrderBy(x => x.Key);
}
