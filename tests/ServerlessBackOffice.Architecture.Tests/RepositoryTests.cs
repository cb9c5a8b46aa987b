using System.Text.RegularExpressions;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>Repository-wide promises: the solution holds every project, and the README's diagram matches the topology.</summary>
public sealed partial class RepositoryTests
{
    [Fact]
    public void Solution_ContainsEveryProjectUnderSrcAndTests()
    {
        var solution = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "ServerlessBackOffice.sln"));
        Assert.Contains("Microsoft Visual Studio Solution File, Format Version 12.00", solution, StringComparison.Ordinal);

        var inSolution = SolutionProject().Matches(solution)
            .Select(m => m.Groups["path"].Value.Replace('\\', '/'))
            .ToHashSet(StringComparer.Ordinal);
        var onDisk = RepositoryRoot.SourceFiles("src", "*.csproj").Concat(RepositoryRoot.SourceFiles("tests", "*.csproj"))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .ToList();

        Assert.NotEmpty(onDisk);
        var missing = onDisk.Where(p => !inSolution.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"Not in ServerlessBackOffice.sln: {string.Join(", ", missing)} (dotnet sln add <project>)");
    }

    [Fact]
    public void Readme_EmbedsTheArchitectureDiagramGeneratedFromTheTopology()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var expected = ArchitectureDiagram.ToMermaid(TopologyDocument.Default).Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.True(
            readme.Contains("```mermaid\n" + expected + "```", StringComparison.Ordinal),
            "README.md's architecture diagram differs from the topology; regenerate it with `./backoffice topology mermaid`.");
    }

    [Fact]
    public void HostJson_IsAtTheRootAndLinkedIntoTheFunctionApp()
    {
        Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, "host.json")));
        var project = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "ServerlessBackOffice.Functions", "ServerlessBackOffice.Functions.csproj"));
        Assert.Contains("host.json", project, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalSettingsExample_NamesEveryTopologyEntityAndTheStandInConnections()
    {
        using var example = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "ServerlessBackOffice.Functions", "local.settings.json.example")));
        var values = example.RootElement.GetProperty("Values");
        foreach (var (setting, name) in TopologyDocument.Default.AppSettings())
        {
            Assert.True(values.TryGetProperty(setting, out var value), $"local.settings.json.example lacks {setting}; add \"{setting}\": \"{name}\".");
            Assert.Equal(name, value.GetString());
        }

        foreach (var connection in new[] { TopologyDocument.Default.ServiceBus.NamespaceAppSetting, "CosmosConnection", "AzureWebJobsStorage", "ArchiveStorage__connectionString", "FUNCTIONS_WORKER_RUNTIME" })
        {
            Assert.True(values.TryGetProperty(connection, out _), $"local.settings.json.example lacks {connection}.");
        }
    }

    [GeneratedRegex(""""^Project\("\{[^}]+\}"\)\s*=\s*"[^"]+",\s*"(?<path>[^"]+\.csproj)"""", RegexOptions.Multiline)]
    private static partial Regex SolutionProject();
}
