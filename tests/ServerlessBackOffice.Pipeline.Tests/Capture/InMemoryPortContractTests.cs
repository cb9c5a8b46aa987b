using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Pipeline.Tests.Capture;

public sealed class InMemoryTradeStoreContractTests : TradeStoreContract
{
    protected override Task<ITradeStore> CreateStoreAsync() => Task.FromResult<ITradeStore>(new InMemoryTradeStore());
}

public sealed class InMemoryCaptureArchiveContractTests : CaptureArchiveContract
{
    protected override Task<ICaptureArchive> CreateArchiveAsync() => Task.FromResult<ICaptureArchive>(new InMemoryCaptureArchive());
}

public sealed class InMemoryMessagePublisherContractTests : MessagePublisherContract
{
    protected override IMessagePublisher CreatePublisher() => new InMemoryMessagePublisher();

    protected override Task<IReadOnlyList<OutboundMessage>> DeliveredAsync(IMessagePublisher publisher, CancellationToken cancellationToken) =>
        Task.FromResult(((InMemoryMessagePublisher)publisher).Delivered);
}
