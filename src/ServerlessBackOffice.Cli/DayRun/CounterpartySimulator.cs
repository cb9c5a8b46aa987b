using System.Globalization;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The simulated counterparties: each reads its own filtered subscription of the counterparty topic and answers every
/// confirmation with an affirmation (contract affirmation-v1) on the affirmations queue. Whether a counterparty affirms,
/// disagrees on the price, or stays silent is a function of the seed and the trade id and version only.
/// </summary>
internal sealed class CounterpartySimulator : IAsyncDisposable
{
    private readonly ServiceBusSender? _sender;
    private readonly List<ServiceBusProcessor> _processors = [];
    private readonly int _seed;
    private readonly double _mismatchRate;
    private readonly double _silenceRate;
    private long _inFlight;
    private long _confirmations;
    private long _affirmations;
    private long _mismatches;
    private long _silent;
    private long _unreadable;

    /// <summary>The counterparties without a transport: the caller hands each confirmation to <see cref="Answer"/> (the in-memory load run).</summary>
    public CounterpartySimulator(int seed, double mismatchRate, double silenceRate)
    {
        _seed = seed;
        _mismatchRate = mismatchRate;
        _silenceRate = silenceRate;
    }

    public CounterpartySimulator(ServiceBusClient client, int seed, double mismatchRate, double silenceRate)
        : this(seed, mismatchRate, silenceRate)
    {
        ArgumentNullException.ThrowIfNull(client);
        _sender = client.CreateSender(Entities.AffirmationsInbound.Name);
        var topic = TopologyDocument.Default.ServiceBus.Topics.Single(t => t.Name == Entities.CounterpartyOutbound.Name);
        foreach (var subscription in topic.Subscriptions)
        {
            var processor = client.CreateProcessor(topic.Name, subscription.Name, new ServiceBusProcessorOptions { MaxConcurrentCalls = 2, PrefetchCount = 20, AutoCompleteMessages = true, MaxAutoLockRenewalDuration = TimeSpan.Zero });
            processor.ProcessMessageAsync += OnConfirmation;
            processor.ProcessErrorAsync += _ => Task.CompletedTask;
            _processors.Add(processor);
        }
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Counts: confirmations read, affirmations sent (of which deliberately mismatched), left unanswered, unreadable.</summary>
    public (long Confirmations, long Affirmations, long Mismatches, long Silent, long Unreadable) Counts =>
        (Interlocked.Read(ref _confirmations), Interlocked.Read(ref _affirmations), Interlocked.Read(ref _mismatches), Interlocked.Read(ref _silent), Interlocked.Read(ref _unreadable));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var processor in _processors)
        {
            await processor.StartProcessingAsync(cancellationToken);
        }
    }

    private async Task OnConfirmation(ProcessMessageEventArgs args)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            var affirmation = Answer(args.Message.Body.ToMemory());
            if (affirmation is null)
            {
                return;
            }

            await _sender!.SendMessageAsync(affirmation, args.CancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The counterparty's answer to one confirmation: an affirmation to send, or null (silent, a cancellation, unreadable).</summary>
    internal ServiceBusMessage? Answer(ReadOnlyMemory<byte> body)
    {
        Interlocked.Increment(ref _confirmations);
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _unreadable);
            return null;
        }

        // A cancellation notice (or anything that is not a confirmation of economics) needs no affirmation.
        if (!root.TryGetProperty("netAmount", out _) || IsCancellation(root))
        {
            return null;
        }

        var tradeId = Text(root, "tradeId");
        var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : long.Parse(Text(root, "version"), CultureInfo.InvariantCulture);
        var versionText = version.ToString(CultureInfo.InvariantCulture);
        var u = StableRandom.Unit(_seed, "counterparty", tradeId, versionText);
        if (u < _silenceRate)
        {
            Interlocked.Increment(ref _silent);
            return null;
        }

        var price = Text(root, "price");
        if (u < _silenceRate + _mismatchRate)
        {
            // The counterparty booked a price 1% away: outside every tolerance in reference data.
            var theirs = decimal.Parse(price, CultureInfo.InvariantCulture) * 1.01m;
            price = decimal.Round(theirs, 6, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture);
            Interlocked.Increment(ref _mismatches);
        }

        var affirmationId = $"AFF-{tradeId}-v{versionText}";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 1);
            json.WriteString("affirmationId", affirmationId);
            json.WriteString("tradeId", tradeId);
            json.WriteNumber("version", version);
            json.WriteString("account", Text(root, "account"));
            json.WriteString("counterpartyLei", Text(root, "counterpartyLei"));
            json.WriteString("isin", Text(root, "isin"));
            json.WriteString("side", Capitalised(Text(root, "side")));
            json.WriteString("quantity", Text(root, "quantity"));
            json.WriteString("price", price);
            json.WriteString("currency", Text(root, "currency"));
            json.WriteString("tradeDate", Text(root, "tradeDate"));
            json.WriteString("settlementDate", Text(root, "settlementDate"));
            json.WriteString("netAmount", Text(root, "netAmount"));
            json.WriteEndObject();
        }

        Interlocked.Increment(ref _affirmations);
        return new ServiceBusMessage(buffer.ToArray())
        {
            MessageId = affirmationId,
            CorrelationId = root.TryGetProperty("correlationId", out var c) ? c.GetString() : null,
            ContentType = "application/json",
        };
    }

    private static bool IsCancellation(JsonElement root) =>
        (root.TryGetProperty("kind", out var kind) && kind.GetString() is { } k && k.Contains("cancel", StringComparison.OrdinalIgnoreCase))
        || (root.TryGetProperty("type", out var type) && type.GetString() is { } t && t.Contains("cancel", StringComparison.OrdinalIgnoreCase))
        || (root.TryGetProperty("status", out var status) && status.GetString() is { } s && s.Contains("cancel", StringComparison.OrdinalIgnoreCase));

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : throw new InvalidOperationException($"The confirmation has no '{name}'.");

    private static string Capitalised(string side) => side.Length == 0 ? side : char.ToUpperInvariant(side[0]) + side[1..].ToLowerInvariant();

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
