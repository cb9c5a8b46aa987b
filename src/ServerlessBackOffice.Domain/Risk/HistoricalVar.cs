namespace ServerlessBackOffice.Domain.Risk;

/// <summary>
/// Historical-simulation value at risk and expected shortfall over one day.
/// Each scenario applies one historical day's returns to today's positions:
/// <c>PnL_s = Σ_p BaseValue_p × r_(p,s)</c>, with <c>r_(p,s) = P_(p,s) / P_(p,s−1) − 1</c> from the price history.
/// The P&amp;Ls are sorted ascending; the tail is the <c>m = ⌈n × (1 − confidence)⌉</c> worst scenarios
/// (3 of 250 at 99%); <c>VaR = −PnL_(m)</c> and <c>ES = −mean(PnL_(1..m))</c>, both floored at zero (a portfolio that
/// gains in every tail scenario has no loss to report). All arithmetic is decimal.
/// </summary>
public static class HistoricalVar
{
    /// <summary>The regulatory window: 250 daily returns.</summary>
    public const int DefaultWindow = 250;

    /// <summary>Computes VaR and ES for positions from each instrument's daily returns.</summary>
    /// <param name="positions">Today's positions.</param>
    /// <param name="returns">Per instrument, its daily returns over the window, oldest first; all of the same length.</param>
    /// <param name="confidence">For example 0.99.</param>
    /// <exception cref="ArgumentException">A position's instrument has no history, or histories differ in length.</exception>
    public static VarResult Compute(IReadOnlyList<RiskPosition> positions, IReadOnlyDictionary<string, decimal[]> returns, decimal confidence)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(returns);
        if (confidence is <= 0m or >= 1m)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be strictly between 0 and 1.");
        }

        var scenarios = returns.Count == 0 ? 0 : returns.Values.First().Length;
        if (returns.Values.Any(r => r.Length != scenarios))
        {
            throw new ArgumentException("Every instrument's return history must cover the same scenarios.", nameof(returns));
        }

        var pnl = new decimal[scenarios];
        foreach (var position in positions)
        {
            if (!returns.TryGetValue(position.Instrument, out var series))
            {
                throw new ArgumentException($"No price history for {position.Instrument}; VaR would silently understate the risk.", nameof(returns));
            }

            var value = position.BaseValue;
            for (var s = 0; s < scenarios; s++)
            {
                pnl[s] += value * series[s];
            }
        }

        return FromScenarioPnl(pnl, confidence);
    }

    /// <summary>VaR and ES from scenario P&amp;Ls already computed.</summary>
    public static VarResult FromScenarioPnl(IReadOnlyList<decimal> scenarioPnl, decimal confidence)
    {
        ArgumentNullException.ThrowIfNull(scenarioPnl);
        if (scenarioPnl.Count == 0)
        {
            return new VarResult(0m, 0m, 0, 0, []);
        }

        var sorted = scenarioPnl.ToArray();
        Array.Sort(sorted);
        var tail = (int)Math.Ceiling(scenarioPnl.Count * (1m - confidence));
        tail = Math.Clamp(tail, 1, sorted.Length);
        var valueAtRisk = Math.Max(0m, -sorted[tail - 1]);
        var expectedShortfall = Math.Max(0m, -sorted.Take(tail).Sum() / tail);
        return new VarResult(valueAtRisk, expectedShortfall, sorted.Length, tail, scenarioPnl.ToArray());
    }

    /// <summary>Daily simple returns from a close-price series, oldest first: n prices give n − 1 returns.</summary>
    /// <exception cref="ArgumentException">A price is not positive.</exception>
    public static decimal[] Returns(IReadOnlyList<decimal> closes)
    {
        ArgumentNullException.ThrowIfNull(closes);
        if (closes.Any(p => p <= 0m))
        {
            throw new ArgumentException("Close prices must be positive to form returns.", nameof(closes));
        }

        var result = new decimal[Math.Max(0, closes.Count - 1)];
        for (var i = 1; i < closes.Count; i++)
        {
            result[i - 1] = (closes[i] / closes[i - 1]) - 1m;
        }

        return result;
    }
}
