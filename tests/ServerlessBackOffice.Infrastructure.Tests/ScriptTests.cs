namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>The shell scripts the workflows run pass shellcheck (Debian package `shellcheck`, when installed).</summary>
public sealed class ScriptTests
{
    [Fact]
    public void Shellcheck_OnTheDeploymentScripts_FindsNothing()
    {
        var shellcheck = ProcessRunner.Find("shellcheck");
        if (shellcheck is null)
        {
            Assert.Skip("shellcheck is not installed (apt-get install shellcheck); the deployment scripts were not checked.");
        }

        var scripts = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "infra", "scripts"), "*.sh");
        Assert.NotEmpty(scripts);

        var result = ProcessRunner.Run(shellcheck!, RepositoryRoot.Path, ["--shell=bash", .. scripts]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }
}
