using System.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Telemetry;

namespace ServerlessBackOffice.Functions.Telemetry;

/// <summary>
/// Around every invocation: an activity and a log scope with the function name, the Service Bus message id and the OMS
/// correlation id (from the trigger's binding data), so every log line and span of a stage carries the trade's correlation
/// id; and the invocation counter and duration histogram. The local host does the same around the same functions.
/// </summary>
public sealed class InvocationTelemetryMiddleware(ILogger<InvocationTelemetryMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var function = context.FunctionDefinition.Name;
        var messageId = BindingValue(context, "MessageId");
        var correlationId = BindingValue(context, "CorrelationId");
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            [BackOfficeTelemetry.FunctionName] = function,
            [BackOfficeTelemetry.MessageId] = messageId,
            [BackOfficeTelemetry.CorrelationId] = correlationId,
        });
        using var activity = BackOfficeTelemetry.StartInvocation(function, messageId, correlationId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
            BackOfficeTelemetry.InvocationEnded(activity, function, Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception ex)
        {
            BackOfficeTelemetry.InvocationEnded(activity, function, Stopwatch.GetElapsedTime(started), ex);
            throw;
        }
    }

    /// <summary>A trigger's binding value as text (Service Bus triggers bind MessageId and CorrelationId), or null.</summary>
    public static string? BindingValue(FunctionContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.BindingContext.BindingData.TryGetValue(name, out var value) && value is not null
            ? value.ToString()?.Trim('"')
            : null;
    }
}
