using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerlessBackOffice.Domain.Ledger;
using ServerlessBackOffice.Domain.Reconciliation;
using ServerlessBackOffice.Pipeline.Archive;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ledger;
using ServerlessBackOffice.Pipeline.Reconciliation;

namespace ServerlessBackOffice.Pipeline.Tests.Reconciliation;

/// <summary>The reconciliation handler over in-memory adapters, with a ledger seeded line by line.</summary>
internal sealed class ReconciliationHarness
{
    public const string Account = "ACC-US-004";
    public const string Book = "NY-CASH";
    public const string Custodian = "571474TGEMMWANRLN572";
    public const string Apple = "US0378331005";
    public const string Msft = "US5949181045";

    /// <summary>Tuesday 24 November 2026.</summary>
    public static readonly DateOnly Day = new(2026, 11, 24);

    private int _entries;

    public InMemoryLedgerStore Ledger { get; } = new();

    public InMemoryArchiveStore Archive { get; } = new();

    public FakeTimeProvider Clock { get; } = new(SampleData.Now);

    public IReconciliationStore Store { get; }

    public ReconciliationHandler Handler { get; }

    public ReconciliationHarness(IReconciliationStore? store = null)
    {
        Store = store ?? new InMemoryReconciliationStore();
        Handler = new ReconciliationHandler(Store, Ledger, new InMemoryReferenceDataSource(SampleData.ReferenceData), Archive, Clock, NullLogger<ReconciliationHandler>.Instance);
    }

    /// <summary>Posts a balanced entry moving <paramref name="amount"/> of an asset into an account kind (against custody).</summary>
    public async Task PostAsync(AccountKind kind, string asset, decimal amount, DateOnly? valueDate = null, string account = Account)
    {
        var id = $"SEED-{++_entries}";
        var entry = new JournalEntry(id, Book, EntryKind.TradeDate, valueDate ?? Day, id, "seed",
        [
            new JournalLine(new LedgerAccount(Book, kind, account, asset), amount),
            new JournalLine(new LedgerAccount(Book, AccountKind.Custody, Custodian, asset), -amount),
        ]);
        var loaded = await Ledger.LoadAsync(id, CancellationToken.None);
        var decision = new PostingDecision(loaded.State with { EntryCount = 1 }, new PostingOutcome(PostingResult.Posted, [entry]));
        if (!await Ledger.TryCommitAsync(loaded, decision, CancellationToken.None))
        {
            throw new InvalidOperationException("Seed commit failed.");
        }
    }

    public static byte[] Holdings(string statementId, DateOnly date, params (string Isin, string Quantity)[] lines) =>
        StatementSimulator.ToJson(new HoldingsStatementWire(1, statementId, Custodian, Account, Text(date), lines.Select(l => new HoldingsStatementLineWire(l.Isin, l.Quantity)).ToList()));

    public static byte[] Cash(string statementId, DateOnly date, params (string Currency, string Balance)[] lines) =>
        StatementSimulator.ToJson(new CashStatementWire(1, statementId, Custodian, Account, Text(date), lines.Select(l => new CashStatementLineWire(l.Currency, l.Balance)).ToList()));

    public Task<ReconciliationResult> DeliverHoldings(byte[] body, string? messageId = null) =>
        Handler.HandleHoldingsAsync(new InboundMessage(messageId ?? "M-" + Guid.NewGuid().ToString("N"), body, 1), TestContext.Current.CancellationToken);

    public Task<ReconciliationResult> DeliverCash(byte[] body, string? messageId = null) =>
        Handler.HandleCashAsync(new InboundMessage(messageId ?? "M-" + Guid.NewGuid().ToString("N"), body, 1), TestContext.Current.CancellationToken);

    public async Task<IReadOnlyList<TrackedBreak>> BreaksAsync(HoldingKind kind = HoldingKind.Securities)
    {
        var document = await Store.GetAsync(Account, kind, TestContext.Current.CancellationToken);
        return document?.Breaks.Select(b => b.ToTracked()).ToList() ?? [];
    }

    public async Task<List<string>> ArchivedNamesAsync()
    {
        var names = new List<string>();
        await foreach (var day in Archive.DaysAsync(TestContext.Current.CancellationToken))
        {
            await foreach (var record in Archive.ListAsync(day, TestContext.Current.CancellationToken))
            {
                names.Add(record.Name);
            }
        }

        return names;
    }

    public async Task<JsonDocument> ArchivedJsonAsync(string name)
    {
        await foreach (var day in Archive.DaysAsync(TestContext.Current.CancellationToken))
        {
            await using var stream = await Archive.OpenAsync(day, name, TestContext.Current.CancellationToken);
            if (stream is not null)
            {
                return await JsonDocument.ParseAsync(stream, cancellationToken: TestContext.Current.CancellationToken);
            }
        }

        throw new InvalidOperationException($"{name} is not archived.");
    }

    public static byte[] Raw(string body) => Encoding.UTF8.GetBytes(body);

    private static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
