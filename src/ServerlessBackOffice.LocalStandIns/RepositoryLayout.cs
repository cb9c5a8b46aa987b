namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// Finds the repository's tools folder (the pinned npm packages and the Cosmos stand-in) from wherever a test host,
/// the CLI or a benchmark runs, so no caller has to pass paths around.
/// </summary>
public static class RepositoryLayout
{
    /// <summary>Environment variable that overrides the search (an absolute path to the repository root).</summary>
    public const string RootVariable = "BACKOFFICE_REPOSITORY_ROOT";

    /// <summary>The repository root: the nearest ancestor of the working directory or of this assembly with <c>tools/node/package.json</c>.</summary>
    public static string FindRoot()
    {
        var overridden = Environment.GetEnvironmentVariable(RootVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return Path.GetFullPath(overridden);
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "tools", "node", "package.json")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Cannot find the repository root (a folder with tools/node/package.json) above '{Environment.CurrentDirectory}' " +
            $"or '{AppContext.BaseDirectory}'. Set {RootVariable}.");
    }

    /// <summary>The folder npm installs the pinned packages into.</summary>
    public static string NodeModules(string root) => Path.Combine(root, "tools", "node", "node_modules");

    /// <summary>The folder of the Cosmos stand-in's scripts.</summary>
    public static string CosmosStandIn(string root) => Path.Combine(root, "tools", "cosmos-stand-in");
}
