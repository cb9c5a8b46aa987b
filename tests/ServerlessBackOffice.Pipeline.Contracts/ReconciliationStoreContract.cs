using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Reconciliation;
using Xunit;

namespace ServerlessBackOffice.Pipeline.Contracts;

/// <summary>
/// What every reconciliation store must do, whatever its technology: the in-memory store runs these in Pipeline.Tests,
/// the Cosmos store the same class against the Cosmos stand-in in IntegrationTests.
/// </summary>
public abstract class ReconciliationStoreContract
{
    private static readonly DateOnly Day = new(2026, 11, 24);

    protected abstract Task<IReconciliationStore> CreateStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A state with one open break and one cleared, amounts that a double would not keep exactly, and a pending record.</summary>
    public static ReconciliationDocument Sample(string account, HoldingKind kind = HoldingKind.Securities)
    {
        var open = new TrackedBreak(
            new ReconciliationBreak(Reconciler.BreakIdFor(account, kind, "US0378331005"), Day, account, kind, "US0378331005", BreakType.QuantityBreak, 12345678901234.123456m, 12345678901234.123457m, 0m),
            Day.AddDays(-3), null, null, false, null);
        var cleared = new TrackedBreak(
            new ReconciliationBreak(Reconciler.BreakIdFor(account, kind, "US5949181045"), Day.AddDays(-1), account, kind, "US5949181045", BreakType.TimingDifference, 100m, 125m, 25m),
            Day.AddDays(-2), Day, "S-2", false, null);
        return new ReconciliationDocument(
            account, kind, Day, ["S-1", "S-2"], [BreakWire.From(open), BreakWire.From(cleared)],
            new PendingReconciliationRecord(Day, ReconciliationHandler.ChangeRecordName(account, kind, "S-2"), """{"statementId":"S-2"}"""), null);
    }

    [Fact]
    public async Task Get_OfAnUnknownAccount_IsNull()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync("ACC-unknown", HoldingKind.Cash, Ct));
    }

    [Fact]
    public async Task Write_WithoutAToken_CreatesOnlyOnce()
    {
        var store = await CreateStoreAsync();

        var first = await store.TryWriteAsync(Sample("ACC-create"), null, Ct);
        var second = await store.TryWriteAsync(Sample("ACC-create"), null, Ct);

        Assert.True(first.Written);
        Assert.NotNull(first.ETag);
        Assert.False(second.Written);
    }

    [Fact]
    public async Task Read_ReturnsWhatWasWritten_ExactAmountsAndDates()
    {
        var store = await CreateStoreAsync();
        var written = Sample("ACC-roundtrip");
        await store.TryWriteAsync(written, null, Ct);

        var read = await store.GetAsync("ACC-roundtrip", HoldingKind.Securities, Ct);

        Assert.NotNull(read!.ETag);
        Assert.Equal(written.LastStatementDate, read.LastStatementDate);
        Assert.Equal(written.AppliedStatementIds, read.AppliedStatementIds);
        Assert.Equal(written.Breaks, read.Breaks);
        Assert.Equal(written.LastChange, read.LastChange);
        Assert.Equal(0.000001m, Assert.Single(read.OpenBreaks).Latest.Difference);
    }

    [Fact]
    public async Task Replace_WithAStaleToken_IsRefused_AndTheCurrentTokenWins()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteAsync(Sample("ACC-race"), null, Ct);
        var loaded = await store.GetAsync("ACC-race", HoldingKind.Securities, Ct);

        var winner = await store.TryWriteAsync(loaded! with { AppliedStatementIds = ["S-1", "S-2", "S-3"] }, loaded.ETag, Ct);
        var loser = await store.TryWriteAsync(loaded with { AppliedStatementIds = ["S-1", "S-2", "S-4"] }, loaded.ETag, Ct);

        Assert.True(winner.Written);
        Assert.False(loser.Written);
        Assert.Equal("S-3", (await store.GetAsync("ACC-race", HoldingKind.Securities, Ct))!.AppliedStatementIds[^1]);
    }

    [Fact]
    public async Task Kinds_OfOneAccount_AreSeparateDocuments()
    {
        var store = await CreateStoreAsync();

        Assert.True((await store.TryWriteAsync(Sample("ACC-kinds", HoldingKind.Securities), null, Ct)).Written);
        Assert.True((await store.TryWriteAsync(Sample("ACC-kinds", HoldingKind.Cash), null, Ct)).Written);

        Assert.Equal(HoldingKind.Cash, (await store.GetAsync("ACC-kinds", HoldingKind.Cash, Ct))!.Kind);
    }

    [Fact]
    public async Task List_ReturnsEveryAccountsState_InAccountOrder()
    {
        var store = await CreateStoreAsync();
        await store.TryWriteAsync(Sample("ACC-list-2"), null, Ct);
        await store.TryWriteAsync(Sample("ACC-list-1"), null, Ct);

        var listed = new List<ReconciliationDocument>();
        await foreach (var document in store.ListAsync(Ct))
        {
            listed.Add(document);
        }

        Assert.Equal(["ACC-list-1", "ACC-list-2"], listed.Select(d => d.Account).Where(a => a.StartsWith("ACC-list-", StringComparison.Ordinal)));
        Assert.All(listed, d => Assert.Single(d.OpenBreaks));
    }
}
