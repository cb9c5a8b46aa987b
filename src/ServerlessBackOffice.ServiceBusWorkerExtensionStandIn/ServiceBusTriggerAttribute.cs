using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Stand-in for the official Service Bus trigger attribute. The function metadata generator names the binding after the
/// attribute class, so this emits <c>"type":"serviceBusTrigger"</c> exactly as the official attribute does.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ServiceBusTriggerAttribute : TriggerBindingAttribute, ISupportCardinality
{
    private bool _isBatched;

    /// <summary>Triggers on a queue.</summary>
    public ServiceBusTriggerAttribute(string queueName)
    {
        QueueName = queueName;
    }

    /// <summary>Triggers on a topic subscription.</summary>
    public ServiceBusTriggerAttribute(string topicName, string subscriptionName)
    {
        TopicName = topicName;
        SubscriptionName = subscriptionName;
    }

    /// <summary>The app setting (or setting prefix, for identity-based connections) of the namespace connection.</summary>
    public string? Connection { get; set; }

    /// <summary>The queue to trigger on, when triggering on a queue.</summary>
    public string? QueueName { get; }

    /// <summary>The topic to trigger on, when triggering on a subscription.</summary>
    public string? TopicName { get; }

    /// <summary>The subscription to trigger on.</summary>
    public string? SubscriptionName { get; }

    /// <summary>Whether the entity requires sessions.</summary>
    public bool IsSessionsEnabled { get; set; }

    /// <summary>Whether the function receives a batch of messages.</summary>
    [DefaultValue(false)]
    public bool IsBatched
    {
        get => _isBatched;
        set => _isBatched = value;
    }

    /// <summary>Whether the host completes messages after a successful invocation.</summary>
    public bool AutoCompleteMessages { get; set; }

    Cardinality ISupportCardinality.Cardinality
    {
        get => _isBatched ? Cardinality.Many : Cardinality.One;
        set => _isBatched = value == Cardinality.Many;
    }
}
