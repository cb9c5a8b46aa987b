using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.Tests.Capture;

/// <summary>
/// A small reference data set with real instruments, parties and holidays (2026–2027), built in code so the domain tests
/// stay free of files. The full sample set is tested in Pipeline.Tests.
/// </summary>
internal static class CaptureTestData
{
    public const string Apple = "US0378331005";
    public const string Hsbc = "GB0005405286";
    public const string TotalEnergies = "FR0000120271";
    public const string Sap = "DE0007164600";
    public const string TreasuryNote2034 = "US91282CLW90";
    public const string AppleBond2043 = "US037833AL42";
    public const string GoldmanSachsInternational = "W22LROWP2IHZNBB6K528";
    public const string StateStreet = "571474TGEMMWANRLN572";

    public static readonly DateOnly Start = new(2026, 1, 1);
    public static readonly DateOnly End = new(2027, 12, 31);

    public static IReadOnlyList<FeeRule> Fees { get; } =
    [
        new("SEC31", Side.Sell, [AssetClass.Equity], ["XNYS", "XNAS"], [], FeeBasis.PerMillionOfGross, 27.80m, null, new DateOnly(2024, 5, 22), "SEC FY2024"),
        new("SEC31", Side.Sell, [AssetClass.Equity], ["XNYS", "XNAS"], [], FeeBasis.PerMillionOfGross, 0.00m, null, new DateOnly(2025, 5, 14), "SEC FY2025"),
        new("FINRA_TAF", Side.Sell, [AssetClass.Equity], ["XNYS", "XNAS"], [], FeeBasis.PerUnit, 0.000166m, 8.30m, new DateOnly(2024, 1, 1), "FINRA Schedule A"),
        new("UK_SDRT", Side.Buy, [AssetClass.Equity], [], ["GB"], FeeBasis.PercentOfGross, 0.5m, null, new DateOnly(1986, 10, 27), "Finance Act 1986 s.87"),
        new("FR_FTT", Side.Buy, [AssetClass.Equity], [], ["FR"], FeeBasis.PercentOfGross, 0.3m, null, new DateOnly(2017, 1, 1), "CGI 235 ter ZD"),
        new("FR_FTT", Side.Buy, [AssetClass.Equity], [], ["FR"], FeeBasis.PercentOfGross, 0.4m, null, new DateOnly(2025, 4, 1), "CGI 235 ter ZD (LF 2025)"),
    ];

    // Real closures: NYSE 2026–2027; US settlement adds Columbus Day and Veterans Day; England & Wales bank holidays;
    // Xetra closes on 24 and 31 December while T2S settles.
    public static readonly DateOnly[] NyseHolidays = Dates(
        "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
        "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24");

    public static readonly DateOnly[] UsSettlementHolidays = [.. NyseHolidays, .. Dates("2026-10-12", "2026-11-11", "2027-10-11", "2027-11-11")];

    public static readonly DateOnly[] UkHolidays = Dates(
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28");

    public static readonly DateOnly[] T2sHolidays = Dates(
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25", "2027-01-01", "2027-03-26", "2027-03-29");

    public static readonly DateOnly[] XetraHolidays = [.. T2sHolidays, .. Dates("2026-12-24", "2026-12-31", "2027-12-24", "2027-12-31")];

    public static ReferenceDataSet Build(IEnumerable<FeeRule>? fees = null)
    {
        var t2 = new SettlementCycle(new DateOnly(2014, 10, 6), 2);
        var t1From2027 = new SettlementCycle(new DateOnly(2027, 10, 11), 1);
        return new ReferenceDataSet(
            [
                Equity(Apple, "Apple Inc", "USD", "XNAS", "US-EQUITY", "US"),
                Equity(Hsbc, "HSBC Holdings plc", "GBP", "XLON", "UK-EQUITY", "GB"),
                Equity(TotalEnergies, "TotalEnergies SE", "EUR", "XPAR", "EU-EQUITY-EURONEXT", "FR"),
                Equity(Sap, "SAP SE", "EUR", "XETR", "EU-EQUITY-XETRA", "DE"),
                new Security(TreasuryNote2034, "United States Treasury Note 4.25% 15 Nov 2034", AssetClass.GovernmentBond, "USD", Mics.OffExchange, "US-TREASURY", 1m, 0.0425m, 2, DayCountConvention.ActActIcma, new DateOnly(2034, 11, 15), "US"),
                new Security(AppleBond2043, "Apple Inc 3.85% 2043", AssetClass.CorporateBond, "USD", Mics.OffExchange, "US-CORPORATE-BOND", 1m, 0.0385m, 2, DayCountConvention.Thirty360Us, new DateOnly(2043, 5, 4), "US"),
            ],
            [new Counterparty(GoldmanSachsInternational, "Goldman Sachs International", [], new AffirmationTolerance(1m, 1m), true)],
            [new Custodian(StateStreet, "State Street Bank and Trust")],
            [new Book("NY-CASH", "New York", "America/New_York", "USD"), new Book("LDN-CASH", "London", "Europe/London", "GBP"), new Book("PAR-CASH", "Paris", "Europe/Paris", "EUR")],
            [
                new Account("ACC-US-001", "US fund", "NY-CASH", "USD", "INST-5BP", StateStreet),
                new Account("ACC-UK-001", "UK fund", "LDN-CASH", "GBP", "INST-5BP", StateStreet),
                new Account("ACC-EU-001", "EU fund", "PAR-CASH", "EUR", "PB-10BP", StateStreet),
            ],
            [new CommissionSchedule("INST-5BP", CommissionBasis.BasisPointsOfGross, 5m, 0m), new CommissionSchedule("PB-10BP", CommissionBasis.BasisPointsOfGross, 10m, 25m)],
            fees ?? Fees,
            [],
            [
                Calendar("US-NYSE-TRADING", NyseHolidays),
                Calendar("US-SETTLEMENT", UsSettlementHolidays),
                Calendar("UK-LSE-TRADING", UkHolidays),
                Calendar("UK-CREST-SETTLEMENT", UkHolidays),
                Calendar("EU-EURONEXT-TRADING", T2sHolidays),
                Calendar("DE-XETRA-TRADING", XetraHolidays),
                Calendar("EU-T2S-SETTLEMENT", T2sHolidays),
            ],
            [
                new SettlementConvention("US-EQUITY", "US-NYSE-TRADING", "US-SETTLEMENT", [new(new DateOnly(2024, 5, 28), 1)], "SEC 15c6-1"),
                new SettlementConvention("US-TREASURY", "US-SETTLEMENT", "US-SETTLEMENT", [new(new DateOnly(2000, 1, 1), 1)], "market practice"),
                new SettlementConvention("US-CORPORATE-BOND", "US-SETTLEMENT", "US-SETTLEMENT", [new(new DateOnly(2024, 5, 28), 1)], "SEC 15c6-1"),
                new SettlementConvention("UK-EQUITY", "UK-LSE-TRADING", "UK-CREST-SETTLEMENT", [t2, t1From2027], "UK AST"),
                new SettlementConvention("EU-EQUITY-EURONEXT", "EU-EURONEXT-TRADING", "EU-T2S-SETTLEMENT", [t2, t1From2027], "CSDR 5(2)"),
                new SettlementConvention("EU-EQUITY-XETRA", "DE-XETRA-TRADING", "EU-T2S-SETTLEMENT", [t2, t1From2027], "CSDR 5(2)"),
            ]);
    }

    public static ReferenceDataSet Data { get; } = Build();

    private static Security Equity(string isin, string name, string currency, string mic, string convention, string country) =>
        new(isin, name, AssetClass.Equity, currency, mic, convention, 1m, null, null, null, null, country);

    private static CalendarDefinition Calendar(string id, DateOnly[] holidays) => new(id, id, Start, End, holidays, "test");

    private static DateOnly[] Dates(params string[] values) => [.. values.Select(DateOnly.Parse)];
}

/// <summary>Builds OMS messages with valid defaults: a buy of 100 Apple on Nasdaq on Tuesday 24 November 2026.</summary>
internal sealed record MessageBuilder
{
    public OmsTradeMessage Message { get; init; } = new(
        "1", "T-1", 1, "new", "2026-11-24T15:30:00.000Z", "2026-11-24", "ACC-US-001", "buy", CaptureTestData.Apple, "XNAS",
        "100", "187.25", "perUnit", "USD", CaptureTestData.GoldmanSachsInternational, null, null, "corr-1");

    public MessageBuilder With(Func<OmsTradeMessage, OmsTradeMessage> change) => this with { Message = change(Message) };

    public OmsTradeMessage Build() => Message;

    /// <summary>16:00 New York on 24 November 2026.</summary>
    public static DateTimeOffset Now { get; } = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
}
