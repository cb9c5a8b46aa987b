using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.ReferenceData;

/// <summary>A security the back office can capture.</summary>
/// <param name="Isin">ISO 6166 identifier.</param>
/// <param name="Name">Issuer and issue name.</param>
/// <param name="AssetClass">Equity, government bond or corporate bond.</param>
/// <param name="Currency">ISO 4217 trading and settlement currency.</param>
/// <param name="Mic">The primary market (ISO 10383); <c>XOFF</c> for bonds traded over the counter.</param>
/// <param name="SettlementConventionId">Which <see cref="SettlementConvention"/> (calendars and cycle history) applies.</param>
/// <param name="PriceFactor">Quoted price to cash per unit (1 for ordinary shares and bonds).</param>
/// <param name="CouponRate">Annual coupon as a fraction (0.0425), bonds only.</param>
/// <param name="CouponFrequency">Coupons per year (1, 2, 4, 12), bonds only.</param>
/// <param name="DayCount">Accrual convention, bonds only.</param>
/// <param name="Maturity">Final maturity, bonds only.</param>
/// <param name="IssuerCountry">ISO 3166 alpha-2 country of incorporation (drives SDRT and FTT).</param>
public sealed record Security(
    string Isin,
    string Name,
    AssetClass AssetClass,
    string Currency,
    string Mic,
    string SettlementConventionId,
    decimal PriceFactor,
    decimal? CouponRate,
    int? CouponFrequency,
    DayCountConvention? DayCount,
    DateOnly? Maturity,
    string IssuerCountry)
{
    /// <summary>How this security's price is quoted.</summary>
    public PriceType PriceType => AssetClass == AssetClass.Equity ? PriceType.PerUnit : PriceType.PercentOfPar;
}

/// <summary>
/// The calendars and effective-dated cycle of a settlement location (for example UK equities in CREST). Cycle changes such
/// as the move to T+1 on 11 October 2027 are new rows of <see cref="Cycles"/>, never code.
/// </summary>
/// <param name="Id">Convention id referenced by securities.</param>
/// <param name="TradingCalendarId">Calendar of the days the market trades.</param>
/// <param name="SettlementCalendarId">Calendar of the days the settlement system settles.</param>
/// <param name="Cycles">The cycle history.</param>
/// <param name="Source">The rule or market notice the cycle history comes from.</param>
public sealed record SettlementConvention(string Id, string TradingCalendarId, string SettlementCalendarId, IReadOnlyList<SettlementCycle> Cycles, string Source);

/// <summary>A holiday calendar as stored in reference data.</summary>
/// <param name="Id">Calendar id.</param>
/// <param name="Description">What the calendar is (market trading days, or a settlement system's days).</param>
/// <param name="CoversFrom">First date covered.</param>
/// <param name="CoversTo">Last date covered.</param>
/// <param name="Holidays">Weekday closures.</param>
/// <param name="Source">Where the dates come from.</param>
public sealed record CalendarDefinition(string Id, string Description, DateOnly CoversFrom, DateOnly CoversTo, IReadOnlyList<DateOnly> Holidays, string Source)
{
    /// <summary>The calendar as a business-day calendar.</summary>
    public BusinessCalendar ToCalendar() => new(Id, Holidays, CoversFrom, CoversTo);
}

/// <summary>A standing settlement instruction, effective from a date. A change is a new row; old rows are never overwritten.</summary>
/// <param name="Market">The market or settlement location it is for (a settlement convention id).</param>
/// <param name="Currency">The settlement currency.</param>
/// <param name="EffectiveFrom">First settlement date it applies to.</param>
/// <param name="DepositoryBic">The CSD (DTC, CREST, Euroclear France …).</param>
/// <param name="AgentBic">The counterparty's settlement agent.</param>
/// <param name="SafekeepingAccount">The securities account at the agent.</param>
public sealed record SettlementInstructionRow(string Market, string Currency, DateOnly EffectiveFrom, string DepositoryBic, string AgentBic, string SafekeepingAccount);

/// <summary>Tolerances within which a counterparty's affirmation matches our trade.</summary>
/// <param name="PriceBasisPoints">Price difference tolerated, in basis points of our price.</param>
/// <param name="NetAmount">Net amount difference tolerated, in trade-currency units.</param>
public sealed record AffirmationTolerance(decimal PriceBasisPoints, decimal NetAmount);

/// <summary>A trading counterparty.</summary>
/// <param name="Lei">ISO 17442 LEI.</param>
/// <param name="Name">Legal name.</param>
/// <param name="Ssis">Effective-dated settlement instructions per market and currency.</param>
/// <param name="Tolerance">Affirmation tolerances.</param>
/// <param name="NettingAgreement">True when a bilateral settlement netting agreement is signed.</param>
public sealed record Counterparty(string Lei, string Name, IReadOnlyList<SettlementInstructionRow> Ssis, AffirmationTolerance Tolerance, bool NettingAgreement)
{
    /// <summary>The SSI in force on <paramref name="settlementDate"/> for a market and currency, or null.</summary>
    public SettlementInstructionRow? SsiOn(string market, string currency, DateOnly settlementDate)
    {
        SettlementInstructionRow? inForce = null;
        foreach (var ssi in Ssis)
        {
            if (ssi.Market == market && ssi.Currency == currency && ssi.EffectiveFrom <= settlementDate
                && (inForce is null || ssi.EffectiveFrom > inForce.EffectiveFrom))
            {
                inForce = ssi;
            }
        }

        return inForce;
    }
}

/// <summary>A custodian we instruct.</summary>
/// <param name="Lei">ISO 17442 LEI.</param>
/// <param name="Name">Legal name.</param>
public sealed record Custodian(string Lei, string Name);

/// <summary>A book: a set of accounts run from one place, with its business time zone (decision 0003).</summary>
/// <param name="Id">Book id.</param>
/// <param name="Name">Display name.</param>
/// <param name="TimeZone">IANA time zone of the book's business day.</param>
/// <param name="BaseCurrency">Reporting currency.</param>
public sealed record Book(string Id, string Name, string TimeZone, string BaseCurrency);

/// <summary>A client or house account.</summary>
/// <param name="Id">Account id as the OMS sends it.</param>
/// <param name="Name">Display name.</param>
/// <param name="BookId">The book it belongs to.</param>
/// <param name="BaseCurrency">The account's base currency.</param>
/// <param name="CommissionScheduleId">Its commission schedule.</param>
/// <param name="CustodianLei">The custodian holding its assets.</param>
public sealed record Account(string Id, string Name, string BookId, string BaseCurrency, string CommissionScheduleId, string CustodianLei);

/// <summary>A daily FX fixing: 1 <paramref name="Base"/> = <paramref name="Rate"/> <paramref name="Quote"/>.</summary>
/// <param name="Date">Fixing date.</param>
/// <param name="Base">Base currency.</param>
/// <param name="Quote">Quote currency.</param>
/// <param name="Rate">Rate.</param>
/// <param name="Source">Fixing source.</param>
public sealed record FxRate(DateOnly Date, string Base, string Quote, decimal Rate, string Source);
