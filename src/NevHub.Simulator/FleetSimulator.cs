using System.Diagnostics;
using System.Globalization;
using NevHub.Simulator.Gbt32960;
using NevHub.Simulator.Jt808;
using NevHub.Simulator.Model;

namespace NevHub.Simulator;

/// <summary>
/// Runs a simulated fleet against a platform over TCP: every vehicle is a real terminal with its own connection. Cars, taxis
/// and buses speak GB/T 32960 to <see cref="SimulatorOptions.Port"/>; electric motorcycles speak JT/T 808 to
/// <see cref="SimulatorOptions.Jt808Port"/>.
/// The vehicles are split over a few shard tasks (one per core); each shard steps its vehicles one simulated second at a
/// time, paced to <see cref="SimulatorOptions.TimeScale"/> and capped by <see cref="SimulatorOptions.RatePerSecond"/>.
/// </summary>
/// <example>
/// <code>
/// var simulator = new FleetSimulator(new SimulatorOptions { Host = "127.0.0.1", Port = 32960, Vehicles = 1000 });
/// var result = await simulator.RunAsync(cancellationToken);
/// Console.WriteLine(result);
/// </code>
/// </example>
public sealed class FleetSimulator
{
    private readonly SimulatorOptions _options;
    private readonly SimulatorCounters _counters = new();
    private readonly ISimTerminal[] _terminals;
    private int _started;

    /// <summary>Creates the fleet (deterministic for a seed). Throws when an option is out of range.</summary>
    public FleetSimulator(SimulatorOptions options)
        : this(options, keepSamples: false)
    {
    }

    /// <param name="options">The options; validated here.</param>
    /// <param name="keepSamples">Keep every sample in the ground truth (<see cref="GroundTruthLog.Samples"/>), for tests.</param>
    public FleetSimulator(SimulatorOptions options, bool keepSamples)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Fleet = new Fleet(options, keepSamples);
        var rate = new FrameRateLimiter(options.RatePerSecond);
        _terminals = Fleet.Vehicles
            .Select(ISimTerminal (v) => v.Spec.Class == Domain.VehicleClass.Motorcycle
                ? new Jt808Terminal(v, options, _counters, rate)
                : new GbtTerminal(v, options, _counters, rate))
            .ToArray();
    }

    public Fleet Fleet { get; }

    /// <summary>Where to print a progress line every few seconds (e.g. <see cref="Console.Out"/>); null = quiet.</summary>
    public TextWriter? Progress { get; set; }

    /// <summary>How often <see cref="Progress"/> gets a line. Default 5 s.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Vehicles currently logged in.</summary>
    public long Connected => Interlocked.Read(ref _counters.Connected);

    /// <summary>
    /// Runs for <see cref="SimulatorOptions.Duration"/> of simulated time, or until <paramref name="cancellationToken"/> is
    /// cancelled (not an error: the run ends early). At the end every terminal sends what it still stores (up to 10 s), logs
    /// out and closes; then the ground truth is written when <see cref="SimulatorOptions.GroundTruthPath"/> is set.
    /// </summary>
    public async Task<SimulatorResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A FleetSimulator runs once; create a new one for another run.");
        }

        var ticks = (long)_options.Duration.TotalSeconds;
        var shardCount = Math.Clamp(Environment.ProcessorCount, 1, Math.Min(16, _terminals.Length));
        var shards = Enumerable.Range(0, shardCount)
            .Select(s => _terminals.Where((_, i) => i % shardCount == s).ToArray())
            .ToArray();
        var clock = Stopwatch.StartNew();
        using var progressStop = new CancellationTokenSource();
        var progress = Progress is null ? Task.CompletedTask : ReportProgressAsync(clock, progressStop.Token);
        var ticked = new long[shardCount];
        await Task.WhenAll(shards.Select((terminals, s) =>
            Task.Run(() => RunShardAsync(terminals, _options.TimeScale, ticks, clock, ticked, s, cancellationToken), CancellationToken.None))).ConfigureAwait(false);

        using (var finish = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await Task.WhenAll(_terminals.Select(t => t.FinishAsync(finish.Token))).ConfigureAwait(false);
        }

        foreach (var vehicle in Fleet.Vehicles)
        {
            vehicle.Finish();
        }

        var elapsed = clock.Elapsed;
        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        if (_options.GroundTruthPath is { } path)
        {
            GroundTruthWriter.Write(path, Fleet.Vehicles);
        }

        var c = _counters;
        var result = new SimulatorResult
        {
            FramesSent = c.FramesSent,
            BytesSent = c.BytesSent,
            RealtimeReports = c.RealtimeReports,
            ReissueReports = c.ReissueReports,
            Logins = c.Logins,
            LoginAnswers = c.LoginAnswers,
            LoginRefusals = c.LoginRefusals,
            LoginTimeouts = c.LoginTimeouts,
            Reconnects = c.LoginAnswers - _terminals.Count(t => t.EverLoggedIn),
            Logouts = c.Logouts,
            Heartbeats = c.Heartbeats,
            HeartbeatAnswers = Interlocked.Read(ref c.HeartbeatAnswers),
            ReportErrors = Interlocked.Read(ref c.ReportErrors),
            LinkDrops = c.LinkDrops,
            ConnectionsLost = c.ConnectionsLost,
            ConnectFailures = c.ConnectFailures,
            PlatformCommands = Interlocked.Read(ref c.PlatformCommands),
            CommandAnswers = Interlocked.Read(ref c.CommandAnswers),
            Registrations = c.Registrations,
            PeakConnected = c.PeakConnected,
            SamplesNotSent = _terminals.Sum(t => (long)t.Stored),
            Elapsed = elapsed,
            Simulated = TimeSpan.FromSeconds(ticked.Min()),
        };
        Progress?.WriteLine(result.ToString());
        return result;
    }

    private static async Task RunShardAsync(
        ISimTerminal[] terminals, double timeScale, long ticks, Stopwatch clock, long[] ticked, int shard, CancellationToken cancellationToken)
    {
        try
        {
            for (var k = 1L; k <= ticks; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wait = TimeSpan.FromSeconds(k / timeScale) - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Behind schedule: still let queued work (answers from the platform, other shards) run between ticks.
                    await Task.Yield();
                }

                foreach (var terminal in terminals)
                {
                    await terminal.TickAsync(cancellationToken).ConfigureAwait(false);
                }

                Volatile.Write(ref ticked[shard], k);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped early: the run ends here.
        }
    }

    private async Task ReportProgressAsync(Stopwatch clock, CancellationToken stop)
    {
        long lastFrames = 0;
        var lastTime = TimeSpan.Zero;
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, stop).ConfigureAwait(false);
                var frames = Interlocked.Read(ref _counters.FramesSent);
                var now = clock.Elapsed;
                var rate = (frames - lastFrames) / (now - lastTime).TotalSeconds;
                Progress!.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{now:hh\\:mm\\:ss}] simulated {Fleet.Vehicles[0].Now:yyyy-MM-dd HH:mm:ss}, {Connected} connected, {frames} frames ({rate:F0}/s)"));
                lastFrames = frames;
                lastTime = now;
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}

/// <summary>
/// Caps the frames sent per second across the fleet (0 = no cap): a token bucket with a 0.1-s burst. Waiting senders slow
/// the simulated clock down.
/// </summary>
internal sealed class FrameRateLimiter
{
    private readonly double _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private double _next;

    public FrameRateLimiter(double ratePerSecond) => _interval = ratePerSecond > 0 ? 1 / ratePerSecond : 0;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_interval == 0)
        {
            return ValueTask.CompletedTask;
        }

        double wait;
        lock (_gate)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _next = Math.Max(_next, now - 0.1) + _interval;
            wait = _next - now;
        }

        return wait > 0.001 ? new ValueTask(Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken)) : ValueTask.CompletedTask;
    }
}
