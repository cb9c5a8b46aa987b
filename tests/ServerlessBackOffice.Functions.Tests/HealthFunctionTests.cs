using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessBackOffice.Functions.Tests;

/// <summary>The health endpoint the deployment smoke test calls.</summary>
public sealed class HealthFunctionTests
{
    [Fact]
    public void Health_AnswersOkWithTheTopologyVersion()
    {
        var result = Assert.IsType<OkObjectResult>(HealthFunction.Run(new DefaultHttpContext().Request));

        var body = System.Text.Json.JsonSerializer.Serialize(result.Value);
        Assert.Contains("\"status\":\"ok\"", body, StringComparison.Ordinal);
        Assert.Contains("\"topologyVersion\":1", body, StringComparison.Ordinal);
    }
}
