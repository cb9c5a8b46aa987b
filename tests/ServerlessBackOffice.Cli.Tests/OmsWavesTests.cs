using System.Text;
using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Cli.DayRun;

namespace ServerlessBackOffice.Cli.Tests;

/// <summary>
/// The waves a phase is published in: no two messages of one trade or one surveillance window share a wave, each message
/// goes into the earliest wave that allows, and nothing is lost or reordered within a wave.
/// </summary>
public sealed class OmsWavesTests
{
    private static readonly DateTimeOffset Phase = new(2026, 11, 24, 15, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> Owners = new(StringComparer.Ordinal) { ["ACC-1"] = "OWNER-A", ["ACC-2"] = "OWNER-A" };

    private static string OwnerOf(string account) => Owners.TryGetValue(account, out var owner) ? owner : account;

    private static OmsPublication Trade(string id, string tradeId, string account, string isin) =>
        new(id, "C-" + tradeId, Encoding.UTF8.GetBytes($$"""{"schemaVersion":1,"tradeId":"{{tradeId}}","fees":[{"account":"nested"}],"account":"{{account}}","isin":"{{isin}}","quantity":"5"}"""), Phase, "new");

    [Fact]
    public void TradesOfOneWindow_GoIntoSuccessiveWaves_OthersIntoTheFirst()
    {
        var phase = new[]
        {
            Trade("m1", "T1", "ACC-1", "US0378331005"),
            Trade("m2", "T2", "ACC-9", "US0378331005"),
            Trade("m3", "T3", "ACC-2", "US0378331005"), // ACC-2 has ACC-1's owner: the same window as m1
            Trade("m4", "T4", "ACC-1", "GB00BLGZ9862"),
            Trade("m5", "T1", "ACC-1", "GB00BLGZ9862"), // an amendment of T1 into another instrument: after m1 and m4
            new OmsPublication("m6", null, Encoding.UTF8.GetBytes("not json {"), Phase, "invalid"),
        };

        var waves = OmsWaves.Split(phase, OwnerOf);

        Assert.Equal([["m1", "m2", "m4", "m6"], ["m3", "m5"]], waves.Select(w => w.Select(p => p.MessageId).ToArray()).ToArray());
    }

    [Fact]
    public void Keys_AreTheTradeAndTheWindowOfTheTopLevelFields()
    {
        Assert.Equal(["trade|T1", "window|OWNER-A|US0378331005"], OmsWaves.KeysOf(Trade("m", "T1", "ACC-2", "US0378331005").Body, OwnerOf));
        Assert.Equal(["trade|T9"], OmsWaves.KeysOf(Encoding.UTF8.GetBytes("""{"tradeId":"T9","account":42,"isin":"X"}"""), OwnerOf));
        Assert.Equal(["trade|T9"], OmsWaves.KeysOf(Encoding.UTF8.GetBytes("""{"tradeId":"T9","account":"ACC-1" """), OwnerOf));
        Assert.Empty(OmsWaves.KeysOf(Encoding.UTF8.GetBytes("""[{"tradeId":"T9"}]"""), OwnerOf));
        Assert.Empty(OmsWaves.KeysOf(ReadOnlyMemory<byte>.Empty, OwnerOf));
    }

    [Fact]
    public void Waves_KeepEveryMessageOnce_InPhaseOrder_WithNoSharedKeyInAWave_AndEachAsEarlyAsItCanGo()
    {
        var message = Gen.Choose(0, 6 * 5 * 3 - 1).Select(n => (Trade: 1 + (n % 6), Account: 1 + (n / 6 % 5), Isin: 1 + (n / 30)));
        Prop.ForAll(Gen.ListOf(message).ToArbitrary(), (List<(int Trade, int Account, int Isin)> specs) =>
        {
            var phase = specs.Select((s, i) => Trade($"m{i:000}", $"T{s.Trade}", $"ACC-{s.Account}", $"ISIN{s.Isin}")).ToList();
            var waves = OmsWaves.Split(phase, OwnerOf);

            var flattened = waves.SelectMany(w => w).ToList();
            Assert.Equal(phase.Select(p => p.MessageId).Order(StringComparer.Ordinal), flattened.Select(p => p.MessageId).Order(StringComparer.Ordinal));
            var waveOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var w = 0; w < waves.Count; w++)
            {
                Assert.NotEmpty(waves[w]);
                Assert.True(waves[w].Select(p => phase.IndexOf(p)).SequenceEqual(waves[w].Select(p => phase.IndexOf(p)).Order()), "a wave keeps the phase's order");
                var keys = waves[w].SelectMany(p => OmsWaves.KeysOf(p.Body, OwnerOf)).ToList();
                Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
                foreach (var p in waves[w])
                {
                    waveOf[p.MessageId] = w;
                }
            }

            for (var i = 0; i < phase.Count; i++)
            {
                var keys = OmsWaves.KeysOf(phase[i].Body, OwnerOf);
                var earliest = phase.Take(i).Where(e => OmsWaves.KeysOf(e.Body, OwnerOf).Intersect(keys, StringComparer.Ordinal).Any())
                    .Select(e => waveOf[e.MessageId] + 1).DefaultIfEmpty(0).Max();
                Assert.Equal(earliest, waveOf[phase[i].MessageId]);
            }
        }).QuickCheckThrowOnFailure();
    }
}
