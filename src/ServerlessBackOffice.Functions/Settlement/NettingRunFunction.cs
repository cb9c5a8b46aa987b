using Microsoft.Azure.Functions.Worker;
using ServerlessBackOffice.Pipeline.Settlement;

namespace ServerlessBackOffice.Functions.Settlement;

/// <summary>
/// The netting run at the netting cut-off (decision 0080): every weekday at 18:00 UTC, nets the trades awaiting netting that
/// settle by the next weekday (and any left from earlier days) and issues their instructions. A failed run throws; the next
/// run repeats it (the run is idempotent).
/// </summary>
public sealed class NettingRunFunction(SettlementInstructionHandler handler, TimeProvider clock)
{
    /// <summary>Weekdays at 18:00 UTC: after the US T+1 affirmation cut-off window opens, before the CSDs' overnight batches.</summary>
    public const string Schedule = "0 0 18 * * 1-5";

    [Function("settlement-netting-run")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await handler.RunNettingAsync(NettingHorizon(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)), cancellationToken);
    }

    /// <summary>The next weekday after <paramref name="today"/>: the latest settlement date a run at today's cut-off nets.</summary>
    public static DateOnly NettingHorizon(DateOnly today)
    {
        var next = today.AddDays(1);
        while (next.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            next = next.AddDays(1);
        }

        return next;
    }
}
