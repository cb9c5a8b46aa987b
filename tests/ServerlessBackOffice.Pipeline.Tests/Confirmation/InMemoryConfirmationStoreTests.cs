using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;

namespace ServerlessBackOffice.Pipeline.Tests.Confirmation;

/// <summary>The confirmation store contract, against the in-memory store.</summary>
public sealed class InMemoryConfirmationStoreTests : ConfirmationStoreContract
{
    protected override Task<IConfirmationStore> CreateStoreAsync() => Task.FromResult<IConfirmationStore>(new InMemoryConfirmationStore());
}
