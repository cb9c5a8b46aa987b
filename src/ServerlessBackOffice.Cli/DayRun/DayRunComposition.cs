using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Azure.Cosmos;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Cli.Chaos;
using ServerlessBackOffice.Pipeline.EndOfDay;
using ServerlessBackOffice.Pipeline.Ports;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The day run's composition: exactly the function app's registrations (<see cref="BackOfficeServices.AddBackOffice"/>)
/// over the stand-ins' connection settings, with the simulated business clock registered first
/// (and, in a chaos run, the fault-injecting Cosmos client and publisher).
/// </summary>
internal static class DayRunComposition
{
    public static void AddStages(IServiceCollection services, IConfiguration configuration, DayRunReportSink reports, ChaosMonkey? chaos = null)
    {
        // The day's reports go into the run's own folder (the blob sink of the reports container is registered too).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReportSink>(reports));
        if (chaos is not null)
        {
            AddChaosCosmos(services, configuration, chaos);
        }

        services.AddBackOffice(configuration);
        if (chaos is not null)
        {
            // Every stage's sends go through the chaos publisher (around the archiving publisher, like the bench's timer).
            var descriptor = services.Last(d => d.ServiceType == typeof(IMessagePublisher));
            services.Remove(descriptor);
            services.AddSingleton<IMessagePublisher>(sp => new ChaosPublisher(Resolve(sp, descriptor), chaos));
        }
    }

    /// <summary>
    /// Under chaos, the Cosmos client of <see cref="BackOfficeServices.AddBackOfficeCosmos"/>'s local branch (Gateway mode,
    /// the stand-in's endpoint only, the same serialization) with the chaos handler in its HTTP pipeline. Registered first,
    /// so the composition's TryAdd keeps it.
    /// </summary>
    private static void AddChaosCosmos(IServiceCollection services, IConfiguration configuration, ChaosMonkey chaos)
    {
        services.AddSingleton(sp =>
        {
            var options = CosmosSerialization.Apply(new CosmosClientOptions
            {
                ConnectionMode = ConnectionMode.Gateway,
                LimitToEndpoint = true,
                ApplicationName = "ServerlessBackOffice",
                HttpClientFactory = () => new HttpClient(new ChaosCosmosHandler(chaos) { InnerHandler = new SocketsHttpHandler() }),
            });
            if (sp.GetService<CosmosRequestCounter>() is { } counter)
            {
                options.CustomHandlers.Add(counter);
            }

            return new CosmosClient(configuration[BackOfficeServices.CosmosConnectionSetting], options);
        });
    }

    private static IMessagePublisher Resolve(IServiceProvider sp, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as IMessagePublisher
        ?? (descriptor.ImplementationFactory is { } factory ? (IMessagePublisher)factory(sp) : (IMessagePublisher)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));

    /// <summary>True when every constructor dependency of the function class is registered (its stage is wired in).</summary>
    public static bool IsHosted(string functionName, IServiceProvider provider, Type functionClass)
    {
        _ = functionName;
        var known = provider.GetRequiredService<IServiceProviderIsService>();
        return functionClass.GetConstructors().Any(c => c.GetParameters().All(p => known.IsService(p.ParameterType)));
    }
}
