using Microsoft.Azure.Functions.Worker;
using ServerlessBackOffice.Pipeline.Confirmation;

namespace ServerlessBackOffice.Functions.Confirmation;

/// <summary>
/// The affirmation cut-off watch, every five minutes: publishes UnaffirmedAtCutoff for each trade whose confirmation is still
/// unaffirmed after its market's cut-off. A run that fails throws (the next run repeats it; reports are idempotent).
/// </summary>
public sealed class AffirmationCutoffFunction(AffirmationCutoffHandler handler)
{
    /// <summary>Every five minutes: a cut-off is reported at most five minutes late, and a quiet run is one cheap query.</summary>
    public const string Schedule = "0 */5 * * * *";

    [Function("affirmation-cutoff")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await handler.RunAsync(cancellationToken);
    }
}
