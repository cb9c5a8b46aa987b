using System.Reflection;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessBackOffice.Cli.LocalHost;

/// <summary>A Service Bus triggered function of the function app, as the local host sees it.</summary>
internal sealed record ServiceBusFunction(string Name, Type Class, MethodInfo Method, ServiceBusTriggerAttribute Trigger)
{
    /// <summary>Finds every method with <c>[Function]</c> and a <c>[ServiceBusTrigger]</c> parameter.</summary>
    public static IReadOnlyList<ServiceBusFunction> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var functions = new List<ServiceBusFunction>();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<ServiceBusTriggerAttribute>()).FirstOrDefault(a => a is not null);
                if (function is not null && trigger is not null)
                {
                    functions.Add(new ServiceBusFunction(function.Name, type, method, trigger));
                }
            }
        }

        return functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The function's arguments for one delivery, bound as the Functions worker binds them: the received message, the
    /// settlement actions, the cancellation token, or the body as text, <see cref="BinaryData"/> or bytes.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter of another type.</exception>
    public object?[] Arguments(ServiceBusReceivedMessage message, ServiceBusMessageActions actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return [.. Method.GetParameters().Select(parameter => parameter.ParameterType switch
        {
            var t when t == typeof(ServiceBusReceivedMessage) => message,
            var t when t == typeof(ServiceBusMessageActions) => actions,
            var t when t == typeof(CancellationToken) => cancellationToken,
            var t when t == typeof(string) => message.Body.ToString(),
            var t when t == typeof(BinaryData) => message.Body,
            var t when t == typeof(byte[]) => (object?)message.Body.ToArray(),
            _ => throw new InvalidOperationException($"Parameter '{parameter.Name}' of type {parameter.ParameterType} of function '{Name}' cannot be bound by the local host."),
        })];
    }

    /// <summary>Resolves the trigger's <c>%Setting%</c> expressions to entity names.</summary>
    /// <exception cref="InvalidOperationException">A setting the trigger names is not defined.</exception>
    public (string EntityPath, string? Subscription) ResolveEntity(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Trigger.QueueName is { } queue
            ? (Resolve(queue, settings), null)
            : (Resolve(Trigger.TopicName!, settings), Resolve(Trigger.SubscriptionName!, settings));
    }

    private string Resolve(string expression, IReadOnlyDictionary<string, string> settings)
    {
        if (expression.Length > 2 && expression[0] == '%' && expression[^1] == '%')
        {
            var name = expression[1..^1];
            return settings.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"Function '{Name}' binds to the app setting '{name}', which is not defined.");
        }

        return expression;
    }
}
