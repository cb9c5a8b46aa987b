using System.Text.Json.Nodes;

namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>The offline ARM expander the other tests rely on: loops, lambdas, modules and runtime placeholders.</summary>
public sealed class ArmEvaluatorTests
{
    private static IReadOnlyList<ExpandedResource> Expand(string template, Dictionary<string, object?>? parameters = null) =>
        ArmEvaluator.Expand(JsonNode.Parse(template)!.AsObject(), parameters ?? []);

    [Fact]
    public void Expand_ResourceCopyLoopOverAFilteredLambda_YieldsOneResourcePerKeptItem()
    {
        var resources = Expand("""
            {
              "parameters": { "items": { "type": "array", "defaultValue": [ { "name": "a", "keep": true }, { "name": "b", "keep": false }, { "name": "c", "keep": true } ] } },
              "variables": { "kept": "[filter(parameters('items'), lambda('i', lambdaVariables('i').keep))]" },
              "resources": [
                {
                  "copy": { "name": "loop", "count": "[length(variables('kept'))]" },
                  "type": "Sample/things",
                  "name": "[format('{0}-{1}', variables('kept')[copyIndex()].name, copyIndex())]",
                  "properties": { "upper": "[toLower(variables('kept')[copyIndex()].name)]" }
                }
              ]
            }
            """);

        Assert.Equal(["a-0", "c-1"], resources.Select(r => r.Name));
    }

    [Fact]
    public void Expand_NestedDeployment_PassesParametersAndSkipsAFalseCondition()
    {
        var resources = Expand("""
            {
              "parameters": { "flag": { "type": "bool" } },
              "resources": [
                { "condition": "[parameters('flag')]", "type": "Sample/skipped", "name": "never" },
                {
                  "type": "Microsoft.Resources/deployments",
                  "name": "module",
                  "properties": {
                    "parameters": { "prefix": { "value": "[if(parameters('flag'), 'yes', 'no')]" } },
                    "template": {
                      "parameters": { "prefix": { "type": "string" }, "suffix": { "type": "string", "defaultValue": "[concat('-', 'x')]" } },
                      "resources": [ { "type": "Sample/inner", "name": "[concat(parameters('prefix'), parameters('suffix'))]" } ]
                    }
                  }
                }
              ]
            }
            """, new Dictionary<string, object?> { ["flag"] = false });

        var inner = Assert.Single(resources);
        Assert.Equal("no-x", inner.Name);
        Assert.Equal("main/module", inner.DeploymentPath);
    }

    [Fact]
    public void Expand_RuntimeFunctions_StayPlaceholdersThatKeepTheirText()
    {
        var resources = Expand("""
            {
              "resources": [
                {
                  "type": "Sample/assignment",
                  "name": "[guid(resourceGroup().id, 'x')]",
                  "properties": { "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-a'), '2023-01-31').principalId]" }
                }
              ]
            }
            """);

        var principal = Assert.Single(resources).GetString("properties.principalId");
        Assert.Contains("userAssignedIdentities/id-a", principal, StringComparison.Ordinal);
        Assert.EndsWith(".principalId}", principal, StringComparison.Ordinal);
    }
}
