using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace ServerlessBackOffice.Cli.LocalHost;

/// <summary>
/// Wraps each invocation of the local host (the chaos run's fault injection): it may delay, repeat or fail the invocation,
/// and it chooses the message actions the function settles through. <c>invoke</c> runs the function once with those actions.
/// </summary>
internal interface IInvocationInterceptor
{
    Task InvokeAsync(string functionName, ProcessMessageEventArgs args, Func<ServiceBusMessageActions, Task> invoke);
}
