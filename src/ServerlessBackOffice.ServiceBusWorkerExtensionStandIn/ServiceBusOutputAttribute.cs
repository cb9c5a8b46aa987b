using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>Stand-in for the official Service Bus output binding attribute.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.ReturnValue)]
public sealed class ServiceBusOutputAttribute : OutputBindingAttribute
{
    /// <summary>Sends to a queue or a topic.</summary>
    public ServiceBusOutputAttribute(string queueOrTopicName, ServiceBusEntityType entityType = ServiceBusEntityType.Queue)
    {
        QueueOrTopicName = queueOrTopicName;
        EntityType = entityType;
    }

    /// <summary>The queue or topic to send to.</summary>
    public string QueueOrTopicName { get; }

    /// <summary>The app setting of the namespace connection.</summary>
    public string? Connection { get; set; }

    /// <summary>Whether <see cref="QueueOrTopicName"/> is a queue or a topic.</summary>
    public ServiceBusEntityType EntityType { get; set; }
}

/// <summary>The kind of entity an output binding sends to.</summary>
public enum ServiceBusEntityType
{
    /// <summary>A queue.</summary>
    Queue,

    /// <summary>A topic.</summary>
    Topic,
}
