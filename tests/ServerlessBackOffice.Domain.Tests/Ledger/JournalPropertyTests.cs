using FsCheck;
using FsCheck.Fluent;
using ServerlessBackOffice.Domain.Ledger;

namespace ServerlessBackOffice.Domain.Tests.Ledger;

/// <summary>
/// Random streams of trades, amendments, cancels and partial settlements, delivered with duplicates and in any order
/// (a refused settlement is redelivered later, as Service Bus would), always leave a ledger that balances per asset and
/// whose positions equal the live fills.
/// </summary>
public sealed class JournalPropertyTests
{
    private abstract record Event;
    private sealed record TradeEvent(LedgerTrade Trade) : Event;
    private sealed record CancelEvent(string TradeId, int Version, DateOnly Day) : Event;
    private sealed record SettleEvent(LedgerSettlement Settlement) : Event;

    [Fact]
    public void Property_AnyDeliveryOrderLeavesABalancedLedgerWhosePositionsEqualTheFills()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed => Check(seed)).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2024)]
    [InlineData(-77)]
    public void KnownSeeds_LeaveABalancedLedger(int seed) => Assert.True(Check(seed));

    private static bool Check(int seed)
    {
        var random = new Random(seed);
        var events = new List<Event>();
        var expectedPositions = new Dictionary<(string, string, string), decimal>();
        var expectedSettled = new Dictionary<(string, string, string), decimal>();
        var accounts = new[] { "ACC-001", "ACC-002", "ACC-003" };
        var instruments = new[] { "US0378331005", "US5949181045" };
        var day = new DateOnly(2026, 11, 24);

        for (var t = 0; t < random.Next(1, 25); t++)
        {
            var versions = random.Next(1, 4);
            LedgerTrade? last = null;
            for (var v = 1; v <= versions; v++)
            {
                var quantity = random.Next(1, 1_000);
                last = new LedgerTradeBuilder()
                    .WithId($"T-{t}").WithVersion(v).WithAccount(accounts[random.Next(accounts.Length)])
                    .WithQuantity(quantity).WithGross(quantity * (random.Next(1_000, 50_000) / 100m))
                    .WithFees(random.Next(0, 300) / 100m).WithAccruedInterest(random.Next(0, 2) == 0 ? 0m : random.Next(0, 10_000) / 100m)
                    .Build() with { Instrument = instruments[random.Next(instruments.Length)], Side = random.Next(2) == 0 ? PostingSide.Buy : PostingSide.Sell };
                events.Add(new TradeEvent(last));
            }

            var key = (last!.Book, last.Account, last.Instrument);
            if (random.Next(5) == 0)
            {
                events.Add(new CancelEvent(last.TradeId, last.Version + 1, day));
                continue;
            }

            var sign = last.Side == PostingSide.Buy ? 1m : -1m;
            expectedPositions[key] = expectedPositions.GetValueOrDefault(key) + (sign * last.Quantity);
            var settled = 0m;
            for (var s = 0; s < random.Next(0, 4) && settled < last.Quantity; s++)
            {
                settled = Math.Min(last.Quantity, settled + random.Next(1, (int)last.Quantity + 1));
                events.Add(new SettleEvent(new LedgerSettlement($"S-{t}-{s}", last.TradeId, last.Version, day.AddDays(1), settled)));
            }

            expectedSettled[key] = expectedSettled.GetValueOrDefault(key) + (sign * settled);
        }

        // At-least-once delivery: every event may arrive twice, and in any order.
        var queue = new Queue<Event>(events.Concat(events.Where(_ => random.Next(3) == 0)).OrderBy(_ => random.Next()));
        var journal = new Journal();
        var deliveries = 0;
        while (queue.Count > 0 && deliveries++ < 10_000)
        {
            var next = queue.Dequeue();
            var outcome = next switch
            {
                TradeEvent e => journal.PostTrade(e.Trade),
                CancelEvent e => journal.CancelTrade(e.TradeId, e.Version, e.Day),
                SettleEvent e => journal.PostSettlement(e.Settlement),
                _ => throw new InvalidOperationException(),
            };

            // A settlement that overtook its trade version is refused and redelivered, as an abandoned message would be.
            if (outcome.Result == PostingResult.Refused && next is SettleEvent)
            {
                queue.Enqueue(next);
            }
        }

        var positions = journal.Positions();
        var settledPositions = journal.Balances.Where(b => b.Key.Kind == AccountKind.PositionSettled)
            .ToDictionary(b => (b.Key.Book, b.Key.Owner, b.Key.Asset), b => b.Value);
        return journal.CheckInvariants().Count == 0
            && journal.Entries.All(e => e.IsBalanced)
            && expectedPositions.All(p => positions.GetValueOrDefault(p.Key) == p.Value)
            && positions.All(p => expectedPositions.GetValueOrDefault(p.Key) == p.Value)
            && expectedSettled.All(p => settledPositions.GetValueOrDefault(p.Key) == p.Value);
    }
}
