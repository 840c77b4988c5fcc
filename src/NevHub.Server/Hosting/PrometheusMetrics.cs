using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace NevHub.Server.Hosting;

/// <summary>
/// Every role's metrics in the Prometheus text format (version 0.0.4) at <c>/metrics</c>, collected with a
/// <see cref="MeterListener"/> from the <c>NevHub.*</c> meters (and the runtime's and Kestrel's): counters as totals, histograms
/// as <c>_count</c> and <c>_sum</c>, gauges as their last value. Instrument names become Prometheus names by replacing
/// '.' and '-' with '_' and appending the unit where Prometheus expects it (<c>_total</c> for counters).
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Tags), Cell> _cells = new();

    public PrometheusMetrics(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            var meter = instrument.Meter;
            // Only this host's meters (created by its IMeterFactory) and the process-wide runtime meter: several hosts in one
            // process (tests, tools) must not report each other's figures under the same series names.
            var ours = ReferenceEquals(meter.Scope, meterFactory)
                && (meter.Name.StartsWith("NevHub", StringComparison.Ordinal) || meter.Name == "Microsoft.AspNetCore.Server.Kestrel");
            if (ours || (meter.Scope is null && meter.Name == "System.Runtime"))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Polls the observable instruments and renders every series.</summary>
    public string Render()
    {
        lock (_listener)
        {
            foreach (var (key, cell) in _cells)
            {
                if (key.Instrument is ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double> or ObservableCounter<long> or ObservableUpDownCounter<long>)
                {
                    cell.ResetObserved();
                }
            }

            _listener.RecordObservableInstruments();
        }

        var text = new StringBuilder(8192);
        foreach (var group in _cells.GroupBy(c => c.Key.Instrument).OrderBy(g => g.Key.Meter.Name, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            var name = Name(instrument.Name);
            var (type, suffix) = instrument switch
            {
                Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => ("counter", "_total"),
                Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float> => ("summary", ""),
                _ => ("gauge", ""),
            };
            if (!string.IsNullOrEmpty(instrument.Description))
            {
                text.Append("# HELP ").Append(name).Append(suffix).Append(' ').Append(instrument.Description.Replace('\n', ' ')).Append('\n');
            }

            text.Append("# TYPE ").Append(name).Append(suffix).Append(' ').Append(type).Append('\n');
            foreach (var ((_, tags), cell) in group.OrderBy(c => c.Key.Tags, StringComparer.Ordinal))
            {
                if (type == "summary")
                {
                    Line(text, name + "_count", tags, cell.Count);
                    Line(text, name + "_sum", tags, cell.Sum);
                }
                else
                {
                    Line(text, name + suffix, tags, type == "counter" || instrument is UpDownCounter<long> or UpDownCounter<int> ? cell.Sum : cell.Last);
                }
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = _cells.GetOrAdd((instrument, Labels(tags)), _ => new Cell());
        cell.Add(value);
    }

    private static void Line(StringBuilder text, string name, string labels, double value) =>
        text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    private static string Name(string instrument)
    {
        var name = new StringBuilder(instrument.Length);
        foreach (var c in instrument)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return name.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            pairs.Add(Name(key) + "=\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal) + "\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return "{" + string.Join(',', pairs) + "}";
    }

    private sealed class Cell
    {
        private readonly Lock _gate = new();

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public double Last { get; private set; }

        public void Add(double value)
        {
            lock (_gate)
            {
                Sum += value;
                Count++;
                Last = value;
            }
        }

        /// <summary>Observable instruments report their current total each poll, not an increment.</summary>
        public void ResetObserved()
        {
            lock (_gate)
            {
                Sum = 0;
                Count = 0;
            }
        }
    }
}

public static class PrometheusMetricsEndpoint
{
    /// <summary>
    /// <c>GET /metrics</c>: the node's metrics for a Prometheus scraper. Anonymous (aggregate counters only, no vehicle or tenant
    /// data): expose the HTTP port to the monitoring network only.
    /// </summary>
    public static IEndpointConventionBuilder MapNevHubMetrics(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        return routes.MapGet("/metrics", (PrometheusMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
    }
}
