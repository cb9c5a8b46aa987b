using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Domain.Trading;

namespace ServerlessBackOffice.Pipeline.Reconciliation;

/// <summary>The break the simulator planted on one holding (what the reconciliation should find).</summary>
public sealed record PlantedBreak(string Account, HoldingKind Kind, string Asset, BreakType Type);

/// <summary>A day's simulated statements, with the breaks planted in them.</summary>
public sealed record SimulatedStatements(IReadOnlyList<HoldingsStatementWire> Holdings, IReadOnlyList<CashStatementWire> Cash, IReadOnlyList<PlantedBreak> Planted);

/// <summary>One account the simulated custodian and cash agent report on.</summary>
/// <param name="Account">Our account id.</param>
/// <param name="CustodianLei">Its custodian (also the cash agent here).</param>
public sealed record SimulatedAccount(string Account, string CustodianLei);

/// <summary>
/// The local day run's custodian and cash agent: statements that agree with our books except for a seeded share of
/// breaks. Whether a holding breaks, and how, is decided by the seed, the account, the kind and the asset only — never
/// by arrival order or the date — so a run is reproducible and a planted break persists (and ages) until our books
/// change; a timing difference clears by itself once the trade settles.
/// </summary>
public static class StatementSimulator
{
    /// <summary>An ISIN no account holds, reported for "missing in our books" securities breaks.</summary>
    public const string PhantomIsin = "XS0000000009";

    /// <summary>A currency reported for "missing in our books" cash breaks.</summary>
    public const string PhantomCurrency = "CHF";

    /// <summary>Builds every account's holdings and cash statement for a date.</summary>
    /// <param name="statementDate">The close reported.</param>
    /// <param name="accounts">The accounts reported on (each gets both statements, empty or not).</param>
    /// <param name="ourSettled">Our settled holdings at the close (securities and cash).</param>
    /// <param name="ourPending">Our pending holdings at the close (for timing differences); may be empty.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="breakRate">The share of holdings that break, 0 to 1.</param>
    public static SimulatedStatements Generate(DateOnly statementDate, IEnumerable<SimulatedAccount> accounts, IEnumerable<Holding> ourSettled, IEnumerable<Holding> ourPending, int seed, double breakRate)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(ourSettled);
        ArgumentNullException.ThrowIfNull(ourPending);
        ArgumentOutOfRangeException.ThrowIfLessThan(breakRate, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(breakRate, 1d);
        var settled = ourSettled.Where(h => h.Amount != 0m).GroupBy(h => (h.Account, h.Kind, h.Asset)).ToDictionary(g => g.Key, g => g.Sum(h => h.Amount));
        var pending = ourPending.GroupBy(h => (h.Account, h.Kind, h.Asset)).ToDictionary(g => g.Key, g => g.Sum(h => h.Amount));
        var holdings = new List<HoldingsStatementWire>();
        var cash = new List<CashStatementWire>();
        var planted = new List<PlantedBreak>();
        var date = statementDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var account in accounts.DistinctBy(a => a.Account).OrderBy(a => a.Account, StringComparer.Ordinal))
        {
            foreach (var kind in new[] { HoldingKind.Securities, HoldingKind.Cash })
            {
                var lines = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
                var ours = settled.Where(s => s.Key.Account == account.Account && s.Key.Kind == kind).OrderBy(s => s.Key.Asset, StringComparer.Ordinal);
                foreach (var (key, amount) in ours)
                {
                    var roll = Unit(seed, "break", account.Account, kind, key.Asset);
                    if (roll >= breakRate)
                    {
                        lines[key.Asset] = amount;
                        continue;
                    }

                    var variant = Unit(seed, "variant", account.Account, kind, key.Asset);
                    var pendingAmount = pending.GetValueOrDefault(key);
                    if (variant < 0.2 && pendingAmount != 0m)
                    {
                        lines[key.Asset] = amount + pendingAmount;
                        planted.Add(new PlantedBreak(account.Account, kind, key.Asset, BreakType.TimingDifference));
                    }
                    else if (variant < 0.4)
                    {
                        planted.Add(new PlantedBreak(account.Account, kind, key.Asset, BreakType.MissingAtCustodian));
                    }
                    else if (variant < 0.55)
                    {
                        lines[key.Asset] = amount;
                        var phantom = kind == HoldingKind.Securities ? PhantomIsin : PhantomCurrency;
                        if (!settled.ContainsKey((account.Account, kind, phantom)) && !lines.ContainsKey(phantom))
                        {
                            lines[phantom] = Math.Abs(Delta(seed, account.Account, kind, phantom, kind == HoldingKind.Securities ? 0 : 2));
                            planted.Add(new PlantedBreak(account.Account, kind, phantom, BreakType.MissingInOurBooks));
                        }
                    }
                    else
                    {
                        var scale = kind == HoldingKind.Securities ? 0 : (Currencies.TryGet(key.Asset, out var currency) ? currency.MinorUnits : 2);
                        var delta = Delta(seed, account.Account, kind, key.Asset, scale);
                        // A zero line would read as missing, and a difference equal to what is pending as a timing difference.
                        delta = amount + delta == 0m ? -delta : delta;
                        delta = delta == pendingAmount ? delta * 2 : delta;
                        lines[key.Asset] = amount + delta;
                        planted.Add(new PlantedBreak(account.Account, kind, key.Asset, kind == HoldingKind.Securities ? BreakType.QuantityBreak : BreakType.CashBreak));
                    }
                }

                var statementId = $"{(kind == HoldingKind.Securities ? "SEMT" : "CAMT")}-{account.Account}-{date}";
                if (kind == HoldingKind.Securities)
                {
                    holdings.Add(new HoldingsStatementWire(1, statementId, account.CustodianLei, account.Account, date,
                        lines.Select(l => new HoldingsStatementLineWire(l.Key, Text(l.Value))).ToList()));
                }
                else
                {
                    cash.Add(new CashStatementWire(1, statementId, account.CustodianLei, account.Account, date,
                        lines.Select(l => new CashStatementLineWire(l.Key, Text(l.Value))).ToList()));
                }
            }
        }

        return new SimulatedStatements(holdings, cash, planted);
    }

    /// <summary>A statement as its message body (the contract's JSON).</summary>
    public static byte[] ToJson(HoldingsStatementWire statement) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(statement, StatementJsonContext.Default.HoldingsStatementWire);

    /// <summary>A statement as its message body (the contract's JSON).</summary>
    public static byte[] ToJson(CashStatementWire statement) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(statement, StatementJsonContext.Default.CashStatementWire);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A non-zero difference: 1 to 100 units at the given scale, either sign.</summary>
    private static decimal Delta(int seed, string account, HoldingKind kind, string asset, int scale)
    {
        var magnitude = 1 + (long)(Unit(seed, "delta", account, kind, asset) * 100 * Math.Pow(10, scale));
        var value = magnitude / (decimal)Math.Pow(10, scale);
        return Unit(seed, "sign", account, kind, asset) < 0.5 ? -value : value;
    }

    /// <summary>A uniform number in [0, 1) from the seed and the holding only (SHA-256: stable across runtimes and processes).</summary>
    private static double Unit(int seed, string purpose, string account, HoldingKind kind, string asset)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|', seed.ToString(CultureInfo.InvariantCulture), purpose, account, kind.ToString(), asset)));
        return (BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11) * (1.0 / (1UL << 53));
    }
}
