using System.Diagnostics;
using System.Diagnostics.Metrics;
using ServerlessBackOffice.Pipeline.Telemetry;

namespace ServerlessBackOffice.Pipeline.Tests.Telemetry;

public sealed class BackOfficeTelemetryTests
{
    [Fact]
    public void Invocation_IsOneActivityTaggedWithTheCorrelationId_AndCountedByOutcome()
    {
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == BackOfficeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var counted = new List<(string Instrument, long Value, string? Outcome, string? Function)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BackOfficeTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? outcome = null;
            string? fn = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcome = tag.Value?.ToString();
                }
                else if (tag.Key == "function")
                {
                    fn = tag.Value?.ToString();
                }
            }

            lock (counted)
            {
                counted.Add((instrument.Name, value, outcome, fn));
            }
        });
        meters.Start();
        var function = "test-fn-" + Guid.NewGuid().ToString("N");

        using (var activity = BackOfficeTelemetry.StartInvocation(function, "M-1", "C-1"))
        {
            BackOfficeTelemetry.MessagePublished("trade-events", "TradeCaptured", "C-1");
            BackOfficeTelemetry.InvocationEnded(activity, function, TimeSpan.FromMilliseconds(3), null);
        }

        using (var failed = BackOfficeTelemetry.StartInvocation(function, "M-2", "C-2"))
        {
            BackOfficeTelemetry.InvocationEnded(failed, function, TimeSpan.FromMilliseconds(3), new TimeoutException());
        }

        var mine = stopped.Where(a => a.DisplayName == function).ToList();
        Assert.Equal(2, mine.Count);
        Assert.Equal("C-1", mine[0].GetTagItem(BackOfficeTelemetry.CorrelationId));
        Assert.Equal("M-1", mine[0].GetTagItem(BackOfficeTelemetry.MessageId));
        Assert.Single(mine[0].Events, e => e.Name == "published");
        Assert.Equal(ActivityStatusCode.Error, mine[1].Status);
        Assert.Contains(counted, c => c.Instrument == "backoffice.invocations" && c.Function == function && c.Outcome == "completed" && c.Value == 1);
        Assert.Contains(counted, c => c.Instrument == "backoffice.invocations" && c.Function == function && c.Outcome == "failed" && c.Value == 1);
        Assert.Contains(counted, c => c.Instrument == "backoffice.messages.published");
    }
}
