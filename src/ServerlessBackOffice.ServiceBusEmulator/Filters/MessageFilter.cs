namespace ServerlessBackOffice.ServiceBusEmulator.Filters;

/// <summary>A compiled subscription rule.</summary>
internal sealed class MessageFilter
{
    private readonly SqlExpression? _sql;
    private readonly ServiceBusCorrelationFilter? _correlation;

    public MessageFilter(ServiceBusRule rule)
    {
        Rule = rule;
        _sql = rule.SqlFilter is null ? null : SqlFilterParser.Parse(rule.SqlFilter);
        _correlation = rule.CorrelationFilter;
    }

    public ServiceBusRule Rule { get; }

    public bool Matches(IMessageProperties message)
    {
        if (_sql is not null)
        {
            return _sql.Matches(message);
        }

        if (_correlation is not { } c)
        {
            return true;
        }

        return SystemEquals(message, "ContentType", c.ContentType)
            && SystemEquals(message, "CorrelationId", c.CorrelationId)
            && SystemEquals(message, "Label", c.Label)
            && SystemEquals(message, "MessageId", c.MessageId)
            && SystemEquals(message, "ReplyTo", c.ReplyTo)
            && SystemEquals(message, "ReplyToSessionId", c.ReplyToSessionId)
            && SystemEquals(message, "SessionId", c.SessionId)
            && SystemEquals(message, "To", c.To)
            && c.Properties.All(p => message.TryGetUser(p.Key, out var value) && Values.Compare(value, p.Value) == 0);
    }

    private static bool SystemEquals(IMessageProperties message, string name, string? expected) =>
        expected is null || (message.TryGetSystem(name, out var value) && value is string s && string.Equals(s, expected, StringComparison.Ordinal));
}
