using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServerlessBackOffice.Topology;

/// <summary>
/// Converts the topology's Service Bus section into the <c>Config.json</c> shape of Microsoft's Service Bus emulator,
/// so the local emulator, Microsoft's emulator and Bicep all run on the same entity definitions.
/// </summary>
public static class EmulatorConfig
{
    /// <summary>The namespace name Microsoft's emulator uses by default.</summary>
    public const string DefaultNamespaceName = "sbemulatorns";

    /// <summary>Builds the emulator configuration for every queue, topic, subscription and rule in the topology.</summary>
    public static JsonObject FromTopology(TopologyDocument topology, string namespaceName = DefaultNamespaceName)
    {
        ArgumentNullException.ThrowIfNull(topology);

        var queues = new JsonArray();
        foreach (var queue in topology.ServiceBus.Queues)
        {
            queues.Add(new JsonObject
            {
                ["Name"] = queue.Name,
                ["Properties"] = PropertiesNode(queue.Properties, forTopic: false),
            });
        }

        var topics = new JsonArray();
        foreach (var topic in topology.ServiceBus.Topics)
        {
            var subscriptions = new JsonArray();
            foreach (var subscription in topic.Subscriptions)
            {
                var rules = new JsonArray();
                foreach (var rule in subscription.Rules)
                {
                    rules.Add(JsonSerializer.SerializeToNode(rule, SerializerOptions));
                }

                subscriptions.Add(new JsonObject
                {
                    ["Name"] = subscription.Name,
                    ["Properties"] = PropertiesNode(subscription.Properties, forTopic: false),
                    ["Rules"] = rules,
                });
            }

            topics.Add(new JsonObject
            {
                ["Name"] = topic.Name,
                ["Properties"] = PropertiesNode(topic.Properties, forTopic: true),
                ["Subscriptions"] = subscriptions,
            });
        }

        return new JsonObject
        {
            ["UserConfig"] = new JsonObject
            {
                ["Namespaces"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["Name"] = namespaceName,
                        ["Queues"] = queues,
                        ["Topics"] = topics,
                    },
                },
                ["Logging"] = new JsonObject { ["Type"] = "Console" },
            },
        };
    }

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static JsonObject PropertiesNode(EntityProperties properties, bool forTopic)
    {
        var node = new JsonObject();
        void Add(string name, JsonNode? value)
        {
            if (value is not null)
            {
                node[name] = value;
            }
        }

        Add("DefaultMessageTimeToLive", properties.DefaultMessageTimeToLive);
        Add("DuplicateDetectionHistoryTimeWindow", properties.DuplicateDetectionHistoryTimeWindow);
        Add("RequiresDuplicateDetection", properties.RequiresDuplicateDetection);
        if (!forTopic)
        {
            Add("DeadLetteringOnMessageExpiration", properties.DeadLetteringOnMessageExpiration);
            Add("ForwardDeadLetteredMessagesTo", properties.ForwardDeadLetteredMessagesTo);
            Add("ForwardTo", properties.ForwardTo);
            Add("LockDuration", properties.LockDuration);
            Add("MaxDeliveryCount", properties.MaxDeliveryCount);
            Add("RequiresSession", properties.RequiresSession);
        }

        return node;
    }
}
