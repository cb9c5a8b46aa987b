using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>Nothing but infra/topology.json spells an entity name: not the C# under src/, not the Bicep under infra/.</summary>
public sealed class EntityNameTests
{
    private readonly EntityNameScanner _scanner = new(TopologyDocument.Default);

    [Fact]
    public void CSharpSources_UseOnlyTopologyEntities()
    {
        // ServerlessBackOffice.Topology is the reader of infra/topology.json: its entity keys may equal entity names.
        var topologyReader = Path.Combine("src", "ServerlessBackOffice.Topology");
        var findings = RepositoryRoot.SourceFiles("src", "*.cs")
            .Where(f => !Path.GetRelativePath(RepositoryRoot.Path, f).StartsWith(topologyReader, StringComparison.Ordinal))
            .SelectMany(f => _scanner.ScanCSharp(Path.GetRelativePath(RepositoryRoot.Path, f), File.ReadAllText(f)))
            .ToList();

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public void BicepSources_UseOnlyTopologyEntities()
    {
        var files = RepositoryRoot.SourceFiles("infra", "*.bicep").ToList();
        var findings = files
            .SelectMany(f => _scanner.ScanBicep(Path.GetRelativePath(RepositoryRoot.Path, f), File.ReadAllText(f)))
            .ToList();

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public void BicepThatDeclaresEntities_LoadsTheTopologyFile()
    {
        var texts = RepositoryRoot.SourceFiles("infra", "*.bicep").Select(File.ReadAllText).ToList();
        var declaresEntities = texts.Any(t => System.Text.RegularExpressions.Regex.Matches(t, @"resource\s+\w+\s+'([^'@]+)@")
            .Any(m => EntityNameScanner.IsEntityResourceType(m.Groups[1].Value)));

        if (declaresEntities)
        {
            Assert.Contains(texts, t => t.Contains("loadJsonContent(", StringComparison.Ordinal) && t.Contains("topology.json", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Scanner_FindsAnUndeclaredEntityInACall()
    {
        const string source = """
            var sender = client.CreateSender("orders-typo");
            var container = cosmos.GetContainer(database, "positions");
            """;

        var findings = _scanner.ScanCSharp("Sample.cs", source).ToList();

        Assert.Equal(2, findings.Count);
        Assert.Contains(findings, f => f.Contains("orders-typo", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("positions", StringComparison.Ordinal) && f.Contains("Sample.cs:2", StringComparison.Ordinal));
    }

    [Fact]
    public void Scanner_FindsATopologyNameSpelledInCode()
    {
        var name = Entities.OmsTrades.Name;
        var source = $"const string Queue = \"{name}\";\n";

        var finding = Assert.Single(_scanner.ScanCSharp("Sample.cs", source));

        Assert.Contains("spells a topology entity name", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Scanner_AcceptsBindingExpressionsThatNameATopologySetting()
    {
        var setting = Entities.OmsTrades.AppSetting;
        var source = $"public Task Run([ServiceBusTrigger(\"%{setting}%\", Connection = \"ServiceBusConnection\")] object message) => Task.CompletedTask;";

        Assert.Empty(_scanner.ScanCSharp("Sample.cs", source));
    }

    [Fact]
    public void Scanner_RejectsBindingExpressionsThatNameAnUnknownSetting()
    {
        const string source = """public Task Run([ServiceBusTrigger("%NoSuchQueue%")] object message) => Task.CompletedTask;""";

        Assert.Single(_scanner.ScanCSharp("Sample.cs", source));
    }

    [Fact]
    public void Scanner_FindsAnUndeclaredEntityInBicep()
    {
        const string source = """
            resource q 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
              parent: sb
              name: 'legacy-orders'
            }
            resource ok 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [for queue in topology.serviceBus.queues: {
              parent: sb
              name: queue.name
            }]
            """;

        var finding = Assert.Single(_scanner.ScanBicep("main.bicep", source));

        Assert.Contains("legacy-orders", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Scanner_FindsATopologyNameSpelledInBicep()
    {
        var source = $"var queueName = '{Entities.OmsReplies.Name}'\n";

        Assert.Single(_scanner.ScanBicep("main.bicep", source));
    }
}
