using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Json.Schema;
using ServerlessBackOffice.Domain.Capture;
using ServerlessBackOffice.Domain.ReferenceData;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.ReferenceData;

namespace ServerlessBackOffice.Capture.Benchmarks;

/// <summary>
/// Per-message costs of capture, in memory, over the sample reference data. One operation = one message; the messages
/// rotate over a US equity buy and sell, a UK buy (SDRT), a French buy (FTT) and a Treasury (accrued interest).
/// </summary>
[MemoryDiagnoser]
public class CaptureBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);
    private ReferenceDataSet _data = null!;
    private OmsTradeMessage[] _messages = null!;
    private byte[][] _bodies = null!;
    // Static: JsonSchema.Net registers a schema by its $id once per process, and in-process runs call GlobalSetup per benchmark.
    private static readonly Lazy<JsonSchema> Schema = new(() =>
    {
        using var stream = typeof(CaptureBenchmarks).Assembly.GetManifestResourceStream("oms-trade-v1.schema.json")!;
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd());
    });

    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _data = ReferenceDataJson.LoadEmbedded();
        var buy = new OmsTradeMessage("1", "T-1", 1, "new", "2026-11-24T15:30:00.000Z", "2026-11-24", "ACC-US-004", "buy", "US0378331005", "XNAS",
            "100", "187.25", "perUnit", "USD", "W22LROWP2IHZNBB6K528", null, null, "corr-1");
        _messages =
        [
            buy,
            buy with { Side = "sell", Isin = "US5949181045", Price = "421.10" },
            buy with { Isin = "GB0005405286", Mic = "XLON", Currency = "GBP", Account = "ACC-UK-001", Price = "9.874" },
            buy with { Isin = "FR0000120271", Mic = "XPAR", Currency = "EUR", Account = "ACC-EU-001", Price = "55.20" },
            buy with { Isin = "US91282CLW90", Mic = "XOFF", Quantity = "5000000", Price = "99.515625", PriceType = "percentOfPar" },
        ];
        _bodies = [.. _messages.Select(m => JsonSerializer.SerializeToUtf8Bytes(m, CaptureJsonContext.Default.OmsTradeMessage))];
        foreach (var message in _messages)
        {
            if (TradeValidator.Validate(message, _data, CapturePolicy.Default, Now).Trade is null)
            {
                throw new InvalidOperationException("A benchmark message must be valid.");
            }
        }
    }

    /// <summary>Validation of a parsed message + enrichment + economics + settlement date (target ≥ 500,000/s on one core).</summary>
    [Benchmark(Baseline = true)]
    public EnrichedTrade? ValidateEnrichAndCompute()
    {
        var message = _messages[_next++ % _messages.Length];
        return TradeValidator.Validate(message, _data, CapturePolicy.Default, Now).Trade;
    }

    /// <summary>JSON body to the contract record (System.Text.Json, source-generated).</summary>
    [Benchmark]
    public OmsTradeMessage? ParseJson() => OmsMessageParser.Parse(_bodies[_next++ % _bodies.Length]).Message;

    /// <summary>JSON Schema evaluation of one body (JsonSchema.Net), for teams that validate at the edge.</summary>
    [Benchmark]
    public bool EvaluateSchema()
    {
        using var document = JsonDocument.Parse(_bodies[_next++ % _bodies.Length]);
        return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions()).IsValid;
    }
}
