using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using NetArchTest.Rules;
using ServerlessBackOffice.Domain;
using ServerlessBackOffice.Pipeline;

namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>
/// The layering the README promises: Domain is pure (no Azure, no I/O, no wall clock), Pipeline depends on ports
/// and never on an Azure SDK type. These rules fail the build's tests the moment someone crosses a layer.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] AzureNamespaces = ["Azure", "Microsoft.Azure", "Microsoft.Extensions.Azure"];

    // Anything that reaches a disk, a network, a process, a console or a database is I/O.
    private static readonly string[] IoNamespaces =
    [
        "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.FileInfo", "System.IO.DirectoryInfo",
        "System.IO.Pipes", "System.IO.MemoryMappedFiles", "System.Net", "System.Data", "System.Console",
        "System.Diagnostics.Process", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Configuration",
    ];

    [Fact]
    public void Domain_DoesNotDependOnAzureOrIo()
    {
        var result = Types.InAssembly(DomainAssembly.Assembly)
            .ShouldNot().HaveDependencyOnAny([.. AzureNamespaces, .. IoNamespaces])
            .GetResult();

        Assert.True(result.IsSuccessful, Describe("Domain types must not use Azure or I/O", result));
    }

    [Fact]
    public void Domain_ReferencesOnlyTheBaseClassLibrary()
    {
        var references = DomainAssembly.Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => !name.StartsWith("System", StringComparison.Ordinal) && name != "netstandard" && name != "mscorlib")
            .ToList();

        Assert.True(references.Count == 0, $"Domain must reference only the BCL, but references: {string.Join(", ", references)}");
    }

    [Fact]
    public void Pipeline_DoesNotDependOnAzureSdkTypes()
    {
        var result = Types.InAssembly(PipelineAssembly.Assembly)
            .ShouldNot().HaveDependencyOnAny(AzureNamespaces)
            .GetResult();

        Assert.True(result.IsSuccessful, Describe("Pipeline types must depend on ports, not Azure SDK types", result));
    }

    [Fact]
    public void Pipeline_DoesNotReferenceAzureSdkAssemblies()
    {
        var references = PipelineAssembly.Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => AzureNamespaces.Any(ns => name.StartsWith(ns + ".", StringComparison.Ordinal) || name == ns))
            .ToList();

        Assert.True(references.Count == 0, $"Pipeline must not reference Azure SDK assemblies, but references: {string.Join(", ", references)}");
    }

    [Theory]
    [InlineData("Domain")]
    [InlineData("Pipeline")]
    public void DomainAndPipeline_NeverReadTheWallClock(string layer)
    {
        var assembly = layer == "Domain" ? DomainAssembly.Assembly : PipelineAssembly.Assembly;
        var offenders = WallClockReads(assembly).ToList();

        Assert.True(offenders.Count == 0, $"{layer} must take time from TimeProvider; it reads the wall clock in: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void WallClockDetector_FindsAWallClockRead()
    {
        // The rule above must be able to fail: this test assembly reads DateTime.UtcNow below.
        var offenders = WallClockReads(typeof(LayeringTests).Assembly).ToList();

        Assert.Contains(offenders, o => o.Contains(nameof(ReadsTheWallClockOnPurpose), StringComparison.Ordinal));
    }

    [Fact]
    public void DependencyRule_FailsForATypeThatUsesIo()
    {
        // The rule above must be able to fail: this test assembly uses System.IO.File in RepositoryRoot.
        var result = Types.InAssembly(typeof(LayeringTests).Assembly)
            .ShouldNot().HaveDependencyOnAny(IoNamespaces)
            .GetResult();

        Assert.False(result.IsSuccessful);
    }

    internal static DateTime ReadsTheWallClockOnPurpose() => DateTime.UtcNow;

    private static readonly HashSet<string> WallClockMembers =
    [
        "System.DateTime System.DateTime::get_Now()",
        "System.DateTime System.DateTime::get_UtcNow()",
        "System.DateTime System.DateTime::get_Today()",
        "System.DateTimeOffset System.DateTimeOffset::get_Now()",
        "System.DateTimeOffset System.DateTimeOffset::get_UtcNow()",
    ];

    private static IEnumerable<string> WallClockReads(Assembly assembly)
    {
        using var module = ModuleDefinition.ReadModule(assembly.Location);
        foreach (var type in module.GetTypes())
        {
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                foreach (var instruction in method.Body.Instructions)
                {
                    if ((instruction.OpCode == OpCodes.Call || instruction.OpCode == OpCodes.Callvirt)
                        && instruction.Operand is MethodReference called
                        && WallClockMembers.Contains(called.FullName))
                    {
                        yield return $"{type.FullName}.{method.Name}";
                    }
                }
            }
        }
    }

    private static string Describe(string rule, NetArchTest.Rules.TestResult result) =>
        $"{rule}; offending types: {string.Join(", ", result.FailingTypeNames ?? [])}";
}
