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
    /// <summary>The account's holdings of one kind at the close of <paramref name="asOf"/>.</summary>
    public static async Task<OurHoldings> ReadAsync(ILedgerStore ledger, string book, string account, HoldingKind kind, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var (settledKind, pendingKinds) = kind == HoldingKind.Securities
            ? (AccountKind.PositionSettled, new[] { AccountKind.PositionPending })
            : (AccountKind.CashSettled, new[] { AccountKind.CashPending, AccountKind.AccruedInterest });
        var settled = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var pending = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await foreach (var entry in ledger.EntriesAsync(book, asOf, cancellationToken))
        {
            foreach (var line in entry.Lines)
            {
                if (!string.Equals(line.Account.Owner, account, StringComparison.Ordinal))
                {
                    continue;
                }

                if (line.Account.Kind == settledKind)
                {
                    settled[line.Asset] = settled.GetValueOrDefault(line.Asset) + line.Amount;
                }
                else if (Array.IndexOf(pendingKinds, line.Account.Kind) >= 0)
                {
                    pending[line.Asset] = pending.GetValueOrDefault(line.Asset) + line.Amount;
                }
            }
        }

        return new OurHoldings(ToHoldings(settled, account, kind), ToHoldings(pending, account, kind));
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

    private static List<Holding> ToHoldings(Dictionary<string, decimal> balances, string account, HoldingKind kind) =>
        balances.Where(b => b.Value != 0m).OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new Holding(account, kind, b.Key, b.Value)).ToList();
}
