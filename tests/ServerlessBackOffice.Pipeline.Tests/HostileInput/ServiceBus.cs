using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Pipeline.Tests.HostileInput;

/// <summary>What Service Bus does with a settlement-stage result, reduced to what the tests need.</summary>
internal static class ServiceBus
{
    /// <summary>The entity default: deliveries before Service Bus dead-letters a message by itself.</summary>
    public const int MaxDeliveryCount = 10;

    /// <summary>The reason Service Bus dead-letters with when the handler never settled the message.</summary>
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";

    /// <summary>
    /// Delivers a message again (with a growing delivery count) while the handler asks for a retry, as the trigger's throw
    /// makes Service Bus do; after <see cref="MaxDeliveryCount"/> deliveries the broker dead-letters it. An exception from the
    /// handler is not caught: with in-memory adapters there are no transient failures, so a throw is a crash.
    /// </summary>
    public static async Task<SettlementResult> DeliverUntilSettledAsync(Func<int, Task<SettlementResult>> deliver)
    {
        for (var count = 1; count <= MaxDeliveryCount; count++)
        {
            var result = await deliver(count);
            if (result.Disposition != SettlementDisposition.Retry)
            {
                return result;
            }
        }

        return SettlementResult.DeadLetter(MaxDeliveryCountExceeded, $"Not settled within {MaxDeliveryCount} deliveries.");
    }
}
