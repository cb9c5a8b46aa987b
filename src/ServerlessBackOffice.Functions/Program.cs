using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessBackOffice.Azure;
using ServerlessBackOffice.Functions.Auditing;

// The composition root of the isolated-worker function app: the same registrations the local day run uses.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddBackOffice(builder.Configuration);
builder.Services.AddAuditorApi(builder.Configuration);
builder.Build().Run();
