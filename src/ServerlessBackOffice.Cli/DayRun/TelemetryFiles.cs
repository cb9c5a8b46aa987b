using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessBackOffice.Pipeline.Telemetry;

namespace ServerlessBackOffice.Cli.DayRun;

/// <summary>
/// The day run's OpenTelemetry: the same activity source and meter the function app exports to Azure Monitor, exported to
/// files — <c>logs/traces.jsonl</c> (one span per line: function, message id, correlation id, duration, status, the
/// messages it published) and <c>logs/metrics.jsonl</c> (invocations by function and outcome, duration histograms,
/// publications by destination and event type), written when the run ends.
/// </summary>
internal sealed class TelemetryFiles : IDisposable
{
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;

    public TelemetryFiles(string logsFolder)
    {
        Directory.CreateDirectory(logsFolder);
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(BackOfficeTelemetry.Name)
            .AddProcessor(new BatchActivityExportProcessor(new SpanFileExporter(Path.Combine(logsFolder, "traces.jsonl"))))
            .Build();
        _metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(BackOfficeTelemetry.Name)
            .AddReader(new BaseExportingMetricReader(new MetricFileExporter(Path.Combine(logsFolder, "metrics.jsonl"))) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative })
            .Build();
    }

    public void Dispose()
    {
        _tracing.ForceFlush();
        _metrics.ForceFlush();
        _tracing.Dispose();
        _metrics.Dispose();
    }

    private sealed class SpanFileExporter(string path) : BaseExporter<Activity>
    {
        private readonly StreamWriter _writer = new(path, append: false);

        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                using var buffer = new MemoryStream();
                using (var json = new Utf8JsonWriter(buffer))
                {
                    json.WriteStartObject();
                    json.WriteString("name", activity.DisplayName);
                    json.WriteString("traceId", activity.TraceId.ToHexString());
                    json.WriteString("spanId", activity.SpanId.ToHexString());
                    json.WriteString("start", activity.StartTimeUtc.ToString("O", CultureInfo.InvariantCulture));
                    json.WriteNumber("durationMs", Math.Round(activity.Duration.TotalMilliseconds, 3));
                    json.WriteString("status", activity.Status.ToString());
                    foreach (var (key, value) in activity.Tags)
                    {
                        json.WriteString(key, value);
                    }

                    json.WriteStartArray("published");
                    foreach (var e in activity.Events)
                    {
                        json.WriteStartObject();
                        foreach (var (key, value) in e.Tags)
                        {
                            json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                _writer.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            }

            _writer.Flush();
            return ExportResult.Success;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _writer.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class MetricFileExporter(string path) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            using var writer = new StreamWriter(path, append: false);
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    using var buffer = new MemoryStream();
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        json.WriteStartObject();
                        json.WriteString("metric", metric.Name);
                        json.WriteString("unit", metric.Unit);
                        foreach (var tag in point.Tags)
                        {
                            json.WriteString(tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture));
                        }

                        if (metric.MetricType == MetricType.Histogram)
                        {
                            json.WriteNumber("count", point.GetHistogramCount());
                            json.WriteNumber("sum", point.GetHistogramSum());
                        }
                        else
                        {
                            json.WriteNumber("value", point.GetSumLong());
                        }

                        json.WriteEndObject();
                    }

                    writer.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                }
            }

            return ExportResult.Success;
        }
    }
}
