namespace ServerlessBackOffice.Domain.Trading;

/// <summary>
/// The one rounding rule for cash amounts: round half away from zero ("commercial rounding") to the currency's
/// minor units. Every cash figure the capture stage produces passes through <see cref="ToMinorUnits"/> exactly once,
/// after the unrounded components are summed per line, so that no other code path rounds money its own way.
/// </summary>
/// <remarks>
/// Why half away from zero and not banker's rounding: confirmations, exchange fee invoices (SEC Section 31, FINRA TAF),
/// HMRC's SDRT and the French FTT all round a half-cent up in magnitude; banker's rounding would disagree with the
/// counterparty's figure by one minor unit on exact halves and break affirmation. See decision record 0011.
/// </remarks>
public static class MoneyRounding
{
    /// <summary>The name of the rule, for documents and events that must say how a figure was rounded.</summary>
    public const string RuleName = "HalfAwayFromZeroToMinorUnits";

    /// <summary>Rounds <paramref name="amount"/> to the minor units of <paramref name="currency"/>.</summary>
    public static decimal ToMinorUnits(decimal amount, Currency currency) =>
        Math.Round(amount, currency.MinorUnits, MidpointRounding.AwayFromZero);
}

/// <summary>A cash amount already rounded to its currency's minor units.</summary>
public readonly record struct Money
{
    private Money(decimal amount, Currency currency)
    {
        Amount = amount;
        Currency = currency;
    }

    /// <summary>The rounded amount.</summary>
    public decimal Amount { get; }

    /// <summary>The currency.</summary>
    public Currency Currency { get; }

    /// <summary>Rounds an exact amount by <see cref="MoneyRounding"/> into money.</summary>
    public static Money Round(decimal exactAmount, Currency currency) => new(MoneyRounding.ToMinorUnits(exactAmount, currency), currency);

    /// <summary>Zero in <paramref name="currency"/>.</summary>
    public static Money Zero(Currency currency) => new(0m, currency);

    /// <summary>Adds two amounts of the same currency; adding across currencies is a bug.</summary>
    public static Money operator +(Money left, Money right)
    {
        if (left.Currency != right.Currency)
        {
            throw new InvalidOperationException($"Cannot add {left.Currency} to {right.Currency}.");
        }

        return new Money(left.Amount + right.Amount, left.Currency);
    }

    /// <summary>Adds two amounts of the same currency.</summary>
    public static Money Add(Money left, Money right) => left + right;

    /// <inheritdoc />
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Amount} {Currency.Code}");
}
