namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The day run's business clock. It stands still while a phase of the day is processed and is moved by the run between
/// phases, so every time a handler reads is a function of the phase, not of how fast this machine is: the same seed gives
/// the same records byte for byte (decision 0004). Timers still run on real time (they only pace retries).
/// </summary>
internal sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    /// <summary>The current simulated instant.</summary>
    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves the clock to <paramref name="instant"/>; it never goes back.</summary>
    public void MoveTo(DateTimeOffset instant)
    {
        if (instant.UtcTicks < Interlocked.Read(ref _utcTicks))
        {
            throw new InvalidOperationException($"The business clock cannot go back from {GetUtcNow():O} to {instant:O}.");
        }

        Interlocked.Exchange(ref _utcTicks, instant.UtcTicks);
    }
}
