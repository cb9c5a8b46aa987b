namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary><c>bicep lint</c> with infra/bicepconfig.json: clean today, and the rules that matter fail the lint.</summary>
public sealed class BicepLintTests
{
    [Theory]
    [InlineData("main.bicep")]
    [InlineData("env/dev.bicepparam")]
    [InlineData("env/prod.bicepparam")]
    public void Lint_OfTheInfrastructure_ReportsNothing(string file)
    {
        // Linting main.bicep lints every module it references too.
        var lint = BicepCli.Run(null, "lint", file);

        Assert.True(lint.ExitCode == 0, lint.StandardError + lint.StandardOutput);
        Assert.Equal(string.Empty, (lint.StandardError + lint.StandardOutput).Trim());
    }

    [Fact]
    public void Lint_WithTheRepositoryConfiguration_FailsOnAHardcodedLocationAndAnUnusedParameter()
    {
        var folder = Directory.CreateTempSubdirectory("bicep-lint-");
        try
        {
            File.Copy(Path.Combine(BicepCli.InfraFolder, "bicepconfig.json"), Path.Combine(folder.FullName, "bicepconfig.json"));
            var file = Path.Combine(folder.FullName, "bad.bicep");
            File.WriteAllText(file, """
                param unused string
                resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
                  name: 'id-sample'
                  location: 'westeurope'
                }
                """);

            var lint = BicepCli.Run(null, "lint", file);

            Assert.Equal(1, lint.ExitCode);
            Assert.Contains("Error no-unused-params", lint.StandardError, StringComparison.Ordinal);
            Assert.Contains("Error no-hardcoded-location", lint.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
