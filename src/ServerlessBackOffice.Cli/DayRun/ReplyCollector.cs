using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The simulated OMS's side of the reply queue: it reads every reply and keeps one outcome per inbound message (the first:
/// a redelivered message is answered again with the same outcome), so the run can check that every message it published
/// got exactly one outcome.
/// </summary>
internal sealed class ReplyCollector : IAsyncDisposable
{
    private readonly ServiceBusProcessor? _processor;
    private readonly ConcurrentDictionary<string, (string Outcome, string? ReasonCode, string? Message)> _outcomes = new(StringComparer.Ordinal);
    private long _replies;
    private long _inFlight;

    /// <summary>A collector without a transport: the caller hands it each reply (<see cref="Record"/>).</summary>
    public ReplyCollector()
    {
    }

    public ReplyCollector(ServiceBusClient client)
    {
        _processor = client.CreateProcessor(Entities.OmsReplies.Name, new ServiceBusProcessorOptions { MaxConcurrentCalls = 8, PrefetchCount = 100, AutoCompleteMessages = true, MaxAutoLockRenewalDuration = TimeSpan.Zero });
        _processor.ProcessMessageAsync += OnReply;
        _processor.ProcessErrorAsync += _ => Task.CompletedTask;
    }

    /// <summary>Replies read (including repeated answers to a redelivered message).</summary>
    public long Replies => Interlocked.Read(ref _replies);

    /// <summary>Replies being handled right now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The outcome of each answered inbound message id.</summary>
    public IReadOnlyDictionary<string, (string Outcome, string? ReasonCode, string? Message)> Outcomes => _outcomes;

    public Task StartAsync(CancellationToken cancellationToken) => _processor?.StartProcessingAsync(cancellationToken) ?? Task.CompletedTask;

    private Task OnReply(ProcessMessageEventArgs args)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            Record(args.Message.Body.ToMemory());
            return Task.CompletedTask;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Reads one reply and keeps the first outcome of its inbound message.</summary>
    internal void Record(ReadOnlyMemory<byte> body)
    {
        Interlocked.Increment(ref _replies);
        using var reply = JsonDocument.Parse(body);
        var root = reply.RootElement;
        var inbound = root.GetProperty("inboundMessageId").GetString()!;
        var outcome = root.GetProperty("outcome").GetString()!;
        var reason = root.TryGetProperty("reasonCode", out var r) ? r.GetString() : null;
        var message = root.TryGetProperty("message", out var m) ? m.GetString() : null;
        _outcomes.TryAdd(inbound, (outcome, reason, message));
    }

    public async ValueTask DisposeAsync()
    {
        if (_processor is not null)
        {
            await _processor.StopProcessingAsync();
            await _processor.DisposeAsync();
        }
    }
}
