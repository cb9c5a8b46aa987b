using System.Globalization;

namespace ServerlessBackOffice.Domain.Settlement;

/// <summary>The terms both sides confirm: ours from the captured trade, theirs from the counterparty's affirmation.</summary>
public sealed record ConfirmationTerms(
    string TradeId,
    int Version,
    string Account,
    string CounterpartyLei,
    string Isin,
    string Side,
    decimal Quantity,
    decimal Price,
    string Currency,
    DateOnly TradeDate,
    DateOnly SettlementDate,
    decimal NetAmount);

/// <summary>A counterparty's matching tolerances, from reference data: price in basis points or absolute, net amount absolute.</summary>
public sealed record MatchingTolerance(decimal PriceBasisPoints, decimal PriceAbsolute, decimal NetAmountAbsolute)
{
    /// <summary>Exact matching.</summary>
    public static MatchingTolerance Exact { get; } = new(0m, 0m, 0m);

    /// <summary>The largest price difference accepted for a price: the wider of the absolute and relative tolerances.</summary>
    public decimal PriceToleranceFor(decimal price) => Math.Max(PriceAbsolute, Math.Abs(price) * PriceBasisPoints / 10_000m);
}

/// <summary>One field on which the two sides disagree.</summary>
public sealed record Discrepancy(string Field, string Ours, string Theirs, string Rule);

/// <summary>The outcome of matching an affirmation: affirmed, or mismatched with every discrepancy listed.</summary>
public sealed record MatchResult(IReadOnlyList<Discrepancy> Discrepancies)
{
    /// <summary>True when no field disagrees beyond tolerance.</summary>
    public bool Affirmed => Discrepancies.Count == 0;
}

/// <summary>Matches an affirmation against our confirmation: identifying fields exactly, price and net amount within tolerance.</summary>
public static class AffirmationMatcher
{
    /// <summary>Compares every field and lists all discrepancies (not just the first), so operations can fix them at once.</summary>
    public static MatchResult Match(ConfirmationTerms ours, ConfirmationTerms theirs, MatchingTolerance tolerance)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        ArgumentNullException.ThrowIfNull(tolerance);
        var discrepancies = new List<Discrepancy>();
        void Exact<T>(string field, T a, T b, Func<T, string> show)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                discrepancies.Add(new Discrepancy(field, show(a), show(b), "must match exactly"));
            }
        }

        static string Text(string s) => s;
        static string Number(decimal d) => d.ToString(CultureInfo.InvariantCulture);
        static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        Exact("tradeId", ours.TradeId, theirs.TradeId, Text);
        Exact("version", ours.Version, theirs.Version, v => v.ToString(CultureInfo.InvariantCulture));
        Exact("account", ours.Account, theirs.Account, Text);
        Exact("counterpartyLei", ours.CounterpartyLei, theirs.CounterpartyLei, Text);
        Exact("isin", ours.Isin, theirs.Isin, Text);
        Exact("side", ours.Side, theirs.Side, Text);
        Exact("quantity", ours.Quantity, theirs.Quantity, Number);
        Exact("currency", ours.Currency, theirs.Currency, Text);
        Exact("tradeDate", ours.TradeDate, theirs.TradeDate, Date);
        Exact("settlementDate", ours.SettlementDate, theirs.SettlementDate, Date);

        var priceTolerance = tolerance.PriceToleranceFor(ours.Price);
        if (Math.Abs(ours.Price - theirs.Price) > priceTolerance)
        {
            discrepancies.Add(new Discrepancy("price", Number(ours.Price), Number(theirs.Price), $"within {Number(priceTolerance)}"));
        }

        if (Math.Abs(ours.NetAmount - theirs.NetAmount) > tolerance.NetAmountAbsolute)
        {
            discrepancies.Add(new Discrepancy("netAmount", Number(ours.NetAmount), Number(theirs.NetAmount), $"within {Number(tolerance.NetAmountAbsolute)}"));
        }

        return new MatchResult(discrepancies);
    }
}
