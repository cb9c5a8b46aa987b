using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Functions;

/// <summary>The health endpoint the deployment smoke test calls: it reports the build and the topology version.</summary>
public sealed class HealthFunction
{
    [Function("health")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var version = typeof(HealthFunction).Assembly.GetName().Version?.ToString() ?? "unknown";
        return new OkObjectResult(new { status = "ok", version, topologyVersion = TopologyDocument.Default.Version });
    }
}
