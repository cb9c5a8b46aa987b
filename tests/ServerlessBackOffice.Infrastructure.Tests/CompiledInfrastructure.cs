using System.Text.Json;
using System.Text.Json.Nodes;

[assembly: AssemblyFixture(typeof(ServerlessBackOffice.Infrastructure.Tests.CompiledInfrastructure))]

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>
/// Compiles infra/main.bicep and both .bicepparam files once for the whole test run, and expands the ARM JSON for
/// each environment. The environment variables the parameter files read are set to known principal ids so the
/// role assignments they drive can be asserted.
/// </summary>
public sealed class CompiledInfrastructure
{
    public const string AuditorPrincipal = "11111111-aaaa-4aaa-8aaa-111111111111";
    public const string OmsPrincipal = "22222222-bbbb-4bbb-8bbb-222222222222";
    public const string AuthClientId = "33333333-cccc-4ccc-8ccc-333333333333";

    public CompiledInfrastructure()
    {
        MainBuild = BicepCli.Run(null, "build", "main.bicep", "--stdout");
        if (MainBuild.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build main.bicep failed:\n{MainBuild.StandardError}");
        }

        Template = JsonNode.Parse(MainBuild.StandardOutput)!.AsObject();

        var environment = new Dictionary<string, string>
        {
            ["BACKOFFICE_AUDITOR_PRINCIPAL_IDS"] = AuditorPrincipal,
            ["BACKOFFICE_OMS_PRINCIPAL_IDS"] = OmsPrincipal,
            ["BACKOFFICE_AUTH_CLIENT_ID"] = AuthClientId,
        };
        foreach (var name in new[] { "dev", "prod" })
        {
            var build = BicepCli.Run(environment, "build-params", $"env/{name}.bicepparam", "--stdout");
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"bicep build-params env/{name}.bicepparam failed:\n{build.StandardError}");
            }

            ParamsBuilds[name] = build;
            var parameters = JsonNode.Parse(JsonNode.Parse(build.StandardOutput)!["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
            var values = parameters.ToDictionary(p => p.Key, p => ArmEvaluator.Evaluate(p.Value!["value"], new ArmEvaluator.Context(new JsonObject())), StringComparer.Ordinal);
            Parameters[name] = values;
            Resources[name] = ArmEvaluator.Expand(Template, values);
        }

        var noPrincipals = BicepCli.Run(null, "build-params", "env/dev.bicepparam", "--stdout");
        var noPrincipalParameters = JsonNode.Parse(JsonNode.Parse(noPrincipals.StandardOutput)!["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
        ResourcesWithoutPrincipals = ArmEvaluator.Expand(
            Template,
            noPrincipalParameters.ToDictionary(p => p.Key, p => ArmEvaluator.Evaluate(p.Value!["value"], new ArmEvaluator.Context(new JsonObject())), StringComparer.Ordinal));
    }

    public (int ExitCode, string StandardOutput, string StandardError) MainBuild { get; }

    public Dictionary<string, (int ExitCode, string StandardOutput, string StandardError)> ParamsBuilds { get; } = [];

    /// <summary>The ARM JSON of main.bicep.</summary>
    public JsonObject Template { get; }

    /// <summary>Parameter values per environment (dev, prod), as build-params produced them.</summary>
    public Dictionary<string, Dictionary<string, object?>> Parameters { get; } = [];

    /// <summary>Every resource as deployed per environment (dev, prod), loops and modules expanded.</summary>
    public Dictionary<string, IReadOnlyList<ExpandedResource>> Resources { get; } = [];

    /// <summary>The dev deployment with no auditor, OMS or app registration given.</summary>
    public IReadOnlyList<ExpandedResource> ResourcesWithoutPrincipals { get; }

    public static string Serialize(object? value) => JsonSerializer.Serialize(value);
}
