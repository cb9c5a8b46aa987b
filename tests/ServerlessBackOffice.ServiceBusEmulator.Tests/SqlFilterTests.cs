using ServerlessBackOffice.ServiceBusEmulator.Filters;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>The SQL filter parser and evaluator, on messages built in memory.</summary>
public sealed class SqlFilterTests
{
    private sealed class Message(Dictionary<string, object?> user, Dictionary<string, object?>? system = null) : IMessageProperties
    {
        public bool TryGetSystem(string name, out object? value)
        {
            value = null;
            return system is not null && system.TryGetValue(name, out value);
        }

        public bool TryGetUser(string name, out object? value) => user.TryGetValue(name, out value);
    }

    private static readonly Message Trade = new(
        new() { ["eventType"] = "TradeCaptured", ["quantity"] = 100, ["price"] = 99.5, ["desk"] = "rates-london", ["urgent"] = true, ["note"] = null },
        new() { ["MessageId"] = "123456", ["Label"] = "trade", ["To"] = "settlement" });

    [Theory]
    [InlineData("eventType = 'TradeCaptured'", true)]
    [InlineData("eventType <> 'TradeCaptured'", false)]
    [InlineData("eventType != 'TradeSettled'", true)]
    [InlineData("quantity > 50 AND quantity <= 100", true)]
    [InlineData("quantity < 100 OR price >= 99.5", true)]
    [InlineData("NOT (quantity = 100)", false)]
    [InlineData("eventType IN ('TradeAmended', 'TradeCaptured')", true)]
    [InlineData("eventType NOT IN ('TradeAmended', 'TradeCaptured')", false)]
    [InlineData("missing IS NULL AND note IS NULL AND eventType IS NOT NULL", true)]
    [InlineData("desk LIKE 'rates-%'", true)]
    [InlineData("desk LIKE 'rates_london'", true)]
    [InlineData("desk NOT LIKE '%paris'", true)]
    [InlineData("desk LIKE 'rates!_%' ESCAPE '!'", false)]
    [InlineData("EXISTS(eventType) AND NOT EXISTS(missing)", true)]
    [InlineData("EXISTS(sys.To) AND NOT EXISTS(sys.ReplyTo)", true)]
    [InlineData("sys.MessageId = '123456' AND sys.Label = 'trade'", true)]
    [InlineData("user.eventType = 'TradeCaptured' AND [desk] = 'rates-london'", true)]
    [InlineData("urgent = TRUE", true)]
    [InlineData("missing = 'x'", false)]
    [InlineData("NOT (missing = 'x')", false)]
    [InlineData("missing = 'x' OR quantity = 100", true)]
    [InlineData("quantity + 1 = 101", true)]
    [InlineData("1 = 1", true)]
    [InlineData("eventType = 'it''s'", false)]
    public void Evaluate_MatchesLikeServiceBusSql(string expression, bool expected)
    {
        var filter = SqlFilterParser.Parse(expression);

        Assert.Equal(expected, filter.Matches(Trade));
    }

    [Theory]
    [InlineData("eventType =")]
    [InlineData("eventType IN 'a'")]
    [InlineData("desk LIKE 5")]
    [InlineData("(quantity = 1")]
    [InlineData("eventType = 'unterminated")]
    [InlineData("quantity = 1 garbage")]
    public void Parse_WhenTheExpressionIsOutsideTheSubset_FailsWithThePosition(string expression)
    {
        var error = Assert.Throws<FormatException>(() => SqlFilterParser.Parse(expression));

        Assert.Contains("position", error.Message, StringComparison.Ordinal);
    }
}
