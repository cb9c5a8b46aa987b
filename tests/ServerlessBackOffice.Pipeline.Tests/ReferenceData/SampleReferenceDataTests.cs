using ServerlessBackOffice.Domain.Trading;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.ReferenceData;

public sealed class SampleReferenceDataTests
{
    private static readonly Domain.ReferenceData.ReferenceDataSet Data = SampleData.ReferenceData;

    [Fact]
    public void SampleSet_LoadsWithoutIntegrityProblems() => Assert.Empty(Data.Problems());

    [Fact]
    public void EveryIsinAndLeiCheckDigit_IsValid()
    {
        Assert.All(Data.Securities.Keys, isin => Assert.True(Isin.IsValid(isin), isin));
        Assert.All(Data.Counterparties.Keys, lei => Assert.True(Lei.IsValid(lei), lei));
        Assert.All(Data.Custodians.Keys, lei => Assert.True(Lei.IsValid(lei), lei));
        Assert.All(Data.Accounts.Values, a => Assert.True(Lei.IsValid(a.CustodianLei), a.Id));
    }

    [Fact]
    public void Securities_AreAtLeast200AcrossUsUkAndEuroAreaEquitiesTreasuriesAndCorporates()
    {
        Assert.True(Data.Securities.Count >= 200, $"{Data.Securities.Count} securities");
        var equities = Data.Securities.Values.Where(s => s.AssetClass == AssetClass.Equity).ToList();
        Assert.Contains(equities, s => s.Currency == "USD");
        Assert.Contains(equities, s => s.Currency == "GBP");
        Assert.Contains(equities, s => s.Currency == "EUR" && s.IssuerCountry == "FR");
        Assert.Contains(equities, s => s.Currency == "EUR" && s.IssuerCountry == "DE");
        Assert.True(Data.Securities.Values.Count(s => s.AssetClass == AssetClass.GovernmentBond) >= 10);
        Assert.True(Data.Securities.Values.Count(s => s.AssetClass == AssetClass.CorporateBond) >= 5);
        Assert.All(Data.Securities.Values.Where(s => s.AssetClass != AssetClass.Equity), b => Assert.True(b.Maturity > new DateOnly(2026, 12, 31), b.Isin));
    }

    [Fact]
    public void Counterparties_AreExactlyTheTwentyPartiesOfTheCounterpartyTopic()
    {
        var topology = TopologyDocument.Default.Topic("counterpartyOutbound").Subscriptions
            .Select(s => s.Party!).ToDictionary(p => p.Lei, p => p.Name);

        Assert.Equal(20, topology.Count);
        Assert.Equal(topology.Keys.Order(), Data.Counterparties.Keys.Order());
        Assert.All(Data.Counterparties.Values, c => Assert.Equal(topology[c.Lei], c.Name));
    }

    [Fact]
    public void Custodians_AreExactlyTheThreePartiesOfTheCustodianTopic()
    {
        var topology = TopologyDocument.Default.Topic("custodianOutbound").Subscriptions.Select(s => s.Party!).ToList();
        Assert.Equal(3, topology.Count);
        Assert.Equal(topology.Select(p => (p.Lei, p.Name)).Order(), Data.Custodians.Values.Select(c => (c.Lei, c.Name)).Order());
    }

    [Fact]
    public void Accounts_AreFiftyInThreeBooksEachWithAnIanaZone()
    {
        Assert.Equal(50, Data.Accounts.Count);
        Assert.Equal(3, Data.Accounts.Values.Select(a => a.BookId).Distinct().Count());
        Assert.Equal(["America/New_York", "Europe/London", "Europe/Paris"], Data.Books.Values.Select(b => b.TimeZone).Order());
    }

    [Fact]
    public void FeeRates_EachNameTheirSource() =>
        Assert.All(Data.FeeRules, f => Assert.False(string.IsNullOrWhiteSpace(f.Source), f.Code));

    [Fact]
    public void SsiChanges_AreNewRowsAndTheOldRowStillAppliesBeforeTheChange()
    {
        var changed = Data.Counterparties.Values.First(c => c.Ssis.Count(s => s.Market == "US-EQUITY") > 1);
        var before = changed.SsiOn("US-EQUITY", "USD", new DateOnly(2026, 5, 29))!;
        var after = changed.SsiOn("US-EQUITY", "USD", new DateOnly(2026, 6, 1))!;
        Assert.NotEqual(before.SafekeepingAccount, after.SafekeepingAccount);
    }

    [Theory]
    [InlineData("US-NYSE-TRADING", "2025-01-09", false)] // national day of mourning for President Carter
    [InlineData("US-NYSE-TRADING", "2026-10-12", true)] // Columbus Day: NYSE open
    [InlineData("US-SETTLEMENT", "2026-10-12", false)] // ... but no settlement
    [InlineData("US-SETTLEMENT", "2027-11-11", false)] // Veterans Day
    [InlineData("US-NYSE-TRADING", "2027-03-26", false)] // Good Friday 2027
    [InlineData("US-NYSE-TRADING", "2028-06-19", false)] // Juneteenth
    [InlineData("UK-LSE-TRADING", "2026-12-28", false)] // Boxing Day substitute
    [InlineData("UK-CREST-SETTLEMENT", "2028-01-03", false)] // New Year substitute
    [InlineData("UK-LSE-TRADING", "2026-08-31", false)] // Summer bank holiday
    [InlineData("DE-XETRA-TRADING", "2026-12-31", false)]
    [InlineData("EU-T2S-SETTLEMENT", "2026-12-31", true)]
    [InlineData("EU-T2S-SETTLEMENT", "2028-04-17", false)] // Easter Monday 2028
    public void Calendars_KnowRealHolidays(string calendar, string date, bool isBusinessDay) => Assert.Equal(isBusinessDay, Data.Calendars[calendar].IsBusinessDay(DateOnly.Parse(date)));

    [Theory]
    [InlineData("US0378331005", "2026-11-25", "2026-11-27")] // Thanksgiving
    [InlineData("US0378331005", "2026-10-09", "2026-10-13")] // Columbus Day
    [InlineData("US91282CLW90", "2026-11-10", "2026-11-12")] // Veterans Day closes the Treasury market's settlement too
    [InlineData("GB0005405286", "2027-10-08", "2027-10-12")] // last UK T+2 trade date
    [InlineData("GB0005405286", "2027-10-11", "2027-10-12")] // first UK T+1 trade date
    [InlineData("FR0000120271", "2027-10-08", "2027-10-12")]
    [InlineData("FR0000120271", "2027-10-11", "2027-10-12")]
    [InlineData("DE0007164600", "2026-12-23", "2026-12-28")] // T2S settles on 24 December although Xetra is closed
    public void SettlementDates_FromTheSampleData(string isin, string tradeDate, string settlementDate)
    {
        var security = Data.Securities[isin];
        var convention = Data.SettlementConventions[security.SettlementConventionId];
        var computed = SettlementDates.Compute(DateOnly.Parse(tradeDate), convention.Cycles, Data.Calendars[convention.SettlementCalendarId]);
        Assert.Equal(DateOnly.Parse(settlementDate), computed);
    }
}
