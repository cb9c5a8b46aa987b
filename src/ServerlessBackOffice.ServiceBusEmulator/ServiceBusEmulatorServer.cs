using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessBackOffice.ServiceBusEmulator.Broker;
using ServerlessBackOffice.ServiceBusEmulator.Configuration;

namespace ServerlessBackOffice.ServiceBusEmulator;

/// <summary>
/// A local Service Bus broker on 127.0.0.1 that the unmodified <c>Azure.Messaging.ServiceBus</c> client talks to over AMQP
/// (connection string with <c>UseDevelopmentEmulator=true</c>). Entities come from a Microsoft emulator <c>Config.json</c>
/// and from the in-process admin methods, which tests use to give each test its own entities.
/// </summary>
public sealed class ServiceBusEmulatorServer : IAsyncDisposable
{
    private readonly EmulatorBroker _broker;
    private readonly AmqpHost _host;
    private readonly ServiceBusEmulatorOptions _options;

    private ServiceBusEmulatorServer(ServiceBusEmulatorOptions options, int port)
    {
        _options = options;
        Port = port;
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ServerlessBackOffice.ServiceBusEmulator");
        _broker = new EmulatorBroker(options.TimeProvider, logger);
        _host = new AmqpHost(_broker, options, logger);
        Logger = logger;
    }

    private ILogger Logger { get; }

    /// <summary>The loopback port the emulator listens on.</summary>
    public int Port { get; }

    /// <summary>A connection string for <c>ServiceBusClient</c>, in the form Microsoft's emulator uses.</summary>
    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName={_options.SharedAccessKeyName};SharedAccessKey={_options.SharedAccessKey};UseDevelopmentEmulator=true;";

    /// <summary>Loads the configuration, creates its entities and starts listening.</summary>
    /// <exception cref="ServiceBusEmulatorConfigurationException">The configuration holds something the emulator does not support.</exception>
    public static Task<ServiceBusEmulatorServer> StartAsync(ServiceBusEmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var declarations = ConfigLoader.Load(options.Config);
        var port = options.Port == 0 ? FreePort() : options.Port;
        var server = new ServiceBusEmulatorServer(options, port);
        try
        {
            foreach (var queue in declarations.Queues)
            {
                server.CreateQueue(queue.Name, queue.Settings);
            }

            foreach (var topic in declarations.Topics)
            {
                server.CreateTopic(topic.Name, topic.Settings);
                foreach (var subscription in topic.Subscriptions)
                {
                    server.CreateSubscription(topic.Name, subscription.Name, subscription.Settings, subscription.Rules);
                }
            }

            server._host.Start(port);
            Log.Listening(server.Logger, port);
            return Task.FromResult(server);
        }
        catch
        {
            server._broker.Dispose();
            throw;
        }
    }

    /// <summary>Creates a queue.</summary>
    public void CreateQueue(string name, ServiceBusEntitySettings? settings = null) => _broker.CreateQueue(name, settings ?? new ServiceBusEntitySettings());

    /// <summary>Creates a topic (only its TTL and duplicate detection settings apply).</summary>
    public void CreateTopic(string name, ServiceBusEntitySettings? settings = null) => _broker.CreateTopic(name, settings ?? new ServiceBusEntitySettings());

    /// <summary>Creates a subscription; with no rules it receives every message, as with the service's $Default rule.</summary>
    public void CreateSubscription(string topicName, string name, ServiceBusEntitySettings? settings = null, IEnumerable<ServiceBusRule>? rules = null) =>
        _broker.CreateSubscription(topicName, name, settings ?? new ServiceBusEntitySettings(), rules ?? []);

    /// <summary>Deletes a queue; its receivers are detached. Returns false when there was none.</summary>
    public bool DeleteQueue(string name) => _broker.DeleteQueue(name);

    /// <summary>Deletes a topic and its subscriptions.</summary>
    public bool DeleteTopic(string name) => _broker.DeleteTopic(name);

    /// <summary>Deletes a subscription.</summary>
    public bool DeleteSubscription(string topicName, string name) => _broker.DeleteSubscription(topicName, name);

    /// <summary>The queues that exist.</summary>
    public IReadOnlyCollection<string> QueueNames => _broker.QueueNames;

    /// <summary>The topics that exist, with their subscriptions.</summary>
    public IReadOnlyCollection<(string Topic, IReadOnlyCollection<string> Subscriptions)> TopicNames => _broker.TopicNames;

    /// <summary>Message counts of a queue (<c>q</c>) or subscription (<c>t/Subscriptions/s</c>).</summary>
    /// <exception cref="InvalidOperationException">No such queue or subscription.</exception>
    public ServiceBusEntityCounts GetCounts(string entityPath) =>
        (_broker.ResolveStore(entityPath) ?? throw new InvalidOperationException($"No queue or subscription '{entityPath}'.")).Counts();

    /// <summary>The operations served since the emulator started: messages sent, delivered and settled, management requests.</summary>
    public ServiceBusOperationCounts Operations => _broker.Operations.Snapshot();

    /// <summary>Empties every queue, subscription and dead-letter queue; the entities remain.</summary>
    public void Reset() => _broker.Reset();

    /// <summary>Stops listening and closes every connection.</summary>
    public ValueTask DisposeAsync()
    {
        _host.Stop();
        _broker.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
