using System.Text.RegularExpressions;
using ServerlessBackOffice.Topology;

namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>
/// Finds entity names spelled in C# or Bicep outside <c>infra/topology.json</c>. Two kinds of finding:
/// a literal entity name passed to an SDK or binding call that the topology does not declare (a typo, or an
/// entity nobody deploys), and a literal that repeats a topology name (spelled twice: the two will drift).
/// A line may opt out of the second check with the comment <c>topology-name-ok</c> and a reason.
/// </summary>
internal sealed partial class EntityNameScanner(TopologyDocument topology)
{
    private const string OptOut = "topology-name-ok";

    private readonly HashSet<string> _names = topology.AllEntityNames().Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
    private readonly HashSet<string> _settings = topology.AppSettings().Select(s => s.AppSetting).Append(topology.ServiceBus.NamespaceAppSetting).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<string> ScanCSharp(string path, string text)
    {
        foreach (Match call in EntityCall().Matches(text))
        {
            // Connection = "..." names the connection setting of a binding, not an entity.
            var arguments = ConnectionArgument().Replace(call.Groups["args"].Value, string.Empty);
            foreach (Match literal in CSharpLiteral().Matches(arguments))
            {
                var value = literal.Groups["value"].Value;
                if (!IsKnownReference(value))
                {
                    yield return $"{path}:{LineOf(text, call.Index)}: {call.Groups["method"].Value}(\"{value}\") names an entity that infra/topology.json does not declare.";
                }
            }
        }

        foreach (var (line, number) in Lines(text))
        {
            if (line.Contains(OptOut, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match literal in CSharpLiteral().Matches(line))
            {
                if (_names.Contains(literal.Groups["value"].Value))
                {
                    yield return $"{path}:{number}: \"{literal.Groups["value"].Value}\" spells a topology entity name; take it from ServerlessBackOffice.Topology.Entities instead.";
                }
            }
        }
    }

    public IEnumerable<string> ScanBicep(string path, string text)
    {
        var declarations = BicepResource().Matches(text);
        for (var i = 0; i < declarations.Count; i++)
        {
            var type = declarations[i].Groups["type"].Value;
            if (!IsEntityResourceType(type))
            {
                continue;
            }

            var end = i + 1 < declarations.Count ? declarations[i + 1].Index : text.Length;
            var body = text[declarations[i].Index..end];
            var name = BicepNameProperty().Match(body);
            if (name.Success && !name.Groups["value"].Value.Contains("${", StringComparison.Ordinal)
                && !_names.Contains(name.Groups["value"].Value))
            {
                yield return $"{path}:{LineOf(text, declarations[i].Index + name.Index)}: {type} '{name.Groups["value"].Value}' is not declared in infra/topology.json.";
            }
        }

        foreach (var (line, number) in Lines(text))
        {
            if (line.TrimStart().StartsWith("//", StringComparison.Ordinal) || line.Contains(OptOut, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match literal in BicepLiteral().Matches(line))
            {
                if (_names.Contains(literal.Groups["value"].Value))
                {
                    yield return $"{path}:{number}: '{literal.Groups["value"].Value}' spells a topology entity name; read it with loadJsonContent('topology.json') instead.";
                }
            }
        }
    }

    public static bool IsEntityResourceType(string type) =>
        type.StartsWith("Microsoft.ServiceBus/namespaces/", StringComparison.OrdinalIgnoreCase) && !type.EndsWith("/authorizationRules", StringComparison.OrdinalIgnoreCase)
        || type.StartsWith("Microsoft.DocumentDB/databaseAccounts/sqlDatabases", StringComparison.OrdinalIgnoreCase) && !type.Contains("roleAssignments", StringComparison.OrdinalIgnoreCase)
        || type.Equals("Microsoft.Storage/storageAccounts/blobServices/containers", StringComparison.OrdinalIgnoreCase);

    private bool IsKnownReference(string value)
    {
        // Functions binding expressions name an app setting (%Setting%); blob paths start with the container.
        var setting = SettingReference().Match(value);
        if (setting.Success)
        {
            return _settings.Contains(setting.Groups["setting"].Value);
        }

        var entity = value.Split('/')[0];
        return _names.Contains(entity) || entity.StartsWith('$');
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static IEnumerable<(string Line, int Number)> Lines(string text) =>
        text.Split('\n').Select((line, i) => (line, i + 1));

    [GeneratedRegex("""\b(?<method>CreateSender|CreateReceiver|CreateProcessor|CreateSessionProcessor|AcceptNextSessionAsync|AcceptSessionAsync|CreateRuleManager|GetContainer|GetDatabase|CreateContainerIfNotExistsAsync|CreateContainerAsync|CreateDatabaseIfNotExistsAsync|GetBlobContainerClient|CreateBlobContainerAsync|CreateQueueAsync|CreateTopicAsync|CreateSubscriptionAsync|ServiceBusTrigger|ServiceBusOutput|BlobTrigger|BlobInput|BlobOutput)\s*\((?<args>[^()]*(\([^()]*\)[^()]*)*)\)""")]
    private static partial Regex EntityCall();

    [GeneratedRegex(@"(?<!@)""(?<value>(?:[^""\\\n]|\\.)*)""")]
    private static partial Regex CSharpLiteral();

    [GeneratedRegex(@"\bresource\s+\w+\s+'(?<type>[^'@]+)@[^']+'")]
    private static partial Regex BicepResource();

    [GeneratedRegex(@"^\s*name:\s*'(?<value>[^']*)'", RegexOptions.Multiline)]
    private static partial Regex BicepNameProperty();

    [GeneratedRegex(@"'(?<value>[^'\n]*)'")]
    private static partial Regex BicepLiteral();

    [GeneratedRegex(@"\bConnection\s*=\s*""[^""]*""")]
    private static partial Regex ConnectionArgument();

    [GeneratedRegex("^%(?<setting>[^%]+)%$")]
    private static partial Regex SettingReference();
}
