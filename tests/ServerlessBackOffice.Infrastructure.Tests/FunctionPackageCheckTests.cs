namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>infra/scripts/check-function-package.sh: the deploy workflow's guard against a package built with the stand-in.</summary>
public sealed class FunctionPackageCheckTests
{
    private static readonly string Script = Path.Combine(RepositoryRoot.Path, "infra", "scripts", "check-function-package.sh");

    private const string StandInManifest = """
        {"extensions":[{"name":"Startup","typeName":"Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader.Startup, Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader, Version=1.0.0.0, Culture=neutral, PublicKeyToken=551316b6919f366c","hintPath":"./.azurefunctions/Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader.dll"}]}
        """;

    private const string OfficialManifest = """
        {"extensions":[{"name":"Startup","typeName":"Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader.Startup, Microsoft.Azure.WebJobs.Extensions.FunctionMetadataLoader, Version=1.0.0.0, Culture=neutral, PublicKeyToken=551316b6919f366c"},{"name":"ServiceBus","typeName":"Microsoft.Azure.WebJobs.ServiceBus.ServiceBusWebJobsStartup, Microsoft.Azure.WebJobs.Extensions.ServiceBus, Version=5.17.0.0, Culture=neutral, PublicKeyToken=92742159e12e44c8","hintPath":"./.azurefunctions/Microsoft.Azure.WebJobs.Extensions.ServiceBus.dll"}]}
        """;

    private static (int ExitCode, string StandardOutput, string StandardError) Check(string? manifest)
    {
        if (ProcessRunner.Find("bash") is null || ProcessRunner.Find("jq") is null)
        {
            Assert.Skip("bash and jq are needed to run infra/scripts/check-function-package.sh (GitHub runners have both).");
        }

        var folder = Directory.CreateTempSubdirectory("function-package-");
        try
        {
            if (manifest is not null)
            {
                File.WriteAllText(Path.Combine(folder.FullName, "extensions.json"), manifest);
            }

            return ProcessRunner.Run("bash", RepositoryRoot.Path, Script, folder.FullName);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Check_WhenThePackageHasTheServiceBusHostExtension_Accepts()
    {
        var result = Check(OfficialManifest);

        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public void Check_WhenThePackageWasBuiltWithTheStandIn_RefusesAndSaysHowToFixIt()
    {
        var result = Check(StandInManifest);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("UseOfficialServiceBusExtension=true", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WhenThePackageHasNoExtensionsManifest_Refuses()
    {
        var result = Check(null);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no extensions.json", result.StandardError, StringComparison.Ordinal);
    }
}
