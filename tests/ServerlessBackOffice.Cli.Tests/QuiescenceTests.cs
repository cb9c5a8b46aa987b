using ServerlessBackOffice.Cli.DayRun;
using ServerlessBackOffice.ServiceBusEmulator;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The day run's wait for a quiet pipeline: a phase may take longer than the stall timeout as long as it moves; a stuck one
/// fails and names where its messages are. Real time, short intervals; the margins are wide so a loaded machine passes.
/// </summary>
public sealed class QuiescenceTests
{
    private const string Queue = "oms-trades";
    private const string Subscription = "trade-events/Subscriptions/ledger";
    private static readonly TimeSpan Look = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task AnEmptyPipeline_IsQuietAfterTheStableLooks()
    {
        var quiescence = new Quiescence(_ => new ServiceBusEntityCounts(0, 0, 0, 0), [Queue], []);

        await quiescence.WaitAsync(TimeSpan.FromSeconds(30), null, TestContext.Current.CancellationToken, look: Look);

        Assert.Equal(0, quiescence.Pending());
        Assert.Equal("none", quiescence.DescribePending());
    }

    [Fact]
    public async Task APipelineThatKeepsMoving_MayTakeLongerThanTheStallTimeout()
    {
        // One message handled per look: the wait lasts many stall timeouts in all, yet never stalls for one.
        var remaining = 400L;
        var stall = TimeSpan.FromMilliseconds(500);
        var quiescence = new Quiescence(path => new ServiceBusEntityCounts(path == Queue ? Interlocked.Read(ref remaining) : 0, 0, 0, 0), [Queue, Subscription], []);
        var started = DateTime.UtcNow;

        await quiescence.WaitAsync(stall, _ =>
        {
            if (Interlocked.Read(ref remaining) > 0)
            {
                Interlocked.Decrement(ref remaining);
            }
        }, TestContext.Current.CancellationToken, look: TimeSpan.FromMilliseconds(5));

        Assert.Equal(0, Interlocked.Read(ref remaining));
        Assert.True(DateTime.UtcNow - started > stall, "the drain should have outlasted one stall timeout");
    }

    [Fact]
    public async Task AStuckPipeline_FailsAfterTheStallTimeout_NamingWhereTheMessagesAre()
    {
        var quiescence = new Quiescence(
            path => path == Subscription ? new ServiceBusEntityCounts(3, 0, 2, 0) : new ServiceBusEntityCounts(0, 0, 0, 0),
            [Queue, Subscription],
            [() => 1]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            quiescence.WaitAsync(TimeSpan.FromMilliseconds(300), null, TestContext.Current.CancellationToken, look: Look));

        Assert.Equal(
            "The pipeline made no progress for 0.3 s: 6 messages still pending (trade-events/Subscriptions/ledger 3 active, 2 scheduled; 1 being handled).",
            error.Message);
    }

    [Fact]
    public async Task AMessageStillInAHandler_KeepsThePipelineFromBeingQuiet()
    {
        var handling = 1L;
        var quiescence = new Quiescence(_ => new ServiceBusEntityCounts(0, 0, 0, 0), [Queue], [() => Interlocked.Read(ref handling)]);
        var looks = 0;

        await quiescence.WaitAsync(TimeSpan.FromSeconds(30), pending =>
        {
            if (++looks == 20)
            {
                Interlocked.Exchange(ref handling, 0);
            }
        }, TestContext.Current.CancellationToken, look: Look);

        Assert.True(looks >= 20 + 4, $"quiet only after the handler finished and four quiet looks; looked {looks} times");
    }
}
