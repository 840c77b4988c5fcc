using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Gateways.Gbt32960;

/// <summary>
/// One GB/T 32960 terminal connection inside Kestrel: login, reports, heartbeat, time sync, logout; time-outs and
/// limits; a protocol violation closes only this connection. Reports are handed to the <see cref="IngestBus"/>.
/// </summary>
public sealed class Gbt32960ConnectionHandler : ConnectionHandler
{
    private static readonly KeyValuePair<string, object?> ProtocolTag = new("protocol", "gbt32960");
    private readonly Gbt32960GatewayOptions _options;
    private readonly Gbt32960Options _codecOptions;
    private readonly Gbt32960Decoder _decoder;
    private readonly VehicleRegistry _registry;
    private readonly ConnectedVehicles _connected;
    private readonly IngestBus _bus;
    private readonly Storage.IVehicleStore _store;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public Gbt32960ConnectionHandler(
        IOptions<Gbt32960GatewayOptions> options,
        VehicleRegistry registry,
        ConnectedVehicles connected,
        IngestBus bus,
        Storage.IVehicleStore store,
        GatewayMetrics metrics,
        TimeProvider clock,
        ILogger<Gbt32960ConnectionHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _codecOptions = new Gbt32960Options { MaxDataLength = _options.MaxDataLength, RequireSignature = false };
        _decoder = new Gbt32960Decoder(_codecOptions);
        _registry = registry;
        _connected = connected;
        _bus = bus;
        _store = store;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _metrics.Connections.Add(1, ProtocolTag);
        var session = new Connection(this, connection);
        try
        {
            await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            GatewayLog.ConnectionFailed(_logger, "GB/T 32960", connection.ConnectionId, ex);
        }
        finally
        {
            await session.EndAsync().ConfigureAwait(false);
            _metrics.Connections.Add(-1, ProtocolTag);
        }
    }

    /// <summary>The state of one connection; only its read loop touches it, except <see cref="Close"/>.</summary>
    private sealed class Connection : IVehicleConnection
    {
        private readonly Gbt32960ConnectionHandler _h;
        private readonly ConnectionContext _context;
        private readonly Gbt32960Framer _framer;
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly DurableAnswers? _answers;
        private readonly long _connectedAt = Stopwatch.GetTimestamp();
        private string? _closeReason;
        private VehicleSession? _session;
        private int _badFramesInRow;
        private double _tokens;
        private long _lastRefill = Stopwatch.GetTimestamp();

        public Connection(Gbt32960ConnectionHandler handler, ConnectionContext context)
        {
            _h = handler;
            _context = context;
            _framer = new Gbt32960Framer(handler._codecOptions);
            _tokens = handler._options.FrameBurst;
            _answers = handler._options.AnswerReports ? new DurableAnswers(context.Transport.Output, _writeLock, Close) : null;
        }

        public string ConnectionId => _context.ConnectionId;

        public string SessionId => _session?.SessionId ?? "";

        public void Close(string reason)
        {
            _closeReason ??= reason;
            _context.Abort(new ConnectionAbortedException(reason));
        }

        public async Task RunAsync()
        {
            var input = _context.Transport.Input;
            using var timeout = new CancellationTokenSource();
            long partialSince = 0;

            while (_closeReason is null)
            {
                timeout.CancelAfter(NextTimeout(partialSince));
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (_closeReason is not null)
                    {
                        return; // closed from outside (replaced by a new login): not a time-out
                    }

                    var kind = _session is null ? "login" : partialSince != 0 ? "partial_frame" : "idle";
                    _h._metrics.Timeouts.Add(1, ProtocolTag, new KeyValuePair<string, object?>("kind", kind));
                    _closeReason = kind + " time-out";
                    return;
                }
                catch (ConnectionResetException)
                {
                    _closeReason ??= "connection reset";
                    return;
                }

                if (!timeout.TryReset())
                {
                    return;
                }

                var buffer = result.Buffer;
                var framesInRead = 0;
                try
                {
                    while (_framer.TryRead(ref buffer, out var frame))
                    {
                        framesInRead++;
                        await ThrottleAsync().ConfigureAwait(false);
                        await HandleFrameAsync(frame).ConfigureAwait(false);
                        if (_closeReason is not null)
                        {
                            return;
                        }
                    }
                }
                catch (Gbt32960FormatException ex)
                {
                    // The stream cannot be delimited any more: never re-synchronise silently, close (STYLE.md).
                    var kind = Gbt32960FormatException.KindOf(ex.Reason);
                    _h._metrics.CountBadFrame(ProtocolTag, kind);
                    GatewayLog.BadFrame(_h._logger, "GB/T 32960", ConnectionId, _context.RemoteEndPoint?.ToString(), kind, ex.Message);
                    _closeReason = "bad frame: " + kind;
                    return;
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                // The partial-frame clock starts when a frame starts, not when a busy connection last ended a read mid-frame.
                partialSince = buffer.IsEmpty ? 0 : framesInRead > 0 || partialSince == 0 ? Stopwatch.GetTimestamp() : partialSince;
                if (result.IsCompleted || result.IsCanceled)
                {
                    _closeReason ??= "closed by peer";
                    return;
                }
            }
        }

        public async Task EndAsync()
        {
            GatewayLog.Closed(_h._logger, "GB/T 32960", ConnectionId, _closeReason ?? "closed");
            if (_session is { LogoutAt: null } open)
            {
                await EndSessionAsync(open, _closeReason ?? "connection closed").ConfigureAwait(false);
            }

            if (_answers is not null)
            {
                await _answers.CompleteAsync().ConfigureAwait(false);
            }

            await _writeLock.WaitAsync().ConfigureAwait(false);
            _writeLock.Dispose();
        }

        private TimeSpan NextTimeout(long partialSince)
        {
            var o = _h._options;
            if (_session is null)
            {
                var left = o.LoginTimeout - Stopwatch.GetElapsedTime(_connectedAt);
                return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
            }

            if (partialSince != 0)
            {
                var left = o.PartialFrameTimeout - Stopwatch.GetElapsedTime(partialSince);
                return left > TimeSpan.Zero ? (left < o.IdleTimeout ? left : o.IdleTimeout) : TimeSpan.FromMilliseconds(1);
            }

            return o.IdleTimeout;
        }

        /// <summary>Token bucket: a connection faster than the limit is slowed down (TCP back-pressure), not dropped.</summary>
        private ValueTask ThrottleAsync()
        {
            var o = _h._options;
            var now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(o.FrameBurst, _tokens + (Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * o.MaxFramesPerSecond));
            _lastRefill = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return ValueTask.CompletedTask;
            }

            var wait = TimeSpan.FromSeconds((1 - _tokens) / o.MaxFramesPerSecond);
            _tokens = 0;
            _lastRefill = now + (long)(wait.TotalSeconds * Stopwatch.Frequency);
            return new ValueTask(Task.Delay(wait));
        }

        private async ValueTask HandleFrameAsync(Gbt32960Frame frame)
        {
            var receivedTimestamp = Stopwatch.GetTimestamp();
            var receivedAt = _h._clock.GetUtcNow();
            _h._metrics.CountFrame(ProtocolTag);

            if (frame.IsAnswer)
            {
                // Answers from the terminal (to query/set/control) are archived; they are never answered (§4).
                if (_session is not null && frame.Vin.Equals(Gbt32960Vin.Parse(_session.Vin)))
                {
                    await PublishRawAsync(frame, receivedAt, receivedTimestamp, null).ConfigureAwait(false);
                }

                return;
            }

            Gbt32960Message message;
            try
            {
                message = _h._decoder.Decode(frame);
                _badFramesInRow = 0;
            }
            catch (Gbt32960FormatException ex)
            {
                await RejectContentAsync(frame, ex).ConfigureAwait(false);
                return;
            }

            switch (message.Command)
            {
                case Gbt32960Command.VehicleLogin:
                    await LoginAsync(frame, message, receivedAt, receivedTimestamp).ConfigureAwait(false);
                    return;
                case Gbt32960Command.Heartbeat:
                    await SendAsync(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success)).ConfigureAwait(false);
                    return;
                case Gbt32960Command.TimeSync:
                    await SendAsync(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success, _h._clock.GetUtcNow()))
                        .ConfigureAwait(false);
                    return;
            }

            if (!IsSessionVin(frame))
            {
                // Data before a login, or for another VIN than the one logged in: a protocol violation.
                _h._metrics.CountBadFrame(ProtocolTag, "not_logged_in");
                _closeReason = _session is null ? "data before login" : "frame for another VIN";
                return;
            }

            switch (message.Command)
            {
                case Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport when message.Body is ReportBody report:
                    await ReportAsync(frame, message, report, receivedAt, receivedTimestamp).ConfigureAwait(false);
                    break;
                case Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport:
                    // Encrypted and no key: archive the frame so it can be re-processed once keys exist; tell the terminal.
                    await PublishRawAsync(frame, receivedAt, receivedTimestamp, null).ConfigureAwait(false);
                    await SendAsync(Gbt32960Acknowledgement.For(message, message.Version == Gbt32960Version.V2025
                        ? Gbt32960ResponseFlag.DecryptionError
                        : Gbt32960ResponseFlag.Error)).ConfigureAwait(false);
                    break;
                case Gbt32960Command.VehicleLogout:
                    await PublishRawAsync(frame, receivedAt, receivedTimestamp, null).ConfigureAwait(false);
                    await EndSessionAsync(_session!, "logout").ConfigureAwait(false);
                    await SendAsync(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success)).ConfigureAwait(false);
                    break;
                default:
                    // Platform login/logout, activation, key exchange and downlink commands are not a vehicle's to send here.
                    await PublishRawAsync(frame, receivedAt, receivedTimestamp, null).ConfigureAwait(false);
                    await SendAsync(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Error)).ConfigureAwait(false);
                    break;
            }
        }

        private bool IsSessionVin(in Gbt32960Frame frame) =>
            _session is { LogoutAt: null } s && frame.Vin.Equals(Gbt32960Vin.Parse(s.Vin));

        private async ValueTask LoginAsync(Gbt32960Frame frame, Gbt32960Message message, DateTimeOffset receivedAt, long receivedTimestamp)
        {
            var vin = frame.GetVin();
            var body = (VehicleLoginBody)message.Body;
            if (vin.Length == 0 || !vin.All(char.IsAsciiLetterOrDigit))
            {
                await RefuseLoginAsync(message, vin, "malformed VIN", Gbt32960ResponseFlag.Error).ConfigureAwait(false);
                return;
            }

            if (_session is { LogoutAt: null } current && current.Vin != vin)
            {
                await RefuseLoginAsync(message, vin, "another VIN is logged in on this connection", Gbt32960ResponseFlag.Error)
                    .ConfigureAwait(false);
                return;
            }

            var vehicle = await _h._registry.ResolveForLoginAsync(vin, VehicleClass.Car, CancellationToken.None).ConfigureAwait(false);
            if (vehicle is null)
            {
                await RefuseLoginAsync(message, vin, "VIN not registered", message.Version == Gbt32960Version.V2025
                    ? Gbt32960ResponseFlag.VinNotFound
                    : Gbt32960ResponseFlag.Error).ConfigureAwait(false);
                return;
            }

            if (_h._connected.TryGet(vin, out var other) && !ReferenceEquals(other, this)
                && _h._options.DuplicateSession == DuplicateSessionPolicy.RejectNew)
            {
                await RefuseLoginAsync(message, vin, "VIN already connected", Gbt32960ResponseFlag.VinDuplicate).ConfigureAwait(false);
                return;
            }

            var session = new VehicleSession
            {
                SessionId = Guid.CreateVersion7().ToString("N"),
                Vin = vin,
                Protocol = message.Version == Gbt32960Version.V2016 ? TelemetryProtocol.Gbt32960V2016 : TelemetryProtocol.Gbt32960V2025,
                LoginAt = receivedAt,
                RemoteEndpoint = _context.RemoteEndPoint?.ToString() ?? "",
                LoginSerial = body.Serial,
                Iccid = body.Iccid,
                PackCodes = body.Codes.Length > 0 ? body.Codes : [.. body.PackCodes.SelectMany(c => c)],
            };

            // Durable before the terminal is told it is logged in.
            await _h._store.SaveSessionAsync(session).ConfigureAwait(false);
            _session = session;
            _h._connected.Set(vin, this)?.Close("replaced by a new login");
            _h._metrics.Logins.Add(1, ProtocolTag, new KeyValuePair<string, object?>("result", "accepted"));
            GatewayLog.LoggedIn(_h._logger, "GB/T 32960", vin, ConnectionId, session.SessionId);

            await _h._bus.PublishAsync(new IngestMessage { Vin = vin, Session = session }).ConfigureAwait(false);
            await PublishRawAsync(frame, receivedAt, receivedTimestamp, body.Time).ConfigureAwait(false);
            await SendAsync(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success)).ConfigureAwait(false);
        }

        private async ValueTask RefuseLoginAsync(Gbt32960Message message, string vin, string reason, Gbt32960ResponseFlag flag)
        {
            _h._metrics.Logins.Add(1, ProtocolTag, new KeyValuePair<string, object?>("result", "refused"));
            GatewayLog.LoginRefused(_h._logger, "GB/T 32960", vin, reason, ConnectionId);
            await SendAsync(Gbt32960Acknowledgement.For(message, flag)).ConfigureAwait(false);
            _closeReason = "login refused: " + reason;
        }

        private async ValueTask ReportAsync(
            Gbt32960Frame frame, Gbt32960Message message, ReportBody report, DateTimeOffset receivedAt, long receivedTimestamp)
        {
            var vin = _session!.Vin;
            var sample = Gbt32960SampleMapper.Map(vin, message.Version, message.Command == Gbt32960Command.ReissueReport, report, receivedAt);
            var durable = _h._options.AnswerReports ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
            await _h._bus.PublishAsync(new IngestMessage
            {
                Vin = vin,
                Sample = sample,
                Raw = Raw(frame, vin, receivedAt, report.Time),
                ReceivedTimestamp = receivedTimestamp,
                Durable = durable,
            }).ConfigureAwait(false);

            if (durable is not null)
            {
                // Acknowledge only what is durable, without waiting for it here.
                await _answers!.EnqueueAsync(durable.Task, Gbt32960Encoder.Encode(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success))).ConfigureAwait(false);
            }
        }

        private async ValueTask RejectContentAsync(Gbt32960Frame frame, Gbt32960FormatException ex)
        {
            var kind = Gbt32960FormatException.KindOf(ex.Reason);
            _h._metrics.CountBadFrame(ProtocolTag, kind);
            GatewayLog.BadContent(_h._logger, "GB/T 32960", frame.GetVin(), kind, ex.Message);
            if (++_badFramesInRow >= _h._options.MaxConsecutiveBadFrames)
            {
                _closeReason = "too many bad frames: " + kind;
                return;
            }

            // A delimited frame that fails its checks gets an error answer; the terminal resends (§10.2).
            var flag = frame.Version == Gbt32960Version.V2016
                ? Gbt32960ResponseFlag.Error
                : ex.Reason switch
                {
                    Gbt32960ErrorReason.SignatureInvalid or Gbt32960ErrorReason.MissingSignature => Gbt32960ResponseFlag.SignatureError,
                    Gbt32960ErrorReason.DecryptionFailed => Gbt32960ResponseFlag.DecryptionError,
                    _ => Gbt32960ResponseFlag.StructureError,
                };
            await SendAsync(Gbt32960Acknowledgement.For(frame, flag)).ConfigureAwait(false);
        }

        private async ValueTask EndSessionAsync(VehicleSession session, string reason)
        {
            var ended = session with { LogoutAt = _h._clock.GetUtcNow(), EndReason = reason };
            _session = ended;
            _h._connected.Remove(session.Vin, this);
            try
            {
                await _h._store.SaveSessionAsync(ended).ConfigureAwait(false);
            }
            finally
            {
                await _h._bus.PublishAsync(new IngestMessage { Vin = session.Vin, Session = ended }).ConfigureAwait(false);
            }
        }

        private ValueTask PublishRawAsync(Gbt32960Frame frame, DateTimeOffset receivedAt, long receivedTimestamp, DateTimeOffset? sampleTime)
        {
            var vin = _session?.Vin ?? frame.GetVin();
            return _h._bus.PublishAsync(new IngestMessage
            {
                Vin = vin,
                Raw = Raw(frame, vin, receivedAt, sampleTime),
                ReceivedTimestamp = receivedTimestamp,
            });
        }

        private static RawFrame Raw(in Gbt32960Frame frame, string vin, DateTimeOffset receivedAt, DateTimeOffset? sampleTime) => new()
        {
            Vin = vin,
            ReceivedAt = receivedAt,
            Protocol = frame.Version == Gbt32960Version.V2016 ? TelemetryProtocol.Gbt32960V2016 : TelemetryProtocol.Gbt32960V2025,
            Command = frame.CommandId,
            SampleTime = sampleTime,
            Bytes = frame.ToArray(),
        };

        private async ValueTask SendAsync(Gbt32960Message message)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                var output = _context.Transport.Output;
                Gbt32960Encoder.Encode(message, output);
                await output.FlushAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ConnectionResetException or ObjectDisposedException)
            {
                _closeReason ??= "write failed";
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }
}
