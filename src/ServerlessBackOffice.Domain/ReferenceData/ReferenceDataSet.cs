using System.Collections.Frozen;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Domain.ReferenceData;

/// <summary>
/// One consistent snapshot of reference data, indexed for lookups on the capture path. Immutable: a reload builds a new
/// snapshot, so a trade is always enriched from one version of the data.
/// </summary>
public sealed class ReferenceDataSet
{
    /// <summary>Indexes the given rows. Duplicate keys are a data error and throw.</summary>
    public ReferenceDataSet(
        IEnumerable<Security> securities,
        IEnumerable<Counterparty> counterparties,
        IEnumerable<Custodian> custodians,
        IEnumerable<Book> books,
        IEnumerable<Account> accounts,
        IEnumerable<CommissionSchedule> commissionSchedules,
        IEnumerable<FeeRule> feeRules,
        IEnumerable<FxRate> fxRates,
        IEnumerable<CalendarDefinition> calendars,
        IEnumerable<SettlementConvention> settlementConventions)
    {
        Securities = securities.ToFrozenDictionary(s => s.Isin, StringComparer.Ordinal);
        Counterparties = counterparties.ToFrozenDictionary(c => c.Lei, StringComparer.Ordinal);
        Custodians = custodians.ToFrozenDictionary(c => c.Lei, StringComparer.Ordinal);
        Books = books.ToFrozenDictionary(b => b.Id, StringComparer.Ordinal);
        Accounts = accounts.ToFrozenDictionary(a => a.Id, StringComparer.Ordinal);
        CommissionSchedules = commissionSchedules.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
        var rules = feeRules.ToList();
        FeeRules = rules;
        Fees = new FeeSchedule(rules);
        FxRates = [.. fxRates];
        CalendarDefinitions = calendars.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
        Calendars = CalendarDefinitions.ToFrozenDictionary(c => c.Key, c => c.Value.ToCalendar(), StringComparer.Ordinal);
        SettlementConventions = settlementConventions.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
        BookTimeZones = Books.ToFrozenDictionary(b => b.Key, b => TimeZoneInfo.FindSystemTimeZoneById(b.Value.TimeZone), StringComparer.Ordinal);
    }

    /// <summary>Securities by ISIN.</summary>
    public FrozenDictionary<string, Security> Securities { get; }

    /// <summary>Counterparties by LEI.</summary>
    public FrozenDictionary<string, Counterparty> Counterparties { get; }

    /// <summary>Custodians by LEI.</summary>
    public FrozenDictionary<string, Custodian> Custodians { get; }

    /// <summary>Books by id.</summary>
    public FrozenDictionary<string, Book> Books { get; }

    /// <summary>Resolved time zones of the books.</summary>
    public FrozenDictionary<string, TimeZoneInfo> BookTimeZones { get; }

    /// <summary>Accounts by id.</summary>
    public FrozenDictionary<string, Account> Accounts { get; }

    /// <summary>Commission schedules by id.</summary>
    public FrozenDictionary<string, CommissionSchedule> CommissionSchedules { get; }

    /// <summary>Every fee rule row with its history.</summary>
    public IReadOnlyList<FeeRule> FeeRules { get; }

    /// <summary>Fee rules indexed for lookup by date.</summary>
    public FeeSchedule Fees { get; }

    /// <summary>Daily FX fixings.</summary>
    public IReadOnlyList<FxRate> FxRates { get; }

    /// <summary>Holiday calendars as stored.</summary>
    public FrozenDictionary<string, CalendarDefinition> CalendarDefinitions { get; }

    /// <summary>Business calendars by id.</summary>
    public FrozenDictionary<string, BusinessCalendar> Calendars { get; }

    /// <summary>Settlement conventions by id.</summary>
    public FrozenDictionary<string, SettlementConvention> SettlementConventions { get; }

    /// <summary>
    /// Checks referential integrity and identifier check digits; returns one line per problem (empty when the set is sound).
    /// A loader refuses a set with problems rather than capturing trades against broken data.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var s in Securities.Values)
        {
            if (!Isin.IsValid(s.Isin)) { problems.Add($"Security {s.Isin}: ISIN check digit is wrong."); }
            if (!Currencies.TryGet(s.Currency, out _)) { problems.Add($"Security {s.Isin}: unknown currency {s.Currency}."); }
            if (!Mics.IsKnown(s.Mic)) { problems.Add($"Security {s.Isin}: unknown MIC {s.Mic}."); }
            if (!SettlementConventions.ContainsKey(s.SettlementConventionId)) { problems.Add($"Security {s.Isin}: unknown settlement convention {s.SettlementConventionId}."); }
            if (s.AssetClass != AssetClass.Equity && (s.CouponRate is null || s.CouponFrequency is null || s.DayCount is null || s.Maturity is null))
            {
                problems.Add($"Security {s.Isin}: a bond needs coupon, frequency, day count and maturity.");
            }
        }

        foreach (var c in Counterparties.Values.Where(c => !Lei.IsValid(c.Lei)))
        {
            problems.Add($"Counterparty {c.Lei}: LEI check digits are wrong.");
        }

        foreach (var c in Custodians.Values.Where(c => !Lei.IsValid(c.Lei)))
        {
            problems.Add($"Custodian {c.Lei}: LEI check digits are wrong.");
        }

        foreach (var a in Accounts.Values)
        {
            if (!Books.ContainsKey(a.BookId)) { problems.Add($"Account {a.Id}: unknown book {a.BookId}."); }
            if (!CommissionSchedules.ContainsKey(a.CommissionScheduleId)) { problems.Add($"Account {a.Id}: unknown commission schedule {a.CommissionScheduleId}."); }
            if (!Custodians.ContainsKey(a.CustodianLei)) { problems.Add($"Account {a.Id}: unknown custodian {a.CustodianLei}."); }
        }

        foreach (var c in SettlementConventions.Values)
        {
            if (!Calendars.ContainsKey(c.TradingCalendarId)) { problems.Add($"Convention {c.Id}: unknown trading calendar {c.TradingCalendarId}."); }
            if (!Calendars.ContainsKey(c.SettlementCalendarId)) { problems.Add($"Convention {c.Id}: unknown settlement calendar {c.SettlementCalendarId}."); }
            if (c.Cycles.Count == 0) { problems.Add($"Convention {c.Id}: no settlement cycle."); }
        }

        return problems;
    }
}
