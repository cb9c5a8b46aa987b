using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Functions.Settlement;

/// <summary>
/// The custodian status queue's trigger: one custodian-status-v1 report, one handler call, the message settled explicitly.
/// Completes applied and ignored (duplicate, stale, invalid) reports; dead-letters a body that breaks the contract; throws for
/// a status of an instruction not yet visible (redelivered, dead-lettered by the handler after a few deliveries).
/// </summary>
public sealed class CustodianStatusFunction(CustodianStatusHandler handler, ILogger<CustodianStatusFunction> logger)
{
    [Function("settlement-custodian-status")]
    public async Task RunAsync(
        [ServiceBusTrigger("%CustodianStatusInboundQueue%", Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions messageActions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(messageActions);
        var result = await handler.HandleAsync(new InboundMessage(message.MessageId, message.Body.ToMemory(), message.DeliveryCount), cancellationToken);
        await SettlementInstructionFunction.SettleAsync(message, messageActions, result, logger, cancellationToken);
    }
}
