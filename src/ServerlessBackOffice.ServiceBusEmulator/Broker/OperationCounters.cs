namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>What the clients asked of the broker, counted as Service Bus would bill or throttle them (one per message sent,
/// delivered or settled; one per management request).</summary>
internal sealed class OperationCounters
{
    private long _sent;
    private long _sendTransfers;
    private long _delivered;
    private long _settled;
    private long _management;

    public void OnSend(int messages)
    {
        Interlocked.Add(ref _sent, messages);
        Interlocked.Increment(ref _sendTransfers);
    }

    public void OnDelivered() => Interlocked.Increment(ref _delivered);

    public void OnSettled() => Interlocked.Increment(ref _settled);

    public void OnManagementRequest() => Interlocked.Increment(ref _management);

    public ServiceBusOperationCounts Snapshot() => new(
        Interlocked.Read(ref _sent), Interlocked.Read(ref _sendTransfers), Interlocked.Read(ref _delivered), Interlocked.Read(ref _settled), Interlocked.Read(ref _management));
}
