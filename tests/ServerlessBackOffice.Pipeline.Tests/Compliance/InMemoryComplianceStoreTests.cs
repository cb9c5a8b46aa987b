using ServerlessBackOffice.Pipeline.Compliance;
using ServerlessBackOffice.Pipeline.Contracts.Compliance;

namespace ServerlessBackOffice.Pipeline.Tests.Compliance;

/// <summary>The compliance store contract, against the in-memory store.</summary>
public sealed class InMemoryComplianceStoreTests : ComplianceStoreContract
{
    protected override Task<IComplianceStore> CreateStoreAsync() => Task.FromResult<IComplianceStore>(new InMemoryComplianceStore());
}
