namespace ServerlessBackOffice.Domain.Risk;

/// <summary>VaR, ES and stress figures for one group of positions (an account or a whole book).</summary>
public sealed record RiskGroupFigures(string Book, string? Account, string BaseCurrency, decimal MarketValue, VarResult Var, IReadOnlyList<StressResult> Stress);

/// <summary>The end-of-day risk figures per account and per book.</summary>
public static class RiskReport
{
    /// <summary>Computes figures for every account and every book; books carry their own base currency.</summary>
    public static IReadOnlyList<RiskGroupFigures> Compute(
        IReadOnlyList<RiskPosition> positions,
        IReadOnlyDictionary<string, decimal[]> returns,
        IReadOnlyDictionary<string, string> baseCurrencyByBook,
        decimal confidence,
        StressParameters stress)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(baseCurrencyByBook);
        var figures = new List<RiskGroupFigures>();
        foreach (var book in positions.GroupBy(p => p.Book, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var baseCurrency = baseCurrencyByBook.TryGetValue(book.Key, out var currency)
                ? currency
                : throw new ArgumentException($"Book {book.Key} has no base currency.", nameof(baseCurrencyByBook));
            foreach (var account in book.GroupBy(p => p.Account, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                figures.Add(Figures(book.Key, account.Key, baseCurrency, [.. account], returns, confidence, stress));
            }

            figures.Add(Figures(book.Key, null, baseCurrency, [.. book], returns, confidence, stress));
        }

        return figures;
    }

    private static RiskGroupFigures Figures(string book, string? account, string baseCurrency, List<RiskPosition> positions, IReadOnlyDictionary<string, decimal[]> returns, decimal confidence, StressParameters stress) =>
        new(book, account, baseCurrency, positions.Sum(p => p.BaseValue), HistoricalVar.Compute(positions, returns, confidence), StressTest.Run(positions, baseCurrency, stress));
}
