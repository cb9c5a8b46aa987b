using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The simulated custodians: each reads its own filtered subscription of the custodian topic, reports every instruction
/// matched at once (custodian-status-v1), and on the instruction's settlement date reports it settled, partially settled
/// or failed — decided by the seed and the instruction id only. Cancellations are confirmed as cancelled.
/// </summary>
internal sealed class CustodianSimulator : IAsyncDisposable
{
    private readonly ServiceBusSender? _sender;
    private readonly List<ServiceBusProcessor> _processors = [];
    private readonly ConcurrentDictionary<string, Instruction> _open = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly int _seed;
    private readonly double _failRate;
    private readonly double _partialRate;
    private long _inFlight;
    private long _instructions;
    private long _statuses;
    private long _unreadable;

    private sealed record Instruction(string InstructionId, DateOnly SettlementDate, string Quantity, string Cash, string? CorrelationId);

    /// <summary>
    /// The custodians without a transport: the caller hands each instruction to <see cref="Accept"/> and sends what
    /// <see cref="DueStatuses"/> returns (the in-memory load run).
    /// </summary>
    public CustodianSimulator(TimeProvider clock, int seed, double failRate, double partialRate)
    {
        _clock = clock;
        _seed = seed;
        _failRate = failRate;
        _partialRate = partialRate;
    }

    public CustodianSimulator(ServiceBusClient client, TimeProvider clock, int seed, double failRate, double partialRate)
        : this(clock, seed, failRate, partialRate)
    {
        ArgumentNullException.ThrowIfNull(client);
        _sender = client.CreateSender(Entities.CustodianStatusInbound.Name);
        var topic = TopologyDocument.Default.ServiceBus.Topics.Single(t => t.Name == Entities.CustodianOutbound.Name);
        foreach (var subscription in topic.Subscriptions)
        {
            var processor = client.CreateProcessor(topic.Name, subscription.Name, new ServiceBusProcessorOptions { MaxConcurrentCalls = 4, PrefetchCount = 50, AutoCompleteMessages = true, MaxAutoLockRenewalDuration = TimeSpan.Zero });
            processor.ProcessMessageAsync += OnInstruction;
            processor.ProcessErrorAsync += _ => Task.CompletedTask;
            _processors.Add(processor);
        }
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Counts: instructions read, statuses sent, unreadable messages, instructions still open.</summary>
    public (long Instructions, long Statuses, long Unreadable, int Open) Counts =>
        (Interlocked.Read(ref _instructions), Interlocked.Read(ref _statuses), Interlocked.Read(ref _unreadable), _open.Count);

    /// <summary>The settlement dates of the instructions still open, earliest first.</summary>
    public IReadOnlyList<DateOnly> OpenSettlementDates => [.. _open.Values.Select(i => i.SettlementDate).Distinct().Order()];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var processor in _processors)
        {
            await processor.StartProcessingAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Reports the final status of every open instruction due on or before <paramref name="date"/>: settled, partially
    /// settled (half, then the rest on the next settlement phase) or failed (and retried on the next phase).
    /// </summary>
    public async Task SettleDueAsync(DateOnly date, CancellationToken cancellationToken)
    {
        foreach (var status in DueStatuses(date))
        {
            await SendAsync(status, cancellationToken);
        }
    }

    /// <summary>The final statuses of the open instructions due on or before <paramref name="date"/> (see <see cref="SettleDueAsync"/>).</summary>
    internal IReadOnlyList<ServiceBusMessage> DueStatuses(DateOnly date)
    {
        var day = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var statuses = new List<ServiceBusMessage>();
        foreach (var instruction in _open.Values.Where(i => i.SettlementDate <= date).OrderBy(i => i.InstructionId, StringComparer.Ordinal).ToList())
        {
            var u = StableRandom.Unit(_seed, "custodian", instruction.InstructionId, day);
            if (u < _failRate)
            {
                statuses.Add(Status(instruction, $"{instruction.InstructionId}-F{day}", "Failed", null, null, StableRandom.Below(2, _seed, "fail-reason", instruction.InstructionId) == 0 ? "LACK" : "MONY"));
            }
            else if (u < _failRate + _partialRate && instruction.SettlementDate == date)
            {
                statuses.Add(Status(instruction, $"{instruction.InstructionId}-P{day}", "PartiallySettled", Half(instruction.Quantity), Half(instruction.Cash), null));
            }
            else
            {
                statuses.Add(Status(instruction, $"{instruction.InstructionId}-S{day}", "Settled", instruction.Quantity, instruction.Cash, null));
                _open.TryRemove(instruction.InstructionId, out _);
            }
        }

        return statuses;
    }

    private async Task OnInstruction(ProcessMessageEventArgs args)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (Accept(args.Message.Body.ToMemory(), args.Message.Subject, args.Message.CorrelationId) is { } status)
            {
                await SendAsync(status, args.CancellationToken);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// Takes one instruction: records it as open and answers Matched, or confirms a cancellation as Cancelled; null for an
    /// unreadable instruction (counted).
    /// </summary>
    internal ServiceBusMessage? Accept(ReadOnlyMemory<byte> body, string? subject, string? correlationId)
    {
        Interlocked.Increment(ref _instructions);
        Instruction? instruction;
        bool cancellation;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            cancellation = IsCancellation(root, subject);
            instruction = new Instruction(
                Text(root, "instructionId"),
                cancellation ? default : DateOnly.ParseExact(Text(root, "settlementDate"), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                cancellation ? "0" : Text(root, "quantity"),
                cancellation ? "0" : Cash(root),
                correlationId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            Interlocked.Increment(ref _unreadable);
            return null;
        }

        if (cancellation)
        {
            _open.TryRemove(instruction.InstructionId, out _);
            return Status(instruction, $"{instruction.InstructionId}-CANC", "Cancelled", null, null, null);
        }

        _open.TryAdd(instruction.InstructionId, instruction);
        return Status(instruction, $"{instruction.InstructionId}-MTCH", "Matched", null, null, null);
    }

    /// <summary>Counts a status the caller sent itself (the in-memory load run).</summary>
    internal void CountSent() => Interlocked.Increment(ref _statuses);

    private async Task SendAsync(ServiceBusMessage status, CancellationToken cancellationToken)
    {
        await _sender!.SendMessageAsync(status, cancellationToken);
        Interlocked.Increment(ref _statuses);
    }

    private ServiceBusMessage Status(Instruction instruction, string statusId, string status, string? quantity, string? cash, string? reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 1);
            json.WriteString("statusId", statusId);
            json.WriteString("instructionId", instruction.InstructionId);
            json.WriteString("status", status);
            json.WriteString("reportedAt", _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            if (quantity is not null)
            {
                json.WriteString("settledQuantity", quantity);
                json.WriteString("settledCash", cash);
            }

            if (reason is not null)
            {
                json.WriteString("reasonCode", reason);
            }

            json.WriteEndObject();
        }

        return new ServiceBusMessage(buffer.ToArray()) { MessageId = statusId, CorrelationId = instruction.CorrelationId, ContentType = "application/json" };
    }

    private static bool IsCancellation(JsonElement root, string? subject) =>
        (subject?.Contains("cancel", StringComparison.OrdinalIgnoreCase) ?? false)
        || (root.TryGetProperty("function", out var f) && f.GetString() is { } fn && fn.Contains("canc", StringComparison.OrdinalIgnoreCase))
        || (root.TryGetProperty("kind", out var k) && k.GetString() is { } kind && kind.Contains("cancel", StringComparison.OrdinalIgnoreCase))
        || (root.TryGetProperty("type", out var t) && t.GetString() is { } type && type.Contains("cancel", StringComparison.OrdinalIgnoreCase));

    private static string Cash(JsonElement root)
    {
        foreach (var name in new[] { "settlementAmount", "cashAmount", "amount", "netAmount" })
        {
            if (root.TryGetProperty(name, out var value))
            {
                var text = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("amount", out var inner) ? Raw(inner) : Raw(value);
                return text.TrimStart('-');
            }
        }

        throw new InvalidOperationException("The instruction carries no settlement amount.");
    }

    private static string Half(string value) =>
        decimal.Round(decimal.Parse(value, CultureInfo.InvariantCulture) / 2m, value.Contains('.', StringComparison.Ordinal) ? 2 : 0, MidpointRounding.ToZero).ToString(CultureInfo.InvariantCulture);

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? Raw(value) : throw new InvalidOperationException($"The instruction has no '{name}'.");

    private static string Raw(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    public async ValueTask DisposeAsync()
    {
        foreach (var processor in _processors)
        {
            await processor.StopProcessingAsync();
            await processor.DisposeAsync();
        }

        if (_sender is not null)
        {
            await _sender.DisposeAsync();
        }
    }
}
