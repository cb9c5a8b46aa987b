using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Functions.Auditing;
using ServerlessBackOffice.Functions.Exceptions;
using ServerlessBackOffice.Functions.Telemetry;
using ServerlessBackOffice.Pipeline.Telemetry;

// The composition root of the isolated-worker function app: the same registrations the local day run uses.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<InvocationTelemetryMiddleware>();
builder.Services.AddBackOffice(builder.Configuration);
builder.Services.AddAuditorApi(builder.Configuration);
builder.Services.AddExceptionsApi(builder.Configuration);

// OpenTelemetry: the worker's invocation spans, our activity source and meter; Azure Monitor when the app has an
// Application Insights connection string (infra/main.bicep sets it), nothing exported otherwise.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource(BackOfficeTelemetry.Name))
    .WithMetrics(metrics => metrics.AddMeter(BackOfficeTelemetry.Name));
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    // Local authentication is off on the Application Insights component: export with the app's managed identity.
    var clientId = builder.Configuration["AZURE_CLIENT_ID"];
    telemetry.UseAzureMonitorExporter(options => options.Credential = string.IsNullOrWhiteSpace(clientId)
        ? new DefaultAzureCredential()
        : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)));
}

builder.Build().Run();
