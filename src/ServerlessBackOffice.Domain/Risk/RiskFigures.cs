using System.Globalization;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Risk;

/// <summary>
/// One position as the end of day hands it to risk: an account's holding of an instrument in a book (units for shares,
/// nominal for bonds; negative when short). The end-of-day reports build these from the ledger's journal.
/// </summary>
/// <param name="Book">The book.</param>
/// <param name="Account">The account.</param>
/// <param name="Isin">The instrument.</param>
/// <param name="Quantity">Units or nominal held.</param>
public sealed record PositionHolding(string Book, string Account, string Isin, decimal Quantity);

/// <summary>A position risk could not value, and why; listed in the reports instead of silently understating risk.</summary>
/// <param name="Position">The position.</param>
/// <param name="Reason">What was missing.</param>
public sealed record UnvaluedPosition(PositionHolding Position, string Reason);

/// <summary>The day's risk figures: per account and per book, and the positions that could not be valued.</summary>
/// <param name="AsOf">The business date.</param>
/// <param name="Confidence">The VaR confidence (0.99).</param>
/// <param name="Window">The number of daily returns (250).</param>
/// <param name="Figures">Per account, then per book (account null), books in order.</param>
/// <param name="Unvalued">Positions left out, with the reason.</param>
public sealed record RiskDay(DateOnly AsOf, decimal Confidence, int Window, IReadOnlyList<RiskGroupFigures> Figures, IReadOnlyList<UnvaluedPosition> Unvalued);

/// <summary>
/// The end-of-day risk entry point: values positions at the close on <c>asOf</c>, converts them to each book's base currency
/// with the reference FX rates, and computes 1-day 99% historical VaR and expected shortfall over 250 daily returns and the
/// standard stress scenarios, per account and per book. Pure: every input is passed in.
/// </summary>
public static class RiskFigures
{
    /// <summary>The confidence of the reported VaR.</summary>
    public const decimal Confidence = 0.99m;

    /// <summary>
    /// Computes the day's figures. Bonds are quoted in percent of par: market value = nominal × close / 100 × price factor;
    /// their modified duration comes from the coupon schedule at a yield equal to the coupon (a bond near par), which is
    /// what the rates stress needs to first order.
    /// </summary>
    public static RiskDay Compute(IReadOnlyList<PositionHolding> positions, PriceHistory priceHistory, ReferenceDataSet referenceData, DateOnly asOf, StressParameters? stress = null)
    {
        ArgumentNullException.ThrowIfNull(referenceData);
        ArgumentNullException.ThrowIfNull(priceHistory);
        return Compute(positions, RiskMarketData.From(referenceData, priceHistory, asOf), stress);
    }

    /// <summary>
    /// Computes the day's figures from the market data of the day (what the end of day archives), as of its date.
    /// Positions in a book, security or currency the market data does not cover are listed as unvalued, with the reason.
    /// </summary>
    public static RiskDay Compute(IReadOnlyList<PositionHolding> positions, RiskMarketData marketData, StressParameters? stress = null)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(marketData);
        var asOf = marketData.AsOf;
        var priceHistory = marketData.Prices;
        var fx = new FxConversion(marketData.FxRates);
        var valued = new List<RiskPosition>();
        var unvalued = new List<UnvaluedPosition>();
        var returns = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        foreach (var position in positions.OrderBy(p => p.Book, StringComparer.Ordinal).ThenBy(p => p.Account, StringComparer.Ordinal).ThenBy(p => p.Isin, StringComparer.Ordinal))
        {
            if (position.Quantity == 0m)
            {
                continue;
            }

            if (!marketData.BaseCurrencyByBook.TryGetValue(position.Book, out var baseCurrency))
            {
                unvalued.Add(new UnvaluedPosition(position, $"unknown book {position.Book}"));
                continue;
            }

            if (!marketData.Securities.TryGetValue(position.Isin, out var security))
            {
                unvalued.Add(new UnvaluedPosition(position, $"unknown security {position.Isin}"));
                continue;
            }

            if (!returns.ContainsKey(position.Isin))
            {
                var closes = priceHistory.Closes(position.Isin, asOf, HistoricalVar.DefaultWindow + 1);
                if (closes.Count < HistoricalVar.DefaultWindow + 1)
                {
                    unvalued.Add(new UnvaluedPosition(position, string.Create(CultureInfo.InvariantCulture, $"{closes.Count} closes up to {asOf:yyyy-MM-dd}; VaR needs {HistoricalVar.DefaultWindow + 1}")));
                    continue;
                }

                returns[position.Isin] = HistoricalVar.Returns(closes);
            }

            if (fx.Rate(security.Currency, baseCurrency, asOf) is not { } rate)
            {
                unvalued.Add(new UnvaluedPosition(position, string.Create(CultureInfo.InvariantCulture, $"no {security.Currency}/{baseCurrency} rate on or before {asOf:yyyy-MM-dd}")));
                continue;
            }

            var close = priceHistory.Closes(position.Isin, asOf, 1)[0];
            var isEquity = security.AssetClass == AssetClass.Equity;
            var marketValue = isEquity
                ? position.Quantity * close * security.PriceFactor
                : position.Quantity * close / 100m * security.PriceFactor;
            var duration = isEquity || security.Maturity is not { } maturity || security.CouponRate is not { } coupon || security.CouponFrequency is not { } frequency
                ? 0m
                : StressTest.ModifiedDuration(coupon, frequency, (maturity.DayNumber - asOf.DayNumber) / 365.25m, coupon);
            valued.Add(new RiskPosition(position.Account, position.Book, position.Isin, isEquity ? RiskAssetClass.Equity : RiskAssetClass.Bond,
                position.Quantity, marketValue, security.Currency, rate, duration));
        }

        var figures = RiskReport.Compute(valued, returns, marketData.BaseCurrencyByBook, Confidence, stress ?? new StressParameters());
        return new RiskDay(asOf, Confidence, HistoricalVar.DefaultWindow, figures, unvalued);
    }

    /// <summary>An amount in a base currency, rounded once with the domain's rule for reporting.</summary>
    public static decimal Report(decimal amount, string currency) =>
        Currencies.TryGet(currency, out var c) ? MoneyRounding.ToMinorUnits(amount, c) : MoneyRounding.ToMinorUnits(amount, Currencies.Usd);
}
