using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Pipeline.EndOfDay;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The day run's composition: exactly the function app's registrations (<see cref="BackOfficeServices.AddBackOffice"/>)
/// over the stand-ins' connection settings, with the simulated business clock registered first.
/// </summary>
internal static class DayRunComposition
{
    public static void AddStages(IServiceCollection services, IConfiguration configuration, DayRunReportSink reports)
    {
        // The day's reports go into the run's own folder (the blob sink of the reports container is registered too).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IReportSink>(reports));
        services.AddBackOffice(configuration);
    }

    /// <summary>True when every constructor dependency of the function class is registered (its stage is wired in).</summary>
    public static bool IsHosted(string functionName, IServiceProvider provider, Type functionClass)
    {
        _ = functionName;
        var known = provider.GetRequiredService<IServiceProviderIsService>();
        return functionClass.GetConstructors().Any(c => c.GetParameters().All(p => known.IsService(p.ParameterType)));
    }
}
