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
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private readonly BlockingCollection<string> _lines = new(new ConcurrentQueue<string>());
    private readonly Thread _writer;
    private readonly LogLevel _minimum;

    public FileLoggerProvider(string path, LogLevel minimum)
    {
        _minimum = minimum;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new StreamWriter(path, append: false) { AutoFlush = false };
        _writer = new Thread(() =>
        {
            using (stream)
            {
                foreach (var line in _lines.GetConsumingEnumerable())
                {
                    stream.WriteLine(line);
                    if (_lines.Count == 0)
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

    public void Dispose()
    {
        _lines.CompleteAdding();
        _writer.Join(TimeSpan.FromSeconds(10));
        _lines.Dispose();
    }

    private void Write(string line)
    {
        if (!_lines.IsAddingCompleted)
        {
            _lines.Add(line);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

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
                if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
                {
                    foreach (var (key, value) in fields)
                    {
                        if (key != "{OriginalFormat}")
                        {
                            json.WriteString(char.ToLowerInvariant(key[0]) + key[1..], Convert.ToString(value, CultureInfo.InvariantCulture));
                        }
                    }
                }

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
