using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// Structured logs of the day run as JSON lines in a file (one object per entry: time, level, category, event id, the
/// message and every structured field, the correlation id among them), so the console stays free for progress and the
/// summary. Written by one background writer; entries are never dropped.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _writer;
    private readonly LogLevel _minimum;
    private volatile bool _stopped;

    /// <summary>How often the writer drains the queue. Waking per line cost a context switch per entry: thousands a second in a day run.</summary>
    internal static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(100);

    public FileLoggerProvider(string path, LogLevel minimum)
    {
        _minimum = minimum;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new StreamWriter(path, append: false) { AutoFlush = false };
        _writer = new Thread(() =>
        {
            using (stream)
            {
                var stopping = false;
                while (!stopping)
                {
                    stopping = _stop.Wait(DrainInterval);
                    var wrote = false;
                    while (_lines.TryDequeue(out var line))
                    {
                        stream.WriteLine(line);
                        wrote = true;
                    }

                    if (wrote)
                    {
                        stream.Flush();
                    }
                }
            }
        })
        { IsBackground = true, Name = "day-run-log-writer" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    /// <summary>The factory's scopes (a function invocation's function, message id and correlation id) land in every entry.</summary>
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Writes every entry logged so far, flushes and closes the file.</summary>
    public void Dispose()
    {
        _stopped = true;
        _stop.Set();
        _writer.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void Write(string line)
    {
        if (!_stopped)
        {
            _lines.Enqueue(line);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("time", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                json.WriteString("level", logLevel.ToString());
                json.WriteString("category", category);
                if (eventId.Id != 0)
                {
                    json.WriteNumber("eventId", eventId.Id);
                }

                json.WriteString("message", formatter(state, exception));
                var written = new HashSet<string>(StringComparer.Ordinal) { "time", "level", "category", "eventId", "message", "exception" };
                void Fields(object? fields)
                {
                    if (fields is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            var name = key.Length == 0 ? key : char.ToLowerInvariant(key[0]) + key[1..];
                            if (key != "{OriginalFormat}" && written.Add(name))
                            {
                                json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                            }
                        }
                    }
                }

                Fields(state);
                provider._scopes.ForEachScope((scope, _) => Fields(scope), (object?)null);

                if (exception is not null)
                {
                    json.WriteString("exception", exception.ToString());
                }

                json.WriteEndObject();
            }

            provider.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
    }
}
