namespace ServerlessBackOffice.Domain.Reconciliation;

/// <summary>What a reconciliation compares: a position (an instrument) or a cash balance (a currency).</summary>
public enum HoldingKind
{
    /// <summary>Securities: semt.002 holdings statement.</summary>
    Securities,

    /// <summary>Cash: camt.053 cash statement.</summary>
    Cash,
}

/// <summary>One line of our books or of a statement: an account's holding of an asset at a date's close.</summary>
/// <param name="Account">The account (our account id; statements are mapped to it through the safekeeping account).</param>
/// <param name="Kind">Securities or cash.</param>
/// <param name="Asset">ISIN or ISO 4217 currency.</param>
/// <param name="Amount">Quantity, or cash amount.</param>
public sealed record Holding(string Account, HoldingKind Kind, string Asset, decimal Amount);

/// <summary>How a difference between our books and the custodian is classified.</summary>
public enum BreakType
{
    /// <summary>Both sides hold the instrument, in different quantities, not explained by pending settlement.</summary>
    QuantityBreak,

    /// <summary>Both sides hold the currency, in different amounts, not explained by pending settlement.</summary>
    CashBreak,

    /// <summary>We hold it; the custodian reports nothing.</summary>
    MissingAtCustodian,

    /// <summary>The custodian reports it; our books have nothing.</summary>
    MissingInOurBooks,

    /// <summary>The difference equals what is pending settlement: it will clear when the trades settle.</summary>
    TimingDifference,
}

/// <summary>A difference found on a statement date.</summary>
public sealed record ReconciliationBreak(string BreakId, DateOnly StatementDate, string Account, HoldingKind Kind, string Asset, BreakType Type, decimal Ours, decimal Theirs, decimal Pending)
{
    /// <summary>Theirs minus ours.</summary>
    public decimal Difference => Theirs - Ours;
}

/// <summary>
/// Matches our settled holdings against a custodian statement for the same date. Our settled position is compared with
/// the statement; a difference equal to what is pending settlement on our side (traded but not settled, which some
/// custodians already report) is a timing difference, not a break in the books.
/// </summary>
public static class Reconciler
{
    /// <summary>Compares holdings; returns one break per differing (account, kind, asset), in a deterministic order.</summary>
    /// <param name="statementDate">The statement's date.</param>
    /// <param name="ourSettled">Our settled holdings at the date's close.</param>
    /// <param name="ourPending">Our pending (traded, unsettled) quantities at the date's close.</param>
    /// <param name="statement">The custodian's statement lines.</param>
    public static IReadOnlyList<ReconciliationBreak> Compare(DateOnly statementDate, IEnumerable<Holding> ourSettled, IEnumerable<Holding> ourPending, IEnumerable<Holding> statement)
    {
        static Dictionary<(string, HoldingKind, string), decimal> Index(IEnumerable<Holding> holdings) =>
            holdings.GroupBy(h => (h.Account, h.Kind, h.Asset)).ToDictionary(g => g.Key, g => g.Sum(h => h.Amount));

        var ours = Index(ourSettled);
        var pending = Index(ourPending);
        var theirs = Index(statement);
        var breaks = new List<ReconciliationBreak>();
        foreach (var key in ours.Keys.Union(theirs.Keys).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2).ThenBy(k => k.Item3, StringComparer.Ordinal))
        {
            var hasOurs = ours.TryGetValue(key, out var our) && our != 0m;
            var hasTheirs = theirs.TryGetValue(key, out var their) && their != 0m;
            if (our == their)
            {
                continue;
            }

            var pendingAmount = pending.GetValueOrDefault(key);
            var type = pendingAmount != 0m && their - our == pendingAmount
                ? BreakType.TimingDifference
                : (hasOurs, hasTheirs) switch
                {
                    (true, false) => BreakType.MissingAtCustodian,
                    (false, true) => BreakType.MissingInOurBooks,
                    _ => key.Item2 == HoldingKind.Cash ? BreakType.CashBreak : BreakType.QuantityBreak,
                };
            breaks.Add(new ReconciliationBreak(BreakIdFor(key.Item1, key.Item2, key.Item3), statementDate, key.Item1, key.Item2, key.Item3, type, our, their, pendingAmount));
        }

        return breaks;
    }

    /// <summary>
    /// A break's id is its holding, not its date: the same difference reported on consecutive statements is one break
    /// that ages, and it closes when a later statement agrees.
    /// </summary>
    public static string BreakIdFor(string account, HoldingKind kind, string asset) => $"BRK:{account}:{kind}:{asset}";
}

/// <summary>A break as operations track it across statements: opened, aged, and cleared with a reference.</summary>
public sealed record TrackedBreak(ReconciliationBreak Latest, DateOnly FirstSeen, DateOnly? ClearedOn, string? ClearedBy, bool Explained, string? Explanation)
{
    /// <summary>Whether operations still have to act.</summary>
    public bool IsOpen => ClearedOn is null && !Explained;

    /// <summary>Business days since the break was first seen.</summary>
    public int AgeInBusinessDays(DateOnly asOf, Func<DateOnly, bool> isBusinessDay)
    {
        ArgumentNullException.ThrowIfNull(isBusinessDay);
        var days = 0;
        for (var d = FirstSeen.AddDays(1); d <= asOf; d = d.AddDays(1))
        {
            if (isBusinessDay(d))
            {
                days++;
            }
        }

        return days;
    }
}

/// <summary>Carries breaks from one statement to the next: new ones open, persisting ones age, vanished ones clear.</summary>
public static class BreakTracker
{
    /// <summary>Applies a statement's breaks to the open ones; <paramref name="statementId"/> is recorded on what it clears.</summary>
    public static IReadOnlyList<TrackedBreak> Apply(IReadOnlyList<TrackedBreak> tracked, IReadOnlyList<ReconciliationBreak> current, DateOnly statementDate, string statementId)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        ArgumentNullException.ThrowIfNull(current);
        var now = current.ToDictionary(b => b.BreakId, StringComparer.Ordinal);
        var result = new List<TrackedBreak>();
        foreach (var item in tracked)
        {
            if (item.Explained && item.ClearedOn is null && now.TryGetValue(item.Latest.BreakId, out var still) && still.Difference == item.Latest.Difference)
            {
                // An explained break that persists with the same difference stays explained (operations said why); a
                // different difference is a new break and opens again below.
                now.Remove(item.Latest.BreakId);
                result.Add(item with { Latest = still });
            }
            else if (!item.IsOpen)
            {
                result.Add(item);
            }
            else if (now.Remove(item.Latest.BreakId, out var again))
            {
                result.Add(item with { Latest = again });
            }
            else
            {
                result.Add(item with { ClearedOn = statementDate, ClearedBy = statementId });
            }
        }

        result.AddRange(now.Values.Select(b => new TrackedBreak(b, statementDate, null, null, false, null)));
        return result.OrderBy(b => b.Latest.BreakId, StringComparer.Ordinal).ToList();
    }
}
