using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Reconciliation;

namespace ServerlessBackOffice.Pipeline.Tests.Reconciliation;

/// <summary>The simulated custodian: agreeing statements except for seeded breaks, which the reconciliation finds exactly.</summary>
public sealed class StatementSimulatorTests
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    private static readonly SimulatedAccount[] Accounts = [.. Enumerable.Range(1, 8).Select(i => new SimulatedAccount($"ACC-{i:000}", "571474TGEMMWANRLN572"))];

    private static readonly string[] Isins = ["US0378331005", "US5949181045", "US88160R1014", "GB0002634946", "FR0000120271", "DE0007164600"];

    private static List<Holding> Settled() =>
    [
        .. Accounts.SelectMany(a => Isins.Select((isin, i) => new Holding(a.Account, HoldingKind.Securities, isin, 100m * (i + 1)))),
        .. Accounts.SelectMany(a => new[] { new Holding(a.Account, HoldingKind.Cash, "USD", 12345.67m), new Holding(a.Account, HoldingKind.Cash, "JPY", -5000m) }),
    ];

    private static List<Holding> Pending() => [.. Accounts.Select(a => new Holding(a.Account, HoldingKind.Securities, Isins[0], 10m))];

    [Fact]
    public void SimulatedStatements_AreValidAgainstTheirPublishedSchemas()
    {
        var holdingsSchema = Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "holdings-statement-v1.schema.json"));
        var cashSchema = Json.Schema.JsonSchema.FromFile(RepositoryRoot.Combine("docs", "contracts", "cash-statement-v1.schema.json"));
        var statements = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed: 3, breakRate: 0.3);

        foreach (var statement in statements.Holdings)
        {
            using var body = System.Text.Json.JsonDocument.Parse(StatementSimulator.ToJson(statement));
            Assert.True(holdingsSchema.Evaluate(body.RootElement).IsValid, body.RootElement.GetRawText());
        }

        foreach (var statement in statements.Cash)
        {
            using var body = System.Text.Json.JsonDocument.Parse(StatementSimulator.ToJson(statement));
            Assert.True(cashSchema.Evaluate(body.RootElement).IsValid, body.RootElement.GetRawText());
        }

        // A number where the contract wants a decimal string is refused by the schema as by the parser.
        using var numeric = System.Text.Json.JsonDocument.Parse("""{"schemaVersion":1,"statementId":"S-1","servicerLei":"571474TGEMMWANRLN572","account":"ACC-001","statementDate":"2026-11-24","balances":[{"currency":"USD","closingBalance":12.5}]}""");
        Assert.False(cashSchema.Evaluate(numeric.RootElement).IsValid);
    }

    [Fact]
    public void ZeroBreakRate_ProducesStatementsThatAgreeWithOurBooks()
    {
        var statements = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed: 7, breakRate: 0);

        Assert.Empty(statements.Planted);
        Assert.Equal(Accounts.Length, statements.Holdings.Count);
        Assert.Equal(Accounts.Length, statements.Cash.Count);
        Assert.Empty(Reconcile(statements));
    }

    [Fact]
    public void Breaks_DependOnTheSeedAndTheHoldingOnly_NotOnInputOrder()
    {
        var forward = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed: 11, breakRate: 0.3);
        var backward = StatementSimulator.Generate(Day, Accounts.Reverse(), Enumerable.Reverse(Settled()), Pending(), seed: 11, breakRate: 0.3);
        var otherSeed = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed: 12, breakRate: 0.3);

        Assert.Equal(forward.Planted, backward.Planted);
        Assert.Equal(forward.Holdings.Select(StatementSimulator.ToJson).Select(Convert.ToBase64String), backward.Holdings.Select(StatementSimulator.ToJson).Select(Convert.ToBase64String));
        Assert.NotEqual(forward.Planted, otherSeed.Planted);
        Assert.Contains(forward.Planted, p => p.Type == BreakType.QuantityBreak);
    }

    [Fact]
    public void PlantedBreaks_AreExactlyWhatTheReconciliationFinds()
    {
        Prop.ForAll(Gen.Choose(0, 10_000).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (seed, percent) =>
        {
            var statements = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed, percent / 100d);
            var found = Reconcile(statements).Select(b => new PlantedBreak(b.Account, b.Kind, b.Asset, b.Type)).OrderBy(b => b.ToString(), StringComparer.Ordinal);
            return found.SequenceEqual(statements.Planted.OrderBy(b => b.ToString(), StringComparer.Ordinal));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PlantedBreaks_ForTheSeedThatOnceCollidedWithPending_AreWhatTheReconciliationFinds()
    {
        var statements = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), 4205, 0.66);

        var found = Reconcile(statements).Select(b => new PlantedBreak(b.Account, b.Kind, b.Asset, b.Type)).OrderBy(b => b.ToString(), StringComparer.Ordinal);
        Assert.Equal(statements.Planted.OrderBy(b => b.ToString(), StringComparer.Ordinal), found);
    }

    [Fact]
    public void GeneratedStatements_PassTheStrictParsers()
    {
        var statements = StatementSimulator.Generate(Day, Accounts, Settled(), Pending(), seed: 3, breakRate: 0.5);

        Assert.All(statements.Holdings, s => Assert.Null(StatementParser.ParseHoldings(StatementSimulator.ToJson(s)).Problem));
        Assert.All(statements.Cash, s => Assert.Null(StatementParser.ParseCash(StatementSimulator.ToJson(s)).Problem));
    }

    private static List<ReconciliationBreak> Reconcile(SimulatedStatements statements)
    {
        var theirs = statements.Holdings.Select(s => StatementParser.ParseHoldings(StatementSimulator.ToJson(s)).Statement!)
            .Concat(statements.Cash.Select(s => StatementParser.ParseCash(StatementSimulator.ToJson(s)).Statement!))
            .SelectMany(s => s.Lines);
        return [.. Reconciler.Compare(Day, Settled(), Pending(), theirs)];
    }
}
