namespace ServerlessBackOffice.Architecture.Tests;

/// <summary>Finds the repository root (the folder holding ServerlessBackOffice.sln) from the test's output folder.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ServerlessBackOffice.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ServerlessBackOffice.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Source files under a folder of the repository, without build output and packages.</summary>
    public static IEnumerable<string> SourceFiles(string folder, string pattern) =>
        Directory.Exists(System.IO.Path.Combine(Path, folder))
            ? Directory.EnumerateFiles(System.IO.Path.Combine(Path, folder), pattern, SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}obj{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                         && !f.Contains($"{System.IO.Path.DirectorySeparatorChar}bin{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                         && !f.Contains($"{System.IO.Path.DirectorySeparatorChar}node_modules{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
            : [];
}
