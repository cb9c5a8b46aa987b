using System.Collections.Concurrent;
using System.Globalization;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessBackOffice.Cli.DayRun;
using ServerlessBackOffice.Cli.LocalHost;

namespace ServerlessBackOffice.Cli.Chaos;

/// <summary>
/// Injects faults into a local day run (<c>backoffice run-day --chaos</c>) and counts them. It sits where the faults happen
/// in Azure: around each function invocation of the local host (crashes, lock loss, duplicate and late deliveries,
/// reordering), around the message actions (settle calls that fail before or after they took effect), around the publisher
/// (sends that fail before or after the message left) and in the Cosmos client's HTTP pipeline (429, 503 and timeouts,
/// before or after the store applied the request).
/// </summary>
/// <remarks>
/// Every decision is <see cref="StableRandom"/> of the seed and what it is about — the function, message id and delivery
/// count, and the n-th request or publish within that delivery — never of timing. Faults that fail a delivery are only
/// injected into the first <see cref="ChaosOptions.MaximumFaultedDeliveries"/> deliveries of a message, so chaos alone can
/// never reach an entity's MaxDeliveryCount (docs/decisions/0090-chaos-runs.md).
/// </remarks>
internal sealed partial class ChaosMonkey(ChaosOptions options, ILogger<ChaosMonkey> logger) : IInvocationInterceptor
{
    private static readonly AsyncLocal<InvocationContext?> Current = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _outsideOccurrences = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _throttled = new(StringComparer.Ordinal);
    private long _inFlight;

    public ChaosOptions Options => options;

    /// <summary>Duplicate and delayed deliveries the monkey is still running (the day run waits for them before moving the clock).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Faults injected so far, by kind and variant ("crash before handler", "cosmos-unavailable after write" ...), sorted.</summary>
    public IReadOnlyList<(string Fault, long Count)> Counts() =>
        [.. _counts.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => (pair.Key, pair.Value))];

    /// <summary>Faults injected so far, by kind.</summary>
    public long Count(ChaosFault fault)
    {
        var name = ChaosOptions.NameOf(fault);
        return _counts.Where(pair => pair.Key == name || pair.Key.StartsWith(name + " ", StringComparison.Ordinal)).Sum(pair => pair.Value);
    }

    /// <inheritdoc />
    public async Task InvokeAsync(string functionName, ProcessMessageEventArgs args, Func<ServiceBusMessageActions, Task> invoke)
    {
        var message = args.Message;
        var context = new InvocationContext(functionName, message.MessageId, message.DeliveryCount, Ghost: false);
        var mayFail = message.DeliveryCount <= ChaosOptions.MaximumFaultedDeliveries;

        if (Draw(ChaosFault.Reorder, context, "reorder"))
        {
            // Held back while the other concurrent calls go on: later messages overtake this one.
            Record(ChaosFault.Reorder, null);
            await Task.Delay(DelayOf(context, "reorder delay"));
        }

        var duplicate = Draw(ChaosFault.Duplicate, context, "duplicate");
        var late = duplicate && Bit(context, "duplicate late");
        if (duplicate && !late)
        {
            // A second instance handles the same delivery at the same time (a lock that lapsed and was taken by another worker).
            Record(ChaosFault.Duplicate, "concurrent");
            _ = RunGhostAsync(invoke, context, TimeSpan.Zero);
        }

        try
        {
            var crash = mayFail && Draw(ChaosFault.Crash, context, "crash");
            var crashAfter = crash && Bit(context, "crash after");
            if (crash && !crashAfter)
            {
                Record(ChaosFault.Crash, "before handler");
                throw new ChaosException($"Chaos: the host crashed before {functionName} handled message {message.MessageId}.");
            }

            // After the handler: it runs and does its writes, and the host dies before the settle call (ChaosMessageActions).
            var settleFault = mayFail && !crash && Draw(ChaosFault.BusTransient, context, "bus settle")
                ? (Bit(context, "bus settle after") ? SettleFault.After : SettleFault.Before)
                : SettleFault.None;
            var actions = new ChaosMessageActions(new ReceiverMessageActions(args), this, context) { CrashOnSettle = crashAfter, SettleFault = settleFault };
            if (mayFail && !crash && settleFault == SettleFault.None && Draw(ChaosFault.LockLoss, context, "lock loss"))
            {
                // The lock lapses: the message is available again (delivered at once, possibly to a concurrent call) while this
                // call still runs; its settle call then fails with MessageLockLost.
                Record(ChaosFault.LockLoss, null);
                await args.AbandonMessageAsync(message, null, CancellationToken.None);
                actions.LockLost = true;
            }

            Current.Value = context;
            await invoke(actions);
        }
        finally
        {
            if (late)
            {
                // Delivered again after it was settled (a settle acknowledgement that never reached the broker).
                Record(ChaosFault.Duplicate, "late");
                _ = RunGhostAsync(invoke, context, DelayOf(context, "late delay"));
            }
        }
    }

    private Task RunGhostAsync(Func<ServiceBusMessageActions, Task> invoke, InvocationContext context, TimeSpan delay)
    {
        Interlocked.Increment(ref _inFlight);
        return Task.Run(async () =>
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }

                Current.Value = new InvocationContext(context.Function, context.MessageId, context.Delivery, Ghost: true);
                await invoke(new ChaosMessageActions(null, this, context) { LockLost = true });
            }
            catch (Exception ex)
            {
                // The duplicate's lock is not ours: its settle call fails (and anything it failed on is redone by the real delivery).
                LogGhostEnded(context.Function, context.MessageId, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        });
    }

    /// <summary>Decides a publish of the current invocation: fail it before it left, after it left, or not at all.</summary>
    public SettleFault DecidePublish()
    {
        if (Current.Value is not { Ghost: false } context || context.Delivery > ChaosOptions.MaximumFaultedDeliveries)
        {
            return SettleFault.None;
        }

        var index = Interlocked.Increment(ref context.Publishes).ToString(CultureInfo.InvariantCulture);
        if (!Draw(ChaosFault.BusTransient, context, "bus send", index))
        {
            return SettleFault.None;
        }

        var after = Bit(context, "bus send after", index);
        Record(ChaosFault.BusTransient, after ? "send after" : "send before");
        return after ? SettleFault.After : SettleFault.Before;
    }

    /// <summary>Decides a Cosmos document request: a 429, a 503 or a timeout (before or after the store), or nothing.</summary>
    public CosmosFault DecideCosmos(string requestKey)
    {
        var context = Current.Value;
        string[] key;
        if (context is null)
        {
            // Timer work (cut-off, netting, end of day): only throttling, which the SDK retries; keyed by the request's occurrence.
            var occurrence = _outsideOccurrences.AddOrUpdate(requestKey, 1, (_, n) => n + 1).ToString(CultureInfo.InvariantCulture);
            key = ["outside", requestKey, occurrence];
        }
        else
        {
            key = [context.Function, context.MessageId, context.Delivery.ToString(CultureInfo.InvariantCulture), context.Ghost ? "ghost" : "real", Interlocked.Increment(ref context.Requests).ToString(CultureInfo.InvariantCulture)];
        }

        if (Unit(ChaosFault.CosmosThrottle, [.. key, "throttle"]) < options.Rate(ChaosFault.CosmosThrottle))
        {
            var throttled = _throttled.AddOrUpdate(requestKey, 1, (_, n) => n + 1);
            if (throttled <= ChaosOptions.MaximumConsecutiveThrottles)
            {
                Record(ChaosFault.CosmosThrottle, null);
                return CosmosFault.Throttle;
            }
        }

        _throttled.TryRemove(requestKey, out _);
        if (context is not { Ghost: false } || context.Delivery > ChaosOptions.MaximumFaultedDeliveries)
        {
            return CosmosFault.None;
        }

        if (Unit(ChaosFault.CosmosUnavailable, [.. key, "unavailable"]) < options.Rate(ChaosFault.CosmosUnavailable))
        {
            var after = Unit(ChaosFault.CosmosUnavailable, [.. key, "unavailable after"]) < 0.5;
            Record(ChaosFault.CosmosUnavailable, after ? "after request" : "before request");
            return after ? CosmosFault.UnavailableAfter : CosmosFault.UnavailableBefore;
        }

        if (Unit(ChaosFault.CosmosTimeout, [.. key, "timeout"]) < options.Rate(ChaosFault.CosmosTimeout))
        {
            var after = Unit(ChaosFault.CosmosTimeout, [.. key, "timeout after"]) < 0.5;
            Record(ChaosFault.CosmosTimeout, after ? "after request" : "before request");
            return after ? CosmosFault.TimeoutAfter : CosmosFault.TimeoutBefore;
        }

        return CosmosFault.None;
    }

    internal void Record(ChaosFault fault, string? variant)
    {
        var name = variant is null ? ChaosOptions.NameOf(fault) : $"{ChaosOptions.NameOf(fault)} {variant}";
        _counts.AddOrUpdate(name, 1, (_, n) => n + 1);
    }

    private bool Draw(ChaosFault fault, InvocationContext context, params string[] purpose) =>
        Unit(fault, [context.Function, context.MessageId, context.Delivery.ToString(CultureInfo.InvariantCulture), .. purpose]) < options.Rate(fault);

    private bool Bit(InvocationContext context, params string[] purpose) =>
        StableRandom.Unit(options.Seed, ["chaos", context.Function, context.MessageId, context.Delivery.ToString(CultureInfo.InvariantCulture), .. purpose]) < 0.5;

    private double Unit(ChaosFault fault, string[] key) => StableRandom.Unit(options.Seed, ["chaos", ChaosOptions.NameOf(fault), .. key]);

    /// <summary>20 to 300 ms: long enough for other calls to overtake, short against a phase.</summary>
    private TimeSpan DelayOf(InvocationContext context, string purpose) =>
        TimeSpan.FromMilliseconds(20 + StableRandom.Below(280, options.Seed, "chaos", context.Function, context.MessageId, context.Delivery.ToString(CultureInfo.InvariantCulture), purpose));

    [LoggerMessage(Level = LogLevel.Information, Message = "Chaos: the duplicate delivery of {MessageId} to {FunctionName} ended with an exception")]
    private partial void LogGhostEnded(string functionName, string messageId, Exception exception);

    /// <summary>What the monkey knows about the invocation it is in (flows with the async calls of the handler).</summary>
    internal sealed record InvocationContext(string Function, string MessageId, int Delivery, bool Ghost)
    {
        public int Requests;
        public int Publishes;
    }
}

/// <summary>A settle or send fault: none, before the operation took effect, or after.</summary>
internal enum SettleFault
{
    None,
    Before,
    After,
}

/// <summary>A Cosmos fault.</summary>
internal enum CosmosFault
{
    None,
    Throttle,
    UnavailableBefore,
    UnavailableAfter,
    TimeoutBefore,
    TimeoutAfter,
}

/// <summary>A crash the chaos run injected (not a bug of the pipeline).</summary>
internal sealed class ChaosException : Exception
{
    public ChaosException(string message) : base(message)
    {
    }

    public ChaosException()
    {
    }

    public ChaosException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
