namespace ServerlessBackOffice.Domain.Ledger;

/// <summary>
/// The kinds of ledger account. The ledger is a stock record: every asset (an ISIN or a currency) is held by someone
/// (a claim: a client or house account, a counterparty owed a delivery, the firm's income, the tax authority) and is
/// somewhere (a location: at the custodian, or still due from or to a counterparty). Claims are positive and locations
/// negative, so every journal entry sums to zero per asset and the whole ledger always does.
/// </summary>
public enum AccountKind
{
    /// <summary>Claim: an account's position in an instrument, traded but not yet settled.</summary>
    PositionPending,

    /// <summary>Claim: an account's position in an instrument, settled at the custodian.</summary>
    PositionSettled,

    /// <summary>Claim: an account's cash in a currency, from trades not yet settled.</summary>
    CashPending,

    /// <summary>Claim: an account's settled cash in a currency.</summary>
    CashSettled,

    /// <summary>Claim: accrued interest an account paid (bought) or received (sold) with a bond, per currency.</summary>
    AccruedInterest,

    /// <summary>Claim: the firm's commission income per currency.</summary>
    CommissionIncome,

    /// <summary>Claim: fees and transaction taxes collected and payable to the authorities, per currency.</summary>
    FeesAndTaxesPayable,

    /// <summary>
    /// Location: what a counterparty still has to deliver or be paid — a receivable when negative (it owes us the
    /// asset), a payable when positive (we owe it).
    /// </summary>
    SettlementDue,

    /// <summary>Location: securities and cash held at a custodian.</summary>
    Custody,
}

/// <summary>
/// A ledger account: a book, a kind, an owner (account id, counterparty or custodian LEI, or the book itself for firm
/// accounts) and an asset (ISIN or ISO 4217 currency). Accounts exist by being posted to; the chart of accounts of a
/// book is the set of these combinations.
/// </summary>
public readonly record struct LedgerAccount(string Book, AccountKind Kind, string Owner, string Asset) : IComparable<LedgerAccount>
{
    /// <summary>Whether the kind is a claim (positive) rather than a location (negative).</summary>
    public bool IsClaim => Kind is not (AccountKind.SettlementDue or AccountKind.Custody);

    /// <summary>The colon-separated name used in exports: <c>book:kind:owner:asset</c>.</summary>
    public override string ToString() => $"{Book}:{Kind}:{Owner}:{Asset}";

    /// <inheritdoc />
    public int CompareTo(LedgerAccount other)
    {
        var c = string.CompareOrdinal(Book, other.Book);
        if (c == 0)
        {
            c = Kind.CompareTo(other.Kind);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(Owner, other.Owner);
        }

        return c == 0 ? string.CompareOrdinal(Asset, other.Asset) : c;
    }

    public static bool operator <(LedgerAccount left, LedgerAccount right) => left.CompareTo(right) < 0;

    public static bool operator <=(LedgerAccount left, LedgerAccount right) => left.CompareTo(right) <= 0;

    public static bool operator >(LedgerAccount left, LedgerAccount right) => left.CompareTo(right) > 0;

    public static bool operator >=(LedgerAccount left, LedgerAccount right) => left.CompareTo(right) >= 0;
}
