using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;

namespace ServerlessBackOffice.ServiceBusEmulator.Tests;

/// <summary>
/// One broker per test class: this emulator on a free loopback port, or, when SERVICEBUS_CONNECTION_STRING is set,
/// a real namespace (or Microsoft's emulator) whose entities are created through the administration client.
/// Every test creates its own uniquely named entities, so tests never see each other's messages.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string ExternalConnectionStringVariable = "SERVICEBUS_CONNECTION_STRING";

    private ServiceBusAdministrationClient? _admin;

    /// <summary>The emulator, or null when the tests run against an external broker.</summary>
    public ServiceBusEmulatorServer? Emulator { get; private set; }

    public string ConnectionString { get; private set; } = string.Empty;

    public ServiceBusClient Client { get; private set; } = null!;

    public bool IsExternal => Emulator is null;

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            _admin = new ServiceBusAdministrationClient(external);
        }
        else
        {
            Emulator = await ServiceBusEmulatorServer.StartAsync(new ServiceBusEmulatorOptions(), TestContext.Current.CancellationToken);
            ConnectionString = Emulator.ConnectionString;
        }

        Client = new ServiceBusClient(ConnectionString, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 1, TryTimeout = TimeSpan.FromSeconds(10), Delay = TimeSpan.FromMilliseconds(100) },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 50)];

    public async Task<string> CreateQueueAsync(ServiceBusEntitySettings? settings = null)
    {
        var name = UniqueName("q");
        settings ??= new ServiceBusEntitySettings();
        if (Emulator is not null)
        {
            Emulator.CreateQueue(name, settings);
            return name;
        }

        var options = new CreateQueueOptions(name)
        {
            LockDuration = settings.LockDuration,
            MaxDeliveryCount = settings.MaxDeliveryCount,
            DeadLetteringOnMessageExpiration = settings.DeadLetteringOnMessageExpiration,
            RequiresDuplicateDetection = settings.RequiresDuplicateDetection,
            RequiresSession = settings.RequiresSession,
            ForwardTo = settings.ForwardTo,
            ForwardDeadLetteredMessagesTo = settings.ForwardDeadLetteredMessagesTo,
        };
        if (settings.RequiresDuplicateDetection)
        {
            options.DuplicateDetectionHistoryTimeWindow = settings.DuplicateDetectionHistoryTimeWindow;
        }

        if (settings.DefaultMessageTimeToLive != TimeSpan.MaxValue)
        {
            options.DefaultMessageTimeToLive = settings.DefaultMessageTimeToLive;
        }

        await _admin!.CreateQueueAsync(options, TestContext.Current.CancellationToken);
        return name;
    }

    public async Task<string> CreateTopicAsync(ServiceBusEntitySettings? settings = null)
    {
        var name = UniqueName("t");
        settings ??= new ServiceBusEntitySettings();
        if (Emulator is not null)
        {
            Emulator.CreateTopic(name, settings);
            return name;
        }

        var options = new CreateTopicOptions(name) { RequiresDuplicateDetection = settings.RequiresDuplicateDetection };
        await _admin!.CreateTopicAsync(options, TestContext.Current.CancellationToken);
        return name;
    }

    public async Task CreateSubscriptionAsync(string topic, string name, ServiceBusEntitySettings? settings = null, params ServiceBusRule[] rules)
    {
        settings ??= new ServiceBusEntitySettings();
        if (Emulator is not null)
        {
            Emulator.CreateSubscription(topic, name, settings, rules);
            return;
        }

        var options = new CreateSubscriptionOptions(topic, name)
        {
            LockDuration = settings.LockDuration,
            MaxDeliveryCount = settings.MaxDeliveryCount,
            DeadLetteringOnMessageExpiration = settings.DeadLetteringOnMessageExpiration,
            RequiresSession = settings.RequiresSession,
            ForwardTo = settings.ForwardTo,
            ForwardDeadLetteredMessagesTo = settings.ForwardDeadLetteredMessagesTo,
        };
        if (rules.Length == 0)
        {
            await _admin!.CreateSubscriptionAsync(options, TestContext.Current.CancellationToken);
            return;
        }

        await _admin!.CreateSubscriptionAsync(options, ToRuleOptions(rules[0]), TestContext.Current.CancellationToken);
        foreach (var rule in rules.Skip(1))
        {
            await _admin.CreateRuleAsync(topic, name, ToRuleOptions(rule), TestContext.Current.CancellationToken);
        }
    }

    private static CreateRuleOptions ToRuleOptions(ServiceBusRule rule)
    {
        if (rule.SqlFilter is { } sql)
        {
            return new CreateRuleOptions(rule.Name, new SqlRuleFilter(sql));
        }

        var c = rule.CorrelationFilter ?? new ServiceBusCorrelationFilter();
        var filter = new CorrelationRuleFilter
        {
            ContentType = c.ContentType,
            CorrelationId = c.CorrelationId,
            Subject = c.Label,
            MessageId = c.MessageId,
            ReplyTo = c.ReplyTo,
            ReplyToSessionId = c.ReplyToSessionId,
            SessionId = c.SessionId,
            To = c.To,
        };
        foreach (var (key, value) in c.Properties)
        {
            filter.ApplicationProperties[key] = value;
        }

        return new CreateRuleOptions(rule.Name, filter);
    }
}
