using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.LocalStandIns;

/// <summary>
/// A Node.js child process that prints a ready line, watches our PID (so it dies with us), keeps the last lines of
/// its output for diagnostics, and is killed by its PID on dispose.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    /// <summary>
    /// How long a stand-in may take to say it is ready. Node starts in about a second on a quiet machine; on two cores shared
    /// with parallel test projects and builds it has been measured above a minute (Azurite, load average 28), so a minute was
    /// a flaky limit. A stand-in that never starts still fails, with its output.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private const int KeptLines = 200;
    private readonly Process process;
    private readonly Queue<string> output = new();
    private readonly Lock outputLock = new();
    private readonly ILogger logger;
    private readonly string name;
    private int disposed;

    private NodeProcess(string name, Process process, ILogger logger)
    {
        this.name = name;
        this.process = process;
        this.logger = logger;
    }

    /// <summary>The operating-system id of the child process.</summary>
    public int ProcessId => process.Id;

    /// <summary>Whether the child is still running.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>The last lines the child wrote to stdout and stderr, oldest first.</summary>
    public string RecentOutput
    {
        get
        {
            lock (outputLock)
            {
                return string.Join(Environment.NewLine, output);
            }
        }
    }

    /// <summary>
    /// Starts <c>node</c> with the arguments and waits until a line matches <paramref name="ready"/>; returns the process
    /// and that match. Fails with the child's output when it exits first or does not get ready within the timeout.
    /// </summary>
    public static async Task<(NodeProcess Process, Match Ready)> StartAsync(
        string name, IReadOnlyList<string> arguments, Regex ready, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(ready);
        ArgumentNullException.ThrowIfNull(logger);
        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Node 20 warns that Azurite prefers 22; the warning is noise in the captured output.
        startInfo.Environment["NODE_NO_WARNINGS"] = "1";
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var readyLine = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = new NodeProcess(name, process, logger);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            child.Keep(line);
            var match = ready.Match(line);
            if (match.Success)
            {
                readyLine.TrySetResult(match);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => readyLine.TrySetException(new InvalidOperationException(
            $"{name} exited with code {SafeExitCode(process)} before it was ready. Output:{Environment.NewLine}{child.RecentOutput}"));

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot start {name}: 'node' (Node.js 20 or later) must be on PATH.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var match = await readyLine.Task.WaitAsync(timeout, cancellationToken);
            LogStarted(logger, name, process.Id);
            return (child, match);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            var recent = child.RecentOutput;
            await child.DisposeAsync();
            if (ex is TimeoutException)
            {
                throw new TimeoutException($"{name} was not ready within {timeout}. Output:{Environment.NewLine}{recent}", ex);
            }

            throw;
        }
    }

    /// <summary>Kills the child by its PID and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
            LogStopped(logger, name, process.Id);
        }
        catch (InvalidOperationException)
        {
            // The process never started or was already reaped: nothing left to stop.
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Keep(string line)
    {
        lock (outputLock)
        {
            output.Enqueue(line);
            while (output.Count > KeptLines)
            {
                output.Dequeue();
            }
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Name} started as process {ProcessId}")]
    private static partial void LogStarted(ILogger logger, string name, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Name} (process {ProcessId}) stopped")]
    private static partial void LogStopped(ILogger logger, string name, int processId);
}
