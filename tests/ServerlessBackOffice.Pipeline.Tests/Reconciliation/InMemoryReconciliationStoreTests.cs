using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Reconciliation;

namespace ServerlessBackOffice.Pipeline.Tests.Reconciliation;

/// <summary>The reconciliation store contract, against the in-memory store.</summary>
public sealed class InMemoryReconciliationStoreTests : ReconciliationStoreContract
{
    protected override Task<IReconciliationStore> CreateStoreAsync() => Task.FromResult<IReconciliationStore>(new InMemoryReconciliationStore());
}
