using System.Diagnostics;
using NevHub.Protocols.Jt808;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Jt808;

/// <summary>
/// The JT/T 808 tracker of one simulated electric motorcycle: steps the vehicle every simulated second and enacts the
/// session: connect while awake, register (0x0100) and keep the authentication code until the next logout (0x0003
/// deregisters the terminal), authenticate (0x0102) on every connection (directly with the kept code after a link drop), location reports (0x0200) while authenticated, everything else stored and sent as blind-area batches
/// (0x0704 type 1) after the next authentication, heartbeats (0x0002), logout (0x0003) before sleeping, close without
/// logout on a simulated link drop. Mirrors the GB/T 32960 client (<see cref="Gbt32960.GbtTerminal"/>). Driven by one shard
/// task; not thread-safe (the connection's receive loop answers platform commands on its own).
/// </summary>
internal sealed class Jt808Terminal : ISimTerminal
{
    private readonly SimVehicle _vehicle;
    private readonly SimulatorOptions _options;
    private readonly SimulatorCounters _counters;
    private readonly FrameRateLimiter _rate;
    private readonly List<SimSample> _stored = [];
    private readonly SerialCounter _serials = new();
    private Jt808Connection? _connection;
    private State _state;
    private DateTimeOffset _retryAt;
    private DateTimeOffset _sentAt;
    private long _sentTimestamp;
    private DateTimeOffset _lastHeartbeat;
    private string? _authCode;
    private SimSample? _lastSent;
    private bool _codeFresh;
    private bool _everLoggedIn;
    private bool _online;

    public Jt808Terminal(SimVehicle vehicle, SimulatorOptions options, SimulatorCounters counters, FrameRateLimiter rate)
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
        AwaitingRegistration,
        AwaitingAuthentication,
        Online,
    }

    public SimVehicle Vehicle => _vehicle;

    public int Stored => _stored.Count;

    public bool EverLoggedIn => _everLoggedIn;

    /// <summary>The authentication code from the last successful registration (kept across connections).</summary>
    public string? AuthCode => _authCode;

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
                Interlocked.Increment(ref _counters.LinkDrops);
                Disconnect(abort: false); // no logout: the link is gone
            }
            else
            {
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

        // Pre-alarm samples are history: they go out in a blind-area batch with anything stored, before the realtime ones.
        var outbox = _vehicle.Outbox;
        for (var i = 0; i < outbox.Count;)
        {
            if (outbox[i].Origin == SampleOrigin.PreAlarm)
            {
                _stored.Add(outbox[i]);
                outbox.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        if (_state == State.Online && _stored.Count > 0)
        {
            await FlushStoredAsync(cancellationToken).ConfigureAwait(false);
        }

        // One at a time, so that a cancellation leaves the unsent samples in the outbox (FinishAsync stores them).
        while (outbox.Count > 0)
        {
            var sample = outbox[0];
            if (_state != State.Online || !await SendRealtimeAsync(sample, cancellationToken).ConfigureAwait(false))
            {
                _stored.Add(sample);
            }

            outbox.RemoveAt(0);
        }

        if (_state == State.Online && now - _lastHeartbeat >= _options.HeartbeatPeriod)
        {
            _lastHeartbeat = now;
            if (await SendAsync(new Jt808Heartbeat(), cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _counters.Heartbeats);
            }
        }
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        _stored.AddRange(_vehicle.Outbox);
        _vehicle.Outbox.Clear();
        try
        {
            if (_state != State.Online && _stored.Count > 0)
            {
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
            _connection = new Jt808Connection(_vehicle, _options, _counters, _serials, cancellationToken) { LastSample = _lastSent };
            _state = State.Connecting;
        }

        if (_state == State.Connecting && _connection!.ConnectTask.IsCompleted)
        {
            if (_connection.ConnectTask.IsCompletedSuccessfully)
            {
                if (_authCode is null)
                {
                    await RegisterAsync(now, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await AuthenticateAsync(now, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                Interlocked.Increment(ref _counters.ConnectFailures);
                Disconnect(abort: true);
                _retryAt = now.AddSeconds(10);
            }
        }

        if (_state == State.AwaitingRegistration)
        {
            if (_connection!.RegistrationSucceeded)
            {
                _authCode = _connection.AuthCode;
                _codeFresh = true;
                await AuthenticateAsync(now, cancellationToken).ConfigureAwait(false);
            }
            else if (_connection.RegistrationAnswered)
            {
                Interlocked.Increment(ref _counters.LoginRefusals);
                Disconnect(abort: false);
                _retryAt = now + _options.LoginTimeout;
            }
            else if (TimedOut(now))
            {
                Interlocked.Increment(ref _counters.LoginTimeouts);
                Disconnect(abort: false);
                _retryAt = now;
            }
        }

        if (_state == State.AwaitingAuthentication)
        {
            if (_connection!.AuthenticationSucceeded)
            {
                _state = State.Online;
                _online = true;
                _counters.Online();
                Interlocked.Increment(ref _counters.LoginAnswers);
                _lastHeartbeat = now;
                _everLoggedIn = true;
                await FlushStoredAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (_connection.AuthenticationAnswered)
            {
                // A refused code (the platform forgot it, or the terminal was re-bound): register again; wait only when
                // even a fresh code was refused.
                Interlocked.Increment(ref _counters.LoginRefusals);
                Disconnect(abort: false);
                _retryAt = _codeFresh ? now + _options.LoginTimeout : now;
                _authCode = null;
            }
            else if (TimedOut(now))
            {
                Interlocked.Increment(ref _counters.LoginTimeouts);
                Disconnect(abort: false);
                _retryAt = now;
            }
        }
    }

    private bool TimedOut(DateTimeOffset now) =>
        now - _sentAt > _options.LoginTimeout && Stopwatch.GetElapsedTime(_sentTimestamp) > Gbt32960.GbtTerminal.MinimumRealLoginWait;

    private async ValueTask RegisterAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        _sentAt = now;
        _sentTimestamp = Stopwatch.GetTimestamp();
        _state = State.AwaitingRegistration;
        if (await SendAsync(Jt808SampleMessages.Registration(_vehicle), cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _counters.Registrations);
        }
    }

    private async ValueTask AuthenticateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        _sentAt = now;
        _sentTimestamp = Stopwatch.GetTimestamp();
        _state = State.AwaitingAuthentication;
        if (await SendAsync(Jt808SampleMessages.Authentication(_vehicle, _authCode!), cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _counters.Logins);
        }
    }

    /// <summary>Sends the stored samples in time order as 0x0704 blind-area batches; stops at the first failed send.</summary>
    private async ValueTask FlushStoredAsync(CancellationToken cancellationToken)
    {
        if (_stored.Count == 0)
        {
            return;
        }

        _stored.Sort(static (a, b) => a.TrueTime.CompareTo(b.TrueTime));
        while (_stored.Count > 0)
        {
            var count = Math.Min(Jt808SampleMessages.MaxBatch, _stored.Count);
            var locations = new List<Jt808Location>(count);
            for (var i = 0; i < count; i++)
            {
                locations.Add(Jt808SampleMessages.Location(_stored[i]));
            }

            if (!await SendAsync(new Jt808BatchLocationUpload(1, locations), cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            Interlocked.Add(ref _counters.ReissueReports, count);
            Sent(_stored[count - 1]);
            _stored.RemoveRange(0, count);
        }
    }

    private async ValueTask<bool> SendRealtimeAsync(SimSample sample, CancellationToken cancellationToken)
    {
        if (!await SendAsync(new Jt808LocationReport(Jt808SampleMessages.Location(sample)), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        Sent(sample);
        Interlocked.Increment(ref _counters.RealtimeReports);
        return true;
    }

    /// <summary>Remembers the newest position sent, for 0x8201 position queries.</summary>
    private void Sent(SimSample sample)
    {
        if (_lastSent is null || sample.TrueTime > _lastSent.TrueTime)
        {
            _lastSent = sample;
            _connection!.LastSample = sample;
        }
    }

    private async ValueTask LogoutAsync(CancellationToken cancellationToken)
    {
        if (await SendAsync(new Jt808Logout(), cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _counters.Logouts);
        }

        // 0x0003 is the terminal's deregistration: its code is void, the next connection registers again.
        _authCode = null;
    }

    private async ValueTask<bool> SendAsync(Jt808Body body, CancellationToken cancellationToken)
    {
        await _rate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _connection!.SendAsync(body).ConfigureAwait(false);
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

    /// <summary>The terminal's message serial numbers (0, 1, 2 … wrapping), shared by the shard task and the receive loop.</summary>
    internal sealed class SerialCounter
    {
        private int _next = -1;

        public ushort Next() => unchecked((ushort)Interlocked.Increment(ref _next));
    }
}
