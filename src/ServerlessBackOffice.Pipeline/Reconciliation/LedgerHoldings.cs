using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>Our side of a reconciliation: an account's settled holdings and what is still pending settlement.</summary>
/// <param name="Settled">PositionSettled per ISIN, or CashSettled per currency.</param>
/// <param name="Pending">PositionPending per ISIN, or CashPending plus AccruedInterest per currency.</param>
public sealed record OurHoldings(IReadOnlyList<Holding> Settled, IReadOnlyList<Holding> Pending);

/// <summary>
/// Reads our holdings from the ledger's entries as of a date. The custodian reports what is settled, so the settled
/// accounts are compared and the pending ones explain timing differences. The ledger streams the book's entries up to
/// the date (the same read the trial balance makes): no balance document exists to go stale.
/// </summary>
public static class LedgerHoldings
{
    /// <summary>
    /// Every account's settled and pending balances in a book at the close of <paramref name="asOf"/>, in one pass over the
    /// book's entries: what each statement of the book is compared with (<see cref="BookHoldings.Of"/> gives one account's).
    /// </summary>
    public static async Task<BookHoldings> ReadBookAsync(ILedgerStore ledger, string book, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var balances = new Dictionary<(string Owner, AccountKind Kind, string Asset), decimal>();
        await foreach (var entry in ledger.EntriesAsync(book, asOf, cancellationToken))
        {
            foreach (var line in entry.Lines)
            {
                if (line.Account.Kind is AccountKind.PositionSettled or AccountKind.PositionPending or AccountKind.CashSettled or AccountKind.CashPending or AccountKind.AccruedInterest)
                {
                    var key = (line.Account.Owner, line.Account.Kind, line.Asset);
                    balances[key] = balances.GetValueOrDefault(key) + line.Amount;
                }
            }
        }

        return new BookHoldings(balances);
    }

    /// <summary>Every account's holdings of both kinds in a book at a date: what the statement simulator starts from.</summary>
    public static async Task<IReadOnlyList<Holding>> SettledHoldingsOfBookAsync(ILedgerStore ledger, string book, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var balances = new Dictionary<(string, HoldingKind, string), decimal>();
        await foreach (var entry in ledger.EntriesAsync(book, asOf, cancellationToken))
        {
            foreach (var line in entry.Lines)
            {
                HoldingKind? kind = line.Account.Kind switch
                {
                    AccountKind.PositionSettled => HoldingKind.Securities,
                    AccountKind.CashSettled => HoldingKind.Cash,
                    _ => null,
                };
                if (kind is { } k)
                {
                    var key = (line.Account.Owner, k, line.Asset);
                    balances[key] = balances.GetValueOrDefault(key) + line.Amount;
                }
            }
        }

        return balances.OrderBy(b => b.Key.Item1, StringComparer.Ordinal).ThenBy(b => b.Key.Item2).ThenBy(b => b.Key.Item3, StringComparer.Ordinal)
            .Select(b => new Holding(b.Key.Item1, b.Key.Item2, b.Key.Item3, b.Value)).ToList();
    }

    /// <summary>Which ledger account kinds a statement of each kind compares as settled and explains as pending.</summary>
    internal static (AccountKind Settled, AccountKind[] Pending) KindsOf(HoldingKind kind) => kind == HoldingKind.Securities
        ? (AccountKind.PositionSettled, [AccountKind.PositionPending])
        : (AccountKind.CashSettled, [AccountKind.CashPending, AccountKind.AccruedInterest]);

    internal static List<Holding> ToHoldings(Dictionary<string, decimal> balances, string account, HoldingKind kind) =>
        balances.Where(b => b.Value != 0m).OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new Holding(account, kind, b.Key, b.Value)).ToList();
}

/// <summary>A book's settled and pending balances per (owner, account kind, asset) at a date: one read serves every account.</summary>
public sealed class BookHoldings
{
    private readonly Dictionary<(string Owner, AccountKind Kind, string Asset), decimal> _balances;
    private readonly Dictionary<string, List<((AccountKind Kind, string Asset) Key, decimal Amount)>> _byOwner;

    internal BookHoldings(Dictionary<(string Owner, AccountKind Kind, string Asset), decimal> balances)
    {
        _balances = balances;
        _byOwner = new Dictionary<string, List<((AccountKind, string), decimal)>>(StringComparer.Ordinal);
        foreach (var ((owner, kind, asset), amount) in balances)
        {
            if (!_byOwner.TryGetValue(owner, out var list))
            {
                _byOwner[owner] = list = [];
            }

            list.Add(((kind, asset), amount));
        }
    }

    /// <summary>How many (owner, kind, asset) balances the book has.</summary>
    public int Count => _balances.Count;

    /// <summary>One account's holdings of one kind: its settled balances, and the pending ones that explain timing differences.</summary>
    public OurHoldings Of(string account, HoldingKind kind)
    {
        ArgumentNullException.ThrowIfNull(account);
        var (settledKind, pendingKinds) = LedgerHoldings.KindsOf(kind);
        var settled = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var pending = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (_byOwner.TryGetValue(account, out var lines))
        {
            foreach (var ((accountKind, asset), amount) in lines)
            {
                if (accountKind == settledKind)
                {
                    settled[asset] = settled.GetValueOrDefault(asset) + amount;
                }
                else if (Array.IndexOf(pendingKinds, accountKind) >= 0)
                {
                    pending[asset] = pending.GetValueOrDefault(asset) + amount;
                }
            }
        }

        return new OurHoldings(LedgerHoldings.ToHoldings(settled, account, kind), LedgerHoldings.ToHoldings(pending, account, kind));
    }
}
