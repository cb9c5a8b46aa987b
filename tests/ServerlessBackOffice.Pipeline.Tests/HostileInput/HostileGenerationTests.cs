using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Pipeline.Capture;
using ServerlessBackOffice.Pipeline.Confirmation;
using ServerlessBackOffice.Pipeline.Contracts;
using ServerlessBackOffice.Pipeline.Settlement;
using ServerlessBackOffice.Pipeline.Tests.Confirmation;
using ServerlessBackOffice.Pipeline.Tests.Settlement;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Pipeline.Tests.HostileInput;

/// <summary>
/// Hostile messages beyond the corpus: FsCheck mutates a valid message of each contract (fields set to hostile values, removed,
/// added; the bytes truncated or overwritten) from a fixed seed, and every handler must answer each one without a throw, with
/// a reason for every rejection and dead-letter, and account for every message. <c>./test.sh</c> runs
/// <see cref="DefaultCases"/> per contract; set <c>BACKOFFICE_HOSTILE_CASES</c> (and <c>BACKOFFICE_HOSTILE_SEED</c>) for a
/// larger run (docs/reliability.md).
/// </summary>
public sealed class HostileGenerationTests
{
    public const int DefaultCases = 150;

    public const ulong DefaultSeed = 20261205;

    private static readonly string[] HostileValues =
    [
        "\"\"", "\" \"", "\"NaN\"", "\"Infinity\"", "\"-0\"", "\"1e400\"", "\"0x10\"", "\"99999999999999999999999999999999\"", "\"-999999999999999999\"",
        "\"999999999999999999\"", "\"0.00000000001\"", "\"0.0000000001\"", "\"\\u0000\"", "\"\\u202e\"", "\"\\ud800\"", "\"\\u001b[31m\"", "\"2026-02-30\"",
        "\"9999-12-31\"", "\"0001-01-01\"", "\"10000-01-01T00:00:00Z\"", "\"2026-11-24T25:00:00Z\"", "null", "true", "false", "0", "-1", "1.5", "1e308",
        "-1e308", "1e400", "9223372036854775807", "9223372036854775808", "2147483648", "{}", "[]", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":{\"b\":[1,{\"c\":null}]}}",
        "\"" + new string('x', 70_000) + "\"", "\"" + new string('y', 5_000) + "\"", "\"buy\"", "\"Sell\"", "\"Settled\"", "\"4\"", "\"US0378331005\"",
        "\"US0378331006\"", "\"W22LROWP2IHZNBB6K528\"", "\"ACC-US-004\"", "\"XNAS\"", "\"USD\"", "\"amend\"", "\"cancel\"", "\"percentOfPar\"", "\"1\"",
        "\"2\"", "1", "2", "\"T-1\"", "\"Matched\"", "\"PartiallySettled\"", "\"LACK\"",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("BACKOFFICE_HOSTILE_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : DefaultCases;

    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("BACKOFFICE_HOSTILE_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

    /// <summary>One change to a message: 0 set a field, 1 remove it, 2 add an unknown field, 3 truncate the bytes, 4 overwrite a byte.</summary>
    internal sealed record Mutation(int Kind, int Field, int Value, int Position);

    [Fact]
    public async Task Capture_GeneratedHostileOmsMessages_AllGetAnAnswer_AndPublishedEqualsTheSumOfTheOutcomes()
    {
        var capture = new InMemoryCapture();
        var bodies = Generate(Fields(new OmsJsonBuilder().Build()), Seed);
        var wrong = new List<string>();
        for (var i = 0; i < bodies.Count; i++)
        {
            try
            {
                var result = await capture.Handler.HandleAsync(new InboundMessage($"gen-{i}", bodies[i], 1), Ct);
                if (result.Outcome is CaptureOutcomeKind.Rejected or CaptureOutcomeKind.DeadLettered && result.ReasonCode is null)
                {
                    wrong.Add($"gen-{i}: {result.Outcome} without a reason code");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"gen-{i}: threw {ex.GetType().Name}: {HostileCorpusTests.Short(ex.Message)} for {HostileCorpusTests.Short(Encoding.UTF8.GetString(bodies[i]))}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        Assert.Equal(bodies.Count, capture.Tally().Total);
        Assert.Equal(bodies.Count, capture.Publisher.Delivered.Count(m => m.Destination == Entities.OmsReplies.Name));
        Assert.Equal(capture.Tally().Accepted, capture.Publisher.Delivered.Count(m => m.Destination == Entities.TradeEvents.Name));
    }

    [Fact]
    public async Task Affirmation_GeneratedHostileAffirmations_AllGetAnArchivedOutcome_AndEveryDeadLetterHasAReason()
    {
        var stage = new ConfirmationStageHarness();
        var trade = ConfirmationSamples.TradeEvent();
        await stage.Deliver(trade);
        var bodies = Generate(Fields(ConfirmationSamples.Json(ConfirmationSamples.AffirmationOf(trade, "AFF-GEN"))), Seed + 1);
        var wrong = new List<string>();
        for (var i = 0; i < bodies.Count; i++)
        {
            try
            {
                var result = await stage.Affirmation.HandleAsync(new InboundMessage($"gen-{i}", bodies[i], 1), Ct);
                if (result.Disposition == MessageDisposition.DeadLetter && (string.IsNullOrEmpty(result.Reason) || string.IsNullOrWhiteSpace(result.Description)))
                {
                    wrong.Add($"gen-{i}: dead-lettered without a reason and description");
                }

                if (await stage.InboundRecordAsync($"gen-{i}") is null)
                {
                    wrong.Add($"gen-{i}: {result.Outcome} but not archived");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"gen-{i}: threw {ex.GetType().Name}: {HostileCorpusTests.Short(ex.Message)} for {HostileCorpusTests.Short(Encoding.UTF8.GetString(bodies[i]))}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public async Task CustodianStatus_GeneratedHostileStatuses_AllEndCompletedOrDeadLetteredWithAReason()
    {
        var stage = new SettlementStageHarness();
        await stage.CaptureAsync("T-S-1", SettlementStageHarness.GrossCounterparty);
        await stage.AffirmAsync("T-S-1");
        var instructionId = SettlementRules.InstructionIdOf([("T-S-1", 1L)]);
        var bodies = Generate(Fields(Encoding.UTF8.GetBytes(SettlementStageHarness.StatusJson(instructionId, "ST-GEN", "PartiallySettled", 5, "10", "100"))), Seed + 2);
        var wrong = new List<string>();
        var settled = 0;
        for (var i = 0; i < bodies.Count; i++)
        {
            try
            {
                var body = bodies[i];
                var result = await ServiceBus.DeliverUntilSettledAsync(count => stage.Statuses.HandleAsync(new InboundMessage($"gen-{i}", body, count), Ct));
                if (result.Disposition == SettlementDisposition.DeadLetter && (string.IsNullOrEmpty(result.Reason) || string.IsNullOrWhiteSpace(result.Description)))
                {
                    wrong.Add($"gen-{i}: dead-lettered without a reason and description");
                }

                settled += result.Disposition is SettlementDisposition.Complete or SettlementDisposition.DeadLetter ? 1 : 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                wrong.Add($"gen-{i}: threw {ex.GetType().Name}: {HostileCorpusTests.Short(ex.Message)} for {HostileCorpusTests.Short(Encoding.UTF8.GetString(bodies[i]))}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
        Assert.Equal(bodies.Count, settled);
    }

    /// <summary>The top-level fields of a valid message, as raw JSON values in their order.</summary>
    internal static List<(string Name, string Raw)> Fields(byte[] valid)
    {
        using var document = JsonDocument.Parse(valid);
        return [.. document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText()))];
    }

    /// <summary>The bodies of <see cref="Cases"/> mutated messages, the same for the same seed.</summary>
    internal static List<byte[]> Generate(List<(string Name, string Raw)> fields, ulong seed)
    {
        var mutation = from kind in Gen.Frequency((5, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)), (1, Gen.Constant(4)))
                       from field in Gen.Choose(0, fields.Count - 1)
                       from value in Gen.Choose(0, HostileValues.Length - 1)
                       from position in Gen.Choose(0, int.MaxValue)
                       select new Mutation(kind, field, value, position);
        var mutations = Gen.Choose(1, 3).SelectMany(n => Gen.ListOf(mutation, n));
        return [.. Gen.Sample(mutations, 30, new Rnd(seed, 0x9E3779B97F4A7C15UL), Cases).Select(m => Apply(fields, m))];
    }

    private static byte[] Apply(List<(string Name, string Raw)> valid, IEnumerable<Mutation> mutations)
    {
        var fields = valid.ToList();
        var byteLevel = new List<Mutation>();
        foreach (var m in mutations)
        {
            var index = m.Field % Math.Max(1, fields.Count);
            switch (m.Kind)
            {
                case 0 when fields.Count > 0: fields[index] = (fields[index].Name, HostileValues[m.Value]); break;
                case 1 when fields.Count > 0: fields.RemoveAt(index); break;
                case 2: fields.Add(("x" + m.Value.ToString(CultureInfo.InvariantCulture), HostileValues[m.Value])); break;
                default: byteLevel.Add(m); break;
            }
        }

        var bytes = Encoding.UTF8.GetBytes("{" + string.Join(",", fields.Select(f => JsonSerializer.Serialize(f.Name) + ":" + f.Raw)) + "}");
        foreach (var m in byteLevel)
        {
            if (m.Kind == 3)
            {
                bytes = bytes[..(m.Position % (bytes.Length + 1))];
            }
            else if (bytes.Length > 0)
            {
                bytes[m.Position % bytes.Length] = (byte)(m.Value * 37 % 256);
            }
        }

        return bytes;
    }
}
