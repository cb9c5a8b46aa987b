namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>One account's line in a trial balance.</summary>
public sealed record TrialBalanceLine(LedgerAccount Account, decimal Balance);

/// <summary>
/// A book's trial balance at the end of a value date, with its proof: the balances per asset net to zero, and the
/// number of entries and lines it was computed from.
/// </summary>
public sealed record TrialBalance(string Book, DateOnly AsOf, IReadOnlyList<TrialBalanceLine> Lines, IReadOnlyDictionary<string, decimal> NetByAsset, int Entries, int Postings)
{
    /// <summary>The invariant: every asset nets to zero across the book.</summary>
    public bool Balances => NetByAsset.Values.All(v => v == 0m);

    /// <summary>Builds a trial balance from entries in one pass, so a million-entry day streams through.</summary>
    public static TrialBalance From(string book, DateOnly asOf, IEnumerable<JournalEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var balances = new Dictionary<LedgerAccount, decimal>();
        var count = 0;
        var postings = 0;
        foreach (var entry in entries)
        {
            count++;
            foreach (var line in entry.Lines)
            {
                postings++;
                balances[line.Account] = balances.GetValueOrDefault(line.Account) + line.Amount;
            }
        }

        var lines = balances.Where(b => b.Value != 0m).OrderBy(b => b.Key).Select(b => new TrialBalanceLine(b.Key, b.Value)).ToList();
        var net = balances.GroupBy(b => b.Key.Asset, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(b => b.Value), StringComparer.Ordinal);
        return new TrialBalance(book, asOf, lines, net, count, postings);
    }
}
