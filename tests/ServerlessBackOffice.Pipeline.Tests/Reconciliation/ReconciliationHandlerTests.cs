using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Pipeline.Reconciliation;
using static ServerlessBackOffice.Pipeline.Tests.Reconciliation.ReconciliationHarness;

namespace ServerlessBackOffice.Pipeline.Tests.Reconciliation;

/// <summary>The reconciliation handler: every break class, ageing, clearing, idempotency and bad input.</summary>
public sealed class ReconciliationHandlerTests
{
    private readonly ReconciliationHarness _stage = new();

    [Fact]
    public async Task HoldingsStatement_ThatAgreesWithOurSettledPositions_OpensNoBreak()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.PostAsync(AccountKind.PositionSettled, Msft, 50m);

        var result = await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100"), (Msft, "50.000")));

        Assert.Equal(ReconciliationOutcomes.Applied, result.Outcome);
        Assert.Equal(MessageDisposition.Complete, result.Disposition);
        Assert.Equal(0, result.Open);
        Assert.Empty(await _stage.BreaksAsync());
    }

    [Fact]
    public async Task HoldingsStatement_WithADifferentQuantity_OpensAQuantityBreak()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);

        var result = await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal(1, result.Opened);
        Assert.Equal(BreakType.QuantityBreak, item.Latest.Type);
        Assert.Equal(-10m, item.Latest.Difference);
        Assert.Equal(Day, item.FirstSeen);
        Assert.True(item.IsOpen);
    }

    [Fact]
    public async Task CashStatement_WithADifferentBalance_OpensACashBreak()
    {
        await _stage.PostAsync(AccountKind.CashSettled, "USD", -18725.50m);

        await _stage.DeliverCash(Cash("C-1", Day, ("USD", "-18725.00")));

        var item = Assert.Single(await _stage.BreaksAsync(HoldingKind.Cash));
        Assert.Equal(BreakType.CashBreak, item.Latest.Type);
        Assert.Equal(0.50m, item.Latest.Difference);
        Assert.Empty(await _stage.BreaksAsync(HoldingKind.Securities));
    }

    [Fact]
    public async Task HoldingsStatement_WithoutAPositionWeHold_OpensMissingAtCustodian()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.PostAsync(AccountKind.PositionSettled, Msft, 50m);

        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal((Msft, BreakType.MissingAtCustodian, 50m, 0m), (item.Latest.Asset, item.Latest.Type, item.Latest.Ours, item.Latest.Theirs));
    }

    [Fact]
    public async Task HoldingsStatement_WithAPositionOurBooksDoNotHave_OpensMissingInOurBooks()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);

        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100"), (Msft, "7")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal((Msft, BreakType.MissingInOurBooks, 0m, 7m), (item.Latest.Asset, item.Latest.Type, item.Latest.Ours, item.Latest.Theirs));
    }

    [Fact]
    public async Task HoldingsStatement_ThatAlreadyCountsOurPendingSettlement_OpensATimingDifference()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.PostAsync(AccountKind.PositionPending, Apple, 25m);

        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "125")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal(BreakType.TimingDifference, item.Latest.Type);
        Assert.Equal(25m, item.Latest.Pending);
    }

    [Fact]
    public async Task CashStatement_ThatAlreadyCountsPendingCashAndAccruedInterest_OpensATimingDifference()
    {
        await _stage.PostAsync(AccountKind.CashSettled, "USD", 1000m);
        await _stage.PostAsync(AccountKind.CashPending, "USD", -400m);
        await _stage.PostAsync(AccountKind.AccruedInterest, "USD", -12.34m);

        await _stage.DeliverCash(Cash("C-1", Day, ("USD", "587.66")));

        Assert.Equal(BreakType.TimingDifference, Assert.Single(await _stage.BreaksAsync(HoldingKind.Cash)).Latest.Type);
    }

    [Fact]
    public async Task Ledger_IsReadAsOfTheStatementDate_NotIncludingLaterValueDates()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 30m, Day.AddDays(1));

        var result = await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100")));

        Assert.Equal(0, result.Open);
    }

    [Fact]
    public async Task Break_ThatALaterStatementAgreesWith_ClosesWithAReferenceToThatStatement()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));

        var result = await _stage.DeliverHoldings(Holdings("S-2", Day.AddDays(1), (Apple, "100")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal((1, 0), (result.Cleared, result.Open));
        Assert.False(item.IsOpen);
        Assert.Equal(Day.AddDays(1), item.ClearedOn);
        Assert.Equal("S-2", item.ClearedBy);
        using var change = await _stage.ArchivedJsonAsync(ReconciliationHandler.ChangeRecordName(Account, HoldingKind.Securities, "S-2"));
        var cleared = Assert.Single(change.RootElement.GetProperty("cleared").EnumerateArray());
        Assert.Equal("S-2", cleared.GetProperty("break").GetProperty("clearedBy").GetString());
    }

    [Fact]
    public async Task Break_ThatPersists_AgesInBusinessDays_SkippingTheWeekend()
    {
        var friday = new DateOnly(2026, 11, 27);
        var monday = new DateOnly(2026, 11, 30);
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.DeliverHoldings(Holdings("S-FRI", friday, (Apple, "90")));

        await _stage.DeliverHoldings(Holdings("S-MON", monday, (Apple, "80")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.Equal(friday, item.FirstSeen);
        Assert.Equal(-20m, item.Latest.Difference);
        Assert.Equal(1, item.AgeInBusinessDays(monday, ReconciliationHandler.IsBusinessDay));
        using var change = await _stage.ArchivedJsonAsync(ReconciliationHandler.ChangeRecordName(Account, HoldingKind.Securities, "S-MON"));
        Assert.Equal(1, Assert.Single(change.RootElement.GetProperty("continuing").EnumerateArray()).GetProperty("ageBusinessDays").GetInt32());
    }

    [Fact]
    public async Task Break_ThatReappearsAfterItCleared_OpensAgainAsANewBreak()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));
        await _stage.DeliverHoldings(Holdings("S-2", Day.AddDays(1), (Apple, "100")));

        await _stage.DeliverHoldings(Holdings("S-3", Day.AddDays(2), (Apple, "95")));

        var item = Assert.Single(await _stage.BreaksAsync());
        Assert.True(item.IsOpen);
        Assert.Equal(Day.AddDays(2), item.FirstSeen);
    }

    [Fact]
    public async Task Redelivery_OfTheSameMessage_ChangesNothingAndArchivesNothingNew()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        var body = Holdings("S-1", Day, (Apple, "90"));
        await _stage.DeliverHoldings(body, "M-1");
        var before = await _stage.Store.GetAsync(Account, HoldingKind.Securities, TestContext.Current.CancellationToken);
        var archived = await _stage.ArchivedNamesAsync();

        var again = await _stage.DeliverHoldings(body, "M-1");

        var after = await _stage.Store.GetAsync(Account, HoldingKind.Securities, TestContext.Current.CancellationToken);
        Assert.Equal(ReconciliationOutcomes.AlreadyApplied, again.Outcome);
        Assert.Equal(MessageDisposition.Complete, again.Disposition);
        Assert.Equal(before!.ETag, after!.ETag);
        Assert.Equal(archived, await _stage.ArchivedNamesAsync());
    }

    [Fact]
    public async Task SameStatement_ResentUnderANewMessageId_IsAlreadyApplied()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        var body = Holdings("S-1", Day, (Apple, "90"));
        await _stage.DeliverHoldings(body, "M-1");

        var again = await _stage.DeliverHoldings(body, "M-2");

        Assert.Equal(ReconciliationOutcomes.AlreadyApplied, again.Outcome);
        Assert.Single(await _stage.BreaksAsync());
    }

    [Fact]
    public async Task Statement_OlderThanTheLatestApplied_IsStaleAndNeitherOpensNorClears()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.DeliverHoldings(Holdings("S-2", Day.AddDays(1), (Apple, "90")));

        var late = await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100")));

        Assert.Equal(ReconciliationOutcomes.Stale, late.Outcome);
        Assert.True(Assert.Single(await _stage.BreaksAsync()).IsOpen);
    }

    [Fact]
    public async Task CrashAfterTheStoreWrite_TheRedeliveryArchivesTheSameChangeRecord()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        var statement = StatementParser.ParseHoldings(Holdings("S-1", Day, (Apple, "90"))).Statement!;
        var ours = (await LedgerHoldings.ReadBookAsync(_stage.Ledger, Book, Day, TestContext.Current.CancellationToken)).Of(Account, HoldingKind.Securities);
        var (next, _) = ReconciliationHandler.Apply(ReconciliationDocument.Empty(Account, HoldingKind.Securities), statement, ours, "M-1", Day);
        await _stage.Store.TryWriteAsync(next, null, TestContext.Current.CancellationToken);

        var result = await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")), "M-1");

        Assert.Equal(ReconciliationOutcomes.AlreadyApplied, result.Outcome);
        Assert.Contains(ReconciliationHandler.ChangeRecordName(Account, HoldingKind.Securities, "S-1"), await _stage.ArchivedNamesAsync());
    }

    [Fact]
    public async Task LostWriteRace_DecidesAgainFromTheWinnersState()
    {
        var store = new RacingStore(new InMemoryReconciliationStore(), lose: 2);
        var stage = new ReconciliationHarness(store);
        await stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);

        var result = await stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "90")));

        Assert.Equal(ReconciliationOutcomes.Applied, result.Outcome);
        Assert.Equal(3, store.Attempts);
    }

    [Theory]
    [InlineData("not json", StatementParser.MalformedReason)]
    [InlineData("null", StatementParser.MalformedReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[{"isin":"US0378331005","quantity":100}]}""", StatementParser.MalformedReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[],"extra":1}""", StatementParser.MalformedReason)]
    [InlineData("""{"schemaVersion":2,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[]}""", StatementParser.UnsupportedVersionReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"nope","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[]}""", StatementParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"24/11/2026","holdings":[]}""", StatementParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","holdings":[{"isin":"US0378331005","quantity":"1"},{"isin":"US0378331005","quantity":"2"}]}""", StatementParser.InvalidFieldReason)]
    [InlineData("""{"schemaVersion":1,"statementId":"S","custodianLei":"571474TGEMMWANRLN572","account":"ACC-XX-999","statementDate":"2026-11-24","holdings":[]}""", StatementParser.UnknownAccountReason)]
    public async Task BadHoldingsStatement_IsDeadLetteredWithItsReason_AndTheReasonIsArchived(string body, string reason)
    {
        var result = await _stage.DeliverHoldings(Raw(body), "M-BAD");

        Assert.Equal(MessageDisposition.DeadLetter, result.Disposition);
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Description));
        using var archived = await _stage.ArchivedJsonAsync(ReconciliationHandler.DeadLetterRecordName("M-BAD"));
        Assert.Equal(reason, archived.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task BadCashStatement_WithAnAmountAsANumber_IsDeadLettered()
    {
        var result = await _stage.DeliverCash(Raw("""{"schemaVersion":1,"statementId":"C","servicerLei":"571474TGEMMWANRLN572","account":"ACC-US-004","statementDate":"2026-11-24","balances":[{"currency":"USD","closingBalance":1.5}]}"""));

        Assert.Equal((MessageDisposition.DeadLetter, StatementParser.MalformedReason), (result.Disposition, result.Reason));
    }

    [Fact]
    public async Task MessageId_ReusedForADifferentBody_IsDeadLettered()
    {
        await _stage.PostAsync(AccountKind.PositionSettled, Apple, 100m);
        await _stage.DeliverHoldings(Holdings("S-1", Day, (Apple, "100")), "M-1");

        var result = await _stage.DeliverHoldings(Holdings("S-2", Day, (Apple, "100")), "M-1");

        Assert.Equal((MessageDisposition.DeadLetter, ReconciliationHandler.MessageIdReusedReason), (result.Disposition, result.Reason));
    }

    /// <summary>Loses the first <c>lose</c> writes to a concurrent writer that changes nothing but the token.</summary>
    private sealed class RacingStore(IReconciliationStore inner, int lose) : IReconciliationStore
    {
        public int Attempts { get; private set; }

        public Task<ReconciliationDocument?> GetAsync(string account, HoldingKind kind, CancellationToken cancellationToken) => inner.GetAsync(account, kind, cancellationToken);

        public async Task<StoreWriteResult> TryWriteAsync(ReconciliationDocument document, string? expectedETag, CancellationToken cancellationToken)
        {
            Attempts++;
            if (Attempts <= lose)
            {
                var current = await inner.GetAsync(document.Account, document.Kind, cancellationToken);
                await inner.TryWriteAsync(current ?? ReconciliationDocument.Empty(document.Account, document.Kind), current?.ETag, cancellationToken);
            }

            return await inner.TryWriteAsync(document, expectedETag, cancellationToken);
        }

        public IAsyncEnumerable<ReconciliationDocument> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);
    }
}
