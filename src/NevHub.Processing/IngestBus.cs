using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NevHub.Processing;

/// <summary>
/// The embedded bus: bounded, ordered lanes sharded by VIN. Each lane applies its messages to the live twin and the
/// per-vehicle processors, then hands them to the durable sink. A full lane makes gateways wait (back-pressure).
/// </summary>
public sealed partial class IngestBus : BackgroundService
{
    private readonly Channel<IngestMessage>[] _lanes;
    private readonly LiveTwin _twin;
    private readonly IIngestSink _sink;
    private readonly IReadOnlyList<IVehicleProcessor> _processors;
    private readonly ILogger<IngestBus> _logger;
    private readonly Counter<long> _messages;
    private readonly Histogram<double> _twinLatency;

    public IngestBus(
        LiveTwin twin,
        IIngestSink sink,
        IEnumerable<IVehicleProcessor> processors,
        IOptions<ProcessingOptions> options,
        IMeterFactory meterFactory,
        ILogger<IngestBus> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(processors);
        _twin = twin;
        _sink = sink;
        _processors = options.Value.RunProcessors ? [.. processors] : [];
        _logger = logger;
        var o = options.Value;
        _lanes = new Channel<IngestMessage>[o.Lanes];
        for (var i = 0; i < _lanes.Length; i++)
        {
            _lanes[i] = Channel.CreateBounded<IngestMessage>(new BoundedChannelOptions(o.LaneCapacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        var meter = meterFactory.Create("NevHub.Processing");
        _messages = meter.CreateCounter<long>("nevhub.ingest.messages", description: "Messages applied to the live twin.");
        _twinLatency = meter.CreateHistogram<double>("nevhub.ingest.twin_latency", unit: "ms",
            description: "From receipt of a frame to its change being visible in the live twin.");
    }

    /// <summary>Receipt-to-twin latency of every frame since start (or the last reset).</summary>
    public LatencyHistogram TwinLatency { get; } = new();

    /// <summary>Messages applied to the twin since start.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    private long _applied;

    public int LaneOf(string vin)
    {
        ArgumentNullException.ThrowIfNull(vin);
        // A stable hash (not string.GetHashCode, which changes per process) so a VIN keeps its lane across restarts and nodes.
        return (int)(StableHash.Fnv1a(vin) % (uint)_lanes.Length);
    }

    /// <summary>Queues a message on its vehicle's lane; waits while the lane is full.</summary>
    public ValueTask PublishAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var lane = _lanes[LaneOf(message.Vin)].Writer;
        return lane.TryWrite(message) ? ValueTask.CompletedTask : lane.WriteAsync(message, cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_lanes.Select(lane => Task.Run(() => RunLaneAsync(lane.Reader), CancellationToken.None)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Let every lane drain what gateways already handed over, so nothing accepted is lost on shutdown.
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunLaneAsync(ChannelReader<IngestMessage> reader)
    {
        await foreach (var message in reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var state = _twin.Apply(message);
                foreach (var processor in _processors)
                {
                    processor.Process(message, state);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A processor bug must not stop the lane or lose the data: the message is still stored below.
                Log.ProcessorFailed(_logger, message.Vin, ex);
            }

            if (message.ReceivedTimestamp != 0)
            {
                var latency = Stopwatch.GetElapsedTime(message.ReceivedTimestamp);
                TwinLatency.Record(latency);
                _twinLatency.Record(latency.TotalMilliseconds);
            }

            Interlocked.Increment(ref _applied);
            _messages.Add(1);

            if (message.Sample is not null || message.Raw is not null)
            {
                await _sink.EnqueueAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                message.Durable?.TrySetResult();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "A processor failed on a message of {Vin}; the message is stored all the same")]
        public static partial void ProcessorFailed(ILogger logger, string vin, Exception exception);
    }
}
