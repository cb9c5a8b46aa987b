using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Pipeline.Telemetry;

namespace ServerlessBackOffice.Cli.LocalHost;

/// <summary>
/// Hosts the function app's Service Bus triggered functions on one machine with the trigger semantics of Azure Functions:
/// one <see cref="ServiceBusProcessor"/> per function, host.json's concurrency, prefetch and lock renewal, a scoped
/// function instance per message, settlement through <see cref="ServiceBusMessageActions"/>, and an exception from the
/// function leaving the message unsettled so the processor abandons it and Service Bus redelivers it (and dead-letters it
/// after MaxDeliveryCount).
/// </summary>
internal sealed partial class LocalFunctionHost : IAsyncDisposable
{
    private readonly ServiceBusClient _client;
    private readonly IServiceProvider _services;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly HostJsonSettings _hostJson;
    private readonly ILogger<LocalFunctionHost> _logger;
    private readonly IInvocationInterceptor? _interceptor;
    private readonly List<ServiceBusProcessor> _processors = [];
    private long _invocations;
    private long _failures;
    private long _inFlight;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _inFlightByFunction = new(StringComparer.Ordinal);

    public LocalFunctionHost(ServiceBusClient client, IServiceProvider services, IReadOnlyDictionary<string, string> settings, HostJsonSettings hostJson, ILogger<LocalFunctionHost> logger, IInvocationInterceptor? interceptor = null)
    {
        _interceptor = interceptor;
        _client = client;
        _services = services;
        _settings = settings;
        _hostJson = hostJson;
        _logger = logger;
    }

    /// <summary>Invocations so far, successful or not.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    /// <summary>Invocations that threw (each leaves its message to be redelivered).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Invocations running right now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Invocations of one function running right now (0 for a function not started).</summary>
    public long InFlightOf(string functionName) =>
        _inFlightByFunction.TryGetValue(functionName, out var count) ? Interlocked.Read(ref count.Value) : 0;

    /// <summary>Starts a processor for each function.</summary>
    public async Task StartAsync(IEnumerable<ServiceBusFunction> functions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions)
        {
            ValidateParameters(function);
            var options = new ServiceBusProcessorOptions
            {
                AutoCompleteMessages = function.Trigger.AutoCompleteMessages,
                MaxConcurrentCalls = _hostJson.MaxConcurrentCalls,
                PrefetchCount = _hostJson.PrefetchCount,
                MaxAutoLockRenewalDuration = _hostJson.MaxAutoLockRenewalDuration,
                ReceiveMode = ServiceBusReceiveMode.PeekLock,
            };
            var (entity, subscription) = function.ResolveEntity(_settings);
            var processor = subscription is null
                ? _client.CreateProcessor(entity, options)
                : _client.CreateProcessor(entity, subscription, options);
            processor.ProcessMessageAsync += args => InvokeAsync(function, args);
            processor.ProcessErrorAsync += args =>
            {
                // Transport errors and handler exceptions both surface here; the message itself is retried by Service Bus.
                LogProcessorError(function.Name, args.ErrorSource, args.Exception);
                return Task.CompletedTask;
            };
            _processors.Add(processor);
            var entityPath = subscription is null ? entity : $"{entity}/{subscription}";
            LogStarting(function.Name, entityPath);
            await processor.StartProcessingAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var processor in _processors)
        {
            await processor.StopProcessingAsync();
            await processor.DisposeAsync();
        }

        _processors.Clear();
    }

    private async Task InvokeAsync(ServiceBusFunction function, ProcessMessageEventArgs args)
    {
        Interlocked.Increment(ref _invocations);
        Interlocked.Increment(ref _inFlight);
        var ofFunction = _inFlightByFunction.GetOrAdd(function.Name, _ => new StrongBox<long>());
        Interlocked.Increment(ref ofFunction.Value);
        try
        {
            if (_interceptor is null)
            {
                await InvokeCoreAsync(function, args, new ReceiverMessageActions(args));
            }
            else
            {
                await _interceptor.InvokeAsync(function.Name, args, actions => InvokeCoreAsync(function, args, actions));
            }
        }
        finally
        {
            Interlocked.Decrement(ref ofFunction.Value);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task InvokeCoreAsync(ServiceBusFunction function, ProcessMessageEventArgs args, ServiceBusMessageActions actions)
    {
        await using var scope = _services.CreateAsyncScope();
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, function.Class);
        var arguments = function.Arguments(args.Message, actions, args.CancellationToken);

        // What the worker's InvocationTelemetryMiddleware does in Azure: an activity and a log scope per invocation,
        // carrying the message id and the OMS correlation id into every log line and span of the stage.
        using var logScope = _logger.BeginScope(new Dictionary<string, object?>
        {
            [BackOfficeTelemetry.FunctionName] = function.Name,
            [BackOfficeTelemetry.MessageId] = args.Message.MessageId,
            [BackOfficeTelemetry.CorrelationId] = args.Message.CorrelationId,
        });
        using var activity = BackOfficeTelemetry.StartInvocation(function.Name, args.Message.MessageId, args.Message.CorrelationId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = function.Method.Invoke(instance, arguments);
            if (result is Task task)
            {
                await task;
            }

            BackOfficeTelemetry.InvocationEnded(activity, function.Name, Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failures);
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            BackOfficeTelemetry.InvocationEnded(activity, function.Name, Stopwatch.GetElapsedTime(started), cause);
            LogInvocationFailed(function.Name, args.Message.MessageId, args.Message.DeliveryCount, cause);
            // Rethrow so the processor abandons the unsettled message, exactly as the Functions host does.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(cause).Throw();
        }
    }

    private static void ValidateParameters(ServiceBusFunction function)
    {
        Type[] bindable = [typeof(ServiceBusReceivedMessage), typeof(ServiceBusMessageActions), typeof(CancellationToken), typeof(string), typeof(BinaryData), typeof(byte[])];
        foreach (var parameter in function.Method.GetParameters())
        {
            if (!bindable.Contains(parameter.ParameterType))
            {
                throw new InvalidOperationException($"Function '{function.Name}' has parameter '{parameter.Name}' of type {parameter.ParameterType}, which the local host cannot bind. Bind ServiceBusReceivedMessage, ServiceBusMessageActions and CancellationToken.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting function {FunctionName} on {EntityPath}")]
    private partial void LogStarting(string functionName, string entityPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionName} failed for message {MessageId} (delivery {DeliveryCount}); it will be redelivered")]
    private partial void LogInvocationFailed(string functionName, string messageId, int deliveryCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Processor of {FunctionName} reported an error from {ErrorSource}")]
    private partial void LogProcessorError(string functionName, ServiceBusErrorSource errorSource, Exception exception);
}
