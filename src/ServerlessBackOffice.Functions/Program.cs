using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The composition root of the isolated-worker function app. Stage registrations are added by
// AddBackOffice() as the stages land (see docs/decisions and the function-app issue).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Build().Run();
