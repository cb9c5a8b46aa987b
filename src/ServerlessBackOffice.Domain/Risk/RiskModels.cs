namespace ServerlessBackOffice.Domain.Risk;

/// <summary>The asset classes the stress scenarios treat differently.</summary>
public enum RiskAssetClass
{
    /// <summary>Shares; shocked by the equity scenario.</summary>
    Equity,

    /// <summary>Bonds; shocked through modified duration by the rates scenario.</summary>
    Bond,
}

/// <summary>
/// One position as risk sees it: an account's holding of an instrument, valued at the day's close in the instrument's
/// currency, with the rate converting that currency into the book's base currency.
/// </summary>
/// <param name="Account">The account holding the position.</param>
/// <param name="Book">The book the account belongs to.</param>
/// <param name="Instrument">The instrument's ISIN.</param>
/// <param name="AssetClass">Equity or bond.</param>
/// <param name="Quantity">Units held (shares, or nominal for bonds); negative when short.</param>
/// <param name="MarketValue">Quantity × close price × price factor, in <paramref name="Currency"/>; negative when short.</param>
/// <param name="Currency">ISO 4217 currency of the market value.</param>
/// <param name="FxToBase">Units of the book's base currency per unit of <paramref name="Currency"/>.</param>
/// <param name="ModifiedDuration">Modified duration in years, for bonds; zero for equities.</param>
public sealed record RiskPosition(
    string Account,
    string Book,
    string Instrument,
    RiskAssetClass AssetClass,
    decimal Quantity,
    decimal MarketValue,
    string Currency,
    decimal FxToBase,
    decimal ModifiedDuration)
{
    /// <summary>The market value in the book's base currency.</summary>
    public decimal BaseValue => MarketValue * FxToBase;
}

/// <summary>The historical VaR and expected shortfall of a portfolio, in base currency, as positive loss amounts.</summary>
/// <param name="ValueAtRisk">The loss not exceeded with the given confidence over one day.</param>
/// <param name="ExpectedShortfall">The average loss in the tail beyond (and including) the VaR scenario.</param>
/// <param name="Scenarios">The number of historical scenarios used.</param>
/// <param name="TailScenarios">How many worst scenarios form the tail.</param>
/// <param name="ScenarioPnl">The P&amp;L of every scenario, in scenario order, for the dashboard's distribution chart.</param>
public sealed record VarResult(decimal ValueAtRisk, decimal ExpectedShortfall, int Scenarios, int TailScenarios, IReadOnlyList<decimal> ScenarioPnl);

/// <summary>A stress scenario and the P&amp;L it gives a portfolio, in base currency.</summary>
public sealed record StressResult(string Scenario, string Description, decimal Pnl);
