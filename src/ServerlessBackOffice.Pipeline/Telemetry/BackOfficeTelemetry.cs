using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ServerlessBackOffice.Pipeline.Telemetry;

/// <summary>
/// The back office's traces and metrics, on the .NET diagnostics API that OpenTelemetry listens to: one activity per
/// function invocation (tagged with the function, the message id and the OMS correlation id that every stage carries) and
/// one per publication; counters of invocations by outcome and of publications by destination and event type; a histogram
/// of invocation durations. The function app exports them to Azure Monitor, the local day run to files under logs/.
/// </summary>
public static class BackOfficeTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "ServerlessBackOffice";

    /// <summary>The log scope and tag name of the OMS correlation id.</summary>
    public const string CorrelationId = "CorrelationId";

    /// <summary>The log scope and tag name of the Service Bus message id.</summary>
    public const string MessageId = "MessageId";

    /// <summary>The log scope and tag name of the function.</summary>
    public const string FunctionName = "FunctionName";

    /// <summary>The traces.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Invocations = Meter.CreateCounter<long>("backoffice.invocations", description: "Function invocations by function and outcome (completed, failed).");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("backoffice.invocation.duration", "ms", "Function invocation duration.");

    private static readonly Counter<long> Published = Meter.CreateCounter<long>("backoffice.messages.published", description: "Messages published by destination and event type.");

    /// <summary>Starts the activity of one invocation; dispose it when the invocation ends.</summary>
    public static Activity? StartInvocation(string function, string? messageId, string? correlationId)
    {
        var activity = Source.StartActivity(function, ActivityKind.Consumer);
        activity?.SetTag(FunctionName, function);
        activity?.SetTag(MessageId, messageId);
        activity?.SetTag(CorrelationId, correlationId);
        return activity;
    }

    /// <summary>Records the end of an invocation.</summary>
    public static void InvocationEnded(Activity? activity, string function, TimeSpan elapsed, Exception? failure)
    {
        var outcome = failure is null ? "completed" : "failed";
        if (failure is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
        }

        Invocations.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("outcome", outcome));
        Duration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("function", function));
    }

    /// <summary>Records one publication (called by the publisher every stage uses).</summary>
    public static void MessagePublished(string destination, string? eventType, string? correlationId)
    {
        Published.Add(1, new KeyValuePair<string, object?>("destination", destination), new KeyValuePair<string, object?>("eventType", eventType ?? string.Empty));
        Activity.Current?.AddEvent(new ActivityEvent("published", tags: new ActivityTagsCollection
        {
            ["destination"] = destination,
            ["eventType"] = eventType,
            [CorrelationId] = correlationId,
        }));
    }
}
