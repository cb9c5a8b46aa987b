using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Ledger;

namespace ServerlessBackOffice.Pipeline.Tests.Ledger;

/// <summary>The ledger store contract, against the in-memory store.</summary>
public sealed class InMemoryLedgerStoreTests : LedgerStoreContract
{
    protected override Task<ILedgerStore> CreateStoreAsync() => Task.FromResult<ILedgerStore>(new InMemoryLedgerStore());
}
