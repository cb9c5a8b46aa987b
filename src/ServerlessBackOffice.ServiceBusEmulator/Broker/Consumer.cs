using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>A receive link of a client: the broker sends on it as credit allows and hears settlements back.</summary>
internal sealed class Consumer
{
    private readonly SendingAmqpLink _link;
    private readonly MessageStore _store;

    public Consumer(MessageStore store, SendingAmqpLink link, string? sessionId)
    {
        _store = store;
        _link = link;
        SessionId = sessionId;
        ReceiveAndDelete = link.Settings.SettleType == SettleMode.SettleOnSend;
    }

    /// <summary>The locked session, for session receivers.</summary>
    public string? SessionId { get; }

    public bool ReceiveAndDelete { get; }

    /// <summary>Messages the client may still be sent; guarded by the store's lock.</summary>
    public int Credit { get; set; }

    public bool Closed { get; private set; }

    public void Start()
    {
        _link.RegisterCreditListener(OnCredit);
        _link.RegisterDispositionListener(OnDisposition);
        _link.SafeAddClosed((_, _) =>
        {
            Closed = true;
            _store.OnConsumerClosed(this);
        });
    }

    public void Send(AmqpMessage message, Guid lockToken)
    {
        var tag = ReceiveAndDelete ? new ArraySegment<byte>(Guid.NewGuid().ToByteArray()) : new ArraySegment<byte>(lockToken.ToByteArray());
        _link.SendMessageNoWait(message, tag, AmqpConstants.NullBinary);
        _store.Operations.OnDelivered();
    }

    public void Close(Error error) => _link.SafeClose(new AmqpException(error));

    private void OnCredit(uint credit, bool drain, ArraySegment<byte> txnId) => _store.AddCredit(this, (int)credit, drain);

    private void OnDisposition(Delivery delivery)
    {
        DeliveryState outcome = delivery.State;
        if (delivery.DeliveryTag.Count == 16 && delivery.State is Outcome requested)
        {
            var lockToken = new Guid(delivery.DeliveryTag.AsSpan());
            var error = _store.Settle(lockToken, requested, this);
            _store.Operations.OnSettled();

            // The service answers every successful settlement (complete, abandon, defer, dead-letter) with Accepted;
            // the client treats any other outcome as a failure and reads the error from it.
            outcome = error is null ? AmqpConstants.AcceptedOutcome : new Rejected { Error = error };
        }

        _link.DisposeDelivery(delivery, true, outcome);
    }
}
