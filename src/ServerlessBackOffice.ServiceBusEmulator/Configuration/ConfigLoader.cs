using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace ServerlessBackOffice.ServiceBusEmulator.Configuration;

/// <summary>A queue, topic or subscription read from a <c>Config.json</c>.</summary>
internal sealed record QueueDeclaration(string Name, ServiceBusEntitySettings Settings);

internal sealed record SubscriptionDeclaration(string Name, ServiceBusEntitySettings Settings, IReadOnlyList<ServiceBusRule> Rules);

internal sealed record TopicDeclaration(string Name, ServiceBusEntitySettings Settings, IReadOnlyList<SubscriptionDeclaration> Subscriptions);

internal sealed record EmulatorDeclarations(IReadOnlyList<QueueDeclaration> Queues, IReadOnlyList<TopicDeclaration> Topics);

/// <summary>
/// Reads Microsoft's emulator <c>Config.json</c> shape. Every setting is either honoured or refused here with a message
/// that names it: a configuration that silently means something else locally would make tests lie.
/// </summary>
internal static class ConfigLoader
{
    private static readonly HashSet<string> QueueKeys =
    [
        "LockDuration", "MaxDeliveryCount", "DefaultMessageTimeToLive", "DeadLetteringOnMessageExpiration",
        "RequiresDuplicateDetection", "DuplicateDetectionHistoryTimeWindow", "RequiresSession", "ForwardTo", "ForwardDeadLetteredMessagesTo",
    ];

    private static readonly HashSet<string> TopicKeys = ["DefaultMessageTimeToLive", "RequiresDuplicateDetection", "DuplicateDetectionHistoryTimeWindow"];

    private static readonly HashSet<string> SubscriptionKeys =
    [
        "LockDuration", "MaxDeliveryCount", "DefaultMessageTimeToLive", "DeadLetteringOnMessageExpiration",
        "RequiresSession", "ForwardTo", "ForwardDeadLetteredMessagesTo",
    ];

    private static readonly HashSet<string> CorrelationKeys =
        ["ContentType", "CorrelationId", "Label", "MessageId", "ReplyTo", "ReplyToSessionId", "SessionId", "To", "Properties"];

    public static EmulatorDeclarations Load(JsonObject? config)
    {
        if (config is null)
        {
            return new EmulatorDeclarations([], []);
        }

        var userConfig = config["UserConfig"] as JsonObject ?? throw Fail("Config.json needs a 'UserConfig' object.");
        var namespaces = userConfig["Namespaces"] as JsonArray ?? throw Fail("UserConfig needs a 'Namespaces' array.");
        if (namespaces.Count != 1)
        {
            throw Fail($"UserConfig declares {namespaces.Count} namespaces; the emulator, like Microsoft's, serves exactly one.");
        }

        var ns = namespaces[0] as JsonObject ?? throw Fail("A namespace must be an object.");
        var queues = new List<QueueDeclaration>();
        foreach (var node in ns["Queues"] as JsonArray ?? [])
        {
            var queue = node as JsonObject ?? throw Fail("A queue must be an object.");
            var name = RequireName(queue, "queue");
            queues.Add(new QueueDeclaration(name, ReadSettings(queue["Properties"] as JsonObject, QueueKeys, $"queue '{name}'")));
        }

        var topics = new List<TopicDeclaration>();
        foreach (var node in ns["Topics"] as JsonArray ?? [])
        {
            var topic = node as JsonObject ?? throw Fail("A topic must be an object.");
            var name = RequireName(topic, "topic");
            var subscriptions = new List<SubscriptionDeclaration>();
            foreach (var subNode in topic["Subscriptions"] as JsonArray ?? [])
            {
                var sub = subNode as JsonObject ?? throw Fail($"A subscription of topic '{name}' must be an object.");
                var subName = RequireName(sub, $"subscription of topic '{name}'");
                var where = $"subscription '{name}/{subName}'";
                var rules = new List<ServiceBusRule>();
                foreach (var ruleNode in sub["Rules"] as JsonArray ?? [])
                {
                    rules.Add(ReadRule(ruleNode as JsonObject ?? throw Fail($"A rule of {where} must be an object."), where));
                }

                subscriptions.Add(new SubscriptionDeclaration(subName, ReadSettings(sub["Properties"] as JsonObject, SubscriptionKeys, where), rules));
            }

            topics.Add(new TopicDeclaration(name, ReadSettings(topic["Properties"] as JsonObject, TopicKeys, $"topic '{name}'"), subscriptions));
        }

        return new EmulatorDeclarations(queues, topics);
    }

    public static ServiceBusRule ReadRule(JsonObject rule, string where)
    {
        var name = RequireName(rule, $"rule of {where}");
        where = $"rule '{name}' of {where}";
        var properties = rule["Properties"] as JsonObject ?? throw Fail($"The {where} needs 'Properties'.");
        foreach (var (key, _) in properties)
        {
            if (key is not ("FilterType" or "SqlFilter" or "CorrelationFilter" or "Action"))
            {
                throw Fail($"The {where} has the setting '{key}', which the emulator does not support.");
            }
        }

        if (properties["Action"] is JsonObject action && action.Count > 0 && !string.IsNullOrWhiteSpace(action["SqlExpression"]?.GetValue<string>()))
        {
            throw Fail($"The {where} has a SQL rule action ('{action["SqlExpression"]}'); the emulator does not support rule actions.");
        }

        var filterType = properties["FilterType"]?.GetValue<string>() ?? throw Fail($"The {where} needs a 'FilterType' (Sql or Correlation).");
        switch (filterType)
        {
            case "Sql":
                var expression = (properties["SqlFilter"] as JsonObject)?["SqlExpression"]?.GetValue<string>()
                    ?? throw Fail($"The {where} has FilterType Sql but no SqlFilter.SqlExpression.");
                try
                {
                    _ = Filters.SqlFilterParser.Parse(expression);
                }
                catch (FormatException ex)
                {
                    throw Fail($"The {where} has a SQL filter the emulator cannot evaluate: {ex.Message}", ex);
                }

                return new ServiceBusRule(name, SqlFilter: expression);
            case "Correlation":
                var correlation = properties["CorrelationFilter"] as JsonObject ?? throw Fail($"The {where} has FilterType Correlation but no CorrelationFilter.");
                foreach (var (key, _) in correlation)
                {
                    if (!CorrelationKeys.Contains(key))
                    {
                        throw Fail($"The {where} has the correlation field '{key}', which the emulator does not support.");
                    }
                }

                var userProperties = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in correlation["Properties"] as JsonObject ?? [])
                {
                    userProperties[key] = value switch
                    {
                        null => null,
                        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
                        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) => l,
                        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
                        _ => throw Fail($"The {where} has a correlation property '{key}' whose value is not a string, number or boolean."),
                    };
                }

                return new ServiceBusRule(name, CorrelationFilter: new ServiceBusCorrelationFilter
                {
                    ContentType = Text(correlation, "ContentType"),
                    CorrelationId = Text(correlation, "CorrelationId"),
                    Label = Text(correlation, "Label"),
                    MessageId = Text(correlation, "MessageId"),
                    ReplyTo = Text(correlation, "ReplyTo"),
                    ReplyToSessionId = Text(correlation, "ReplyToSessionId"),
                    SessionId = Text(correlation, "SessionId"),
                    To = Text(correlation, "To"),
                    Properties = userProperties,
                });
            default:
                throw Fail($"The {where} has FilterType '{filterType}'; the emulator supports Sql and Correlation.");
        }
    }

    private static ServiceBusEntitySettings ReadSettings(JsonObject? properties, HashSet<string> allowed, string where)
    {
        var settings = new ServiceBusEntitySettings();
        if (properties is null)
        {
            return settings;
        }

        foreach (var (key, value) in properties)
        {
            if (!allowed.Contains(key))
            {
                throw Fail($"The {where} has the setting '{key}', which the emulator does not support there.");
            }

            try
            {
                settings = key switch
                {
                    "LockDuration" => settings with { LockDuration = Duration(value, key, where) },
                    "MaxDeliveryCount" => settings with { MaxDeliveryCount = value!.GetValue<int>() },
                    "DefaultMessageTimeToLive" => settings with { DefaultMessageTimeToLive = Duration(value, key, where) },
                    "DeadLetteringOnMessageExpiration" => settings with { DeadLetteringOnMessageExpiration = value!.GetValue<bool>() },
                    "RequiresDuplicateDetection" => settings with { RequiresDuplicateDetection = value!.GetValue<bool>() },
                    "DuplicateDetectionHistoryTimeWindow" => settings with { DuplicateDetectionHistoryTimeWindow = Duration(value, key, where) },
                    "RequiresSession" => settings with { RequiresSession = value!.GetValue<bool>() },
                    "ForwardTo" => settings with { ForwardTo = EmptyToNull(value?.GetValue<string>()) },
                    "ForwardDeadLetteredMessagesTo" => settings with { ForwardDeadLetteredMessagesTo = EmptyToNull(value?.GetValue<string>()) },
                    _ => throw Fail($"The {where} has the setting '{key}', which the emulator does not support."),
                };
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw Fail($"The {where} has an invalid value for '{key}': {value?.ToJsonString()}.", ex);
            }
        }

        if (settings.MaxDeliveryCount < 1)
        {
            throw Fail($"The {where} has MaxDeliveryCount {settings.MaxDeliveryCount}; it must be at least 1.");
        }

        if (settings.LockDuration <= TimeSpan.Zero || settings.LockDuration > TimeSpan.FromMinutes(5))
        {
            throw Fail($"The {where} has LockDuration {settings.LockDuration}; the service allows more than zero and at most 5 minutes.");
        }

        return settings;
    }

    private static TimeSpan Duration(JsonNode? value, string key, string where)
    {
        var text = value?.GetValue<string>() ?? throw Fail($"The {where} needs an ISO 8601 duration for '{key}'.");
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException ex)
        {
            throw Fail($"The {where} has '{text}' for '{key}', which is not an ISO 8601 duration such as PT1M.", ex);
        }
    }

    private static string RequireName(JsonObject node, string what)
    {
        var name = node["Name"]?.GetValue<string>();
        return string.IsNullOrWhiteSpace(name) ? throw Fail($"A {what} has no 'Name'.") : name;
    }

    private static string? Text(JsonObject node, string key) => EmptyToNull(node[key]?.GetValue<string>());

    private static string? EmptyToNull(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ServiceBusEmulatorConfigurationException Fail(string message, Exception? inner = null) =>
        inner is null ? new ServiceBusEmulatorConfigurationException(message) : new ServiceBusEmulatorConfigurationException(message, inner);
}
