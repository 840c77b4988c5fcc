using System.Diagnostics;
using NevHub.Protocols.Gbt32960;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Gbt32960;

/// <summary>
/// The GB/T 32960 terminal of one simulated vehicle: steps the vehicle every simulated second and enacts the session rules
/// (§9): connect and log in while the terminal is awake, realtime reports while logged in, everything else stored and sent
/// as reissue (0x03) after the next login, heartbeats, logout before sleeping, reset on a simulated link drop.
/// Driven by one shard task; not thread-safe.
/// </summary>
internal sealed class GbtTerminal : ISimTerminal
{
    private readonly SimVehicle _vehicle;
    private readonly SimulatorOptions _options;
    private readonly SimulatorCounters _counters;
    private readonly FrameRateLimiter _rate;
    private readonly List<SimSample> _stored = [];
    private TerminalConnection? _connection;
    private State _state;
    private DateTimeOffset _retryAt;
    private DateTimeOffset _loginSentAt;
    private long _loginSentTimestamp;
    private DateTimeOffset _lastHeartbeat;
    private ushort _serial;
    private DateOnly _serialDay;
    private bool _everLoggedIn;
    private bool _online;

    /// <summary>
    /// A login is given up only after <see cref="SimulatorOptions.LoginTimeout"/> of simulated time and at least this much real
    /// time: at high time scales the simulated timeout would otherwise be shorter than a real round trip.
    /// </summary>
    public static readonly TimeSpan MinimumRealLoginWait = TimeSpan.FromSeconds(2);

    public GbtTerminal(SimVehicle vehicle, SimulatorOptions options, SimulatorCounters counters, FrameRateLimiter rate)
    {
        _vehicle = vehicle;
        _options = options;
        _counters = counters;
        _rate = rate;
    }

    private enum State
    {
        Disconnected,
        Connecting,
        AwaitingLogin,
        Online,
    }

    public SimVehicle Vehicle => _vehicle;

    public SimulatorOptions Options => _options;

    /// <summary>Samples waiting to be sent as reissue.</summary>
    public int Stored => _stored.Count;

    /// <summary>One simulated second.</summary>
    public async ValueTask TickAsync(CancellationToken cancellationToken)
    {
        _vehicle.Step();
        var now = _vehicle.Now;

        if (_connection is { Broken: true } && _state != State.Connecting)
        {
            Interlocked.Increment(ref _counters.ConnectionsLost);
            Disconnect(abort: true);
            _retryAt = now.AddSeconds(5);
        }

        var wanted = _vehicle.Awake && _vehicle.LinkUp;
        if (!wanted && _connection is not null)
        {
            if (!_vehicle.LinkUp)
            {
                // A link drop: the connection ends without a logout. It is closed, not reset, so that frames already
                // sent are not discarded by the platform's stack (the ground truth counts them as reported).
                Interlocked.Increment(ref _counters.LinkDrops);
                Disconnect(abort: false);
            }
            else
            {
                // Going to sleep: send what is stored, log out, close.
                if (_state == State.Online)
                {
                    await FlushStoredAsync(cancellationToken).ConfigureAwait(false);
                    await LogoutAsync(cancellationToken).ConfigureAwait(false);
                }

                Disconnect(abort: false);
            }
        }

        if (wanted)
        {
            await AdvanceSessionAsync(now, cancellationToken).ConfigureAwait(false);
        }

        // One at a time, so that a cancellation leaves the unsent samples in the outbox (FinishAsync stores them).
        var outbox = _vehicle.Outbox;
        while (outbox.Count > 0)
        {
            var sample = outbox[0];
            if (_state != State.Online || !await SendReportAsync(sample, sample.Origin == SampleOrigin.PreAlarm, cancellationToken).ConfigureAwait(false))
            {
                _stored.Add(sample);
            }

            outbox.RemoveAt(0);
        }

        if (_state == State.Online && now - _lastHeartbeat >= _options.HeartbeatPeriod)
        {
            _lastHeartbeat = now;
            if (await SendAsync(SampleMessages.Heartbeat(_vehicle), cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _counters.Heartbeats);
            }
        }
    }

    /// <summary>
    /// End of the run: if samples are still stored, connect (ignoring a link drop still in progress), log in and send them;
    /// then log out and close. Bounded by <paramref name="cancellationToken"/>.
    /// </summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        _stored.AddRange(_vehicle.Outbox); // left over when the run was cancelled in the middle of a step
        _vehicle.Outbox.Clear();
        try
        {
            if (_state != State.Online && _stored.Count > 0)
            {
                // Keep a connection that is still waiting for its login answer; start over only from a dead one.
                while (_state != State.Online && !cancellationToken.IsCancellationRequested)
                {
                    if (_connection is { Broken: true })
                    {
                        Disconnect(abort: true);
                    }

                    var retry = _state == State.Disconnected;
                    if (retry)
                    {
                        _retryAt = _vehicle.Now;
                    }

                    await AdvanceSessionAsync(_vehicle.Now, cancellationToken).ConfigureAwait(false);
                    if (_state != State.Online)
                    {
                        // Poll for the connection / login answer; after a failed attempt, wait a little longer.
                        await Task.Delay(retry ? 250 : 5, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (_state == State.Online)
            {
                await FlushStoredAsync(cancellationToken).ConfigureAwait(false);
                await LogoutAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: what is still stored is counted as not sent.
        }

        Disconnect(abort: false);
    }

    private async ValueTask AdvanceSessionAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_state == State.Disconnected && now >= _retryAt)
        {
            _connection = new TerminalConnection(_options.Host, _options.Port, _counters, cancellationToken);
            _state = State.Connecting;
        }

        if (_state == State.Connecting && _connection!.ConnectTask.IsCompleted)
        {
            if (_connection.ConnectTask.IsCompletedSuccessfully)
            {
                var day = DateOnly.FromDateTime(_vehicle.TerminalNow.ToOffset(Gbt32960Time.Offset).DateTime);
                if (day != _serialDay || _serial >= 65531)
                {
                    _serialDay = day;
                    _serial = 0; // the login serial restarts every day (§5.1)
                }

                _serial++;
                _loginSentAt = now;
                _loginSentTimestamp = Stopwatch.GetTimestamp();
                _state = State.AwaitingLogin;
                if (await SendAsync(SampleMessages.Login(_vehicle, _vehicle.TerminalNow, _serial), cancellationToken).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref _counters.Logins);
                }
            }
            else
            {
                Interlocked.Increment(ref _counters.ConnectFailures);
                Disconnect(abort: true);
                _retryAt = now.AddSeconds(10);
            }
        }

        if (_state == State.AwaitingLogin)
        {
            if (_connection!.LoginSucceeded)
            {
                _state = State.Online;
                _online = true;
                _counters.Online();
                Interlocked.Increment(ref _counters.LoginAnswers);
                _lastHeartbeat = now;
                _everLoggedIn = true;
                await FlushStoredAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_connection.LoginAnswered)
            {
                Interlocked.Increment(ref _counters.LoginRefusals);
                Disconnect(abort: false);
                _retryAt = now + _options.LoginTimeout;
            }
            else if (now - _loginSentAt > _options.LoginTimeout && Stopwatch.GetElapsedTime(_loginSentTimestamp) > MinimumRealLoginWait)
            {
                Interlocked.Increment(ref _counters.LoginTimeouts);
                Disconnect(abort: false); // closed, not reset: the platform still reads the login, so serials have no gaps
                _retryAt = now;
            }
        }
    }

    /// <summary>Sends the stored samples in time order as reissue reports (0x03); stops at the first failed send.</summary>
    private async ValueTask FlushStoredAsync(CancellationToken cancellationToken)
    {
        if (_stored.Count == 0)
        {
            return;
        }

        _stored.Sort(static (a, b) => a.TrueTime.CompareTo(b.TrueTime));
        var sent = 0;
        while (sent < _stored.Count && await SendReportAsync(_stored[sent], reissue: true, cancellationToken).ConfigureAwait(false))
        {
            sent++;
        }

        _stored.RemoveRange(0, sent);
    }

    private async ValueTask LogoutAsync(CancellationToken cancellationToken)
    {
        if (await SendAsync(SampleMessages.Logout(_vehicle, _vehicle.TerminalNow, _serial), cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _counters.Logouts);
        }
    }

    private async ValueTask<bool> SendReportAsync(SimSample sample, bool reissue, CancellationToken cancellationToken)
    {
        if (!await SendAsync(SampleMessages.Report(_vehicle, sample, reissue), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        Interlocked.Increment(ref reissue ? ref _counters.ReissueReports : ref _counters.RealtimeReports);
        return true;
    }

    private async ValueTask<bool> SendAsync(Gbt32960Message message, CancellationToken cancellationToken)
    {
        var frame = Gbt32960Encoder.Encode(message);
        await _rate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!await _connection!.SendAsync(frame).ConfigureAwait(false))
        {
            return false;
        }

        Interlocked.Increment(ref _counters.FramesSent);
        Interlocked.Add(ref _counters.BytesSent, frame.Length);
        return true;
    }

    private void Disconnect(bool abort)
    {
        if (_online)
        {
            _online = false;
            _counters.Offline();
        }

        _connection?.Close(abort);
        _connection = null;
        _state = State.Disconnected;
    }

    /// <summary>Logins after the first one of this vehicle.</summary>
    public bool EverLoggedIn => _everLoggedIn;
}

