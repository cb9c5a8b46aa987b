using ServerlessBackOffice.Pipeline.InMemory;
using ServerlessBackOffice.Pipeline.Ports;
using ServerlessBackOffice.Capture.Contracts;

namespace ServerlessBackOffice.Pipeline.Tests.Capture;

public sealed class InMemoryTradeStoreContractTests : TradeStoreContract
{
    protected override ITradeStore CreateStore() => new InMemoryTradeStore();
}

public sealed class InMemoryCaptureArchiveContractTests : CaptureArchiveContract
{
    protected override ICaptureArchive CreateArchive() => new InMemoryCaptureArchive();
}

public sealed class InMemoryMessagePublisherContractTests : MessagePublisherContract
{
    protected override IMessagePublisher CreatePublisher() => new InMemoryMessagePublisher();

    protected override Task<IReadOnlyList<OutboundMessage>> DeliveredAsync(IMessagePublisher publisher, CancellationToken cancellationToken) =>
        Task.FromResult(((InMemoryMessagePublisher)publisher).Delivered);
}
