using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Gateways.Gbt32960;
using NevHub.Processing;
using NevHub.Protocols.Jt808;

namespace NevHub.Gateways.Jt808;

/// <summary>
/// One JT/T 808 terminal connection inside Kestrel: registration (0x0100), authentication (0x0102), heartbeat, logout,
/// location reports, batches, transparent data, subpackage reassembly and downlink commands; time-outs and limits; a
/// protocol violation closes only this connection. Everything goes through the same <see cref="IngestBus"/> as GB/T 32960.
/// Session rules are in docs/protocols/jt808.md ("Gateway").
/// </summary>
public sealed class Jt808ConnectionHandler : ConnectionHandler
{
    internal const string ProtocolName = "JT/T 808";
    private static readonly KeyValuePair<string, object?> ProtocolTag = new("protocol", "jt808");
    private readonly Jt808GatewayOptions _options;
    private readonly Jt808CodecOptions _codecOptions;
    private readonly Jt808ReassemblerOptions _reassemblerOptions;
    private readonly Jt808Decoder _decoder;
    private readonly VehicleRegistry _registry;
    private readonly ConnectedVehicles _connected;
    private readonly IngestBus _bus;
    private readonly Storage.IVehicleStore _store;
    private readonly GatewayMetrics _metrics;
    private readonly Jt808AuthCodes _codes;
    private readonly Jt808TerminalDirectory _terminals;
    private readonly Jt808BatteryProfiles _profiles;
    private readonly Jt808CommandTracker _commands;
    private readonly RegistrationPolicy _registration;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public Jt808ConnectionHandler(
        IOptions<Jt808GatewayOptions> options,
        VehicleRegistry registry,
        ConnectedVehicles connected,
        IngestBus bus,
        Storage.IVehicleStore store,
        GatewayMetrics metrics,
        Jt808AuthCodes codes,
        Jt808TerminalDirectory terminals,
        Jt808BatteryProfiles profiles,
        Jt808CommandTracker commands,
        TimeProvider clock,
        ILogger<Jt808ConnectionHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        _options = options.Value;
        _codecOptions = new Jt808CodecOptions { VersionFlagMismatch = _options.VersionFlagMismatch, DeviceTimeOffset = _options.DeviceTimeOffset };
        _reassemblerOptions = new Jt808ReassemblerOptions
        {
            MaxPendingMessages = _options.MaxPendingSubpackagedMessages,
            MaxPendingBytes = _options.MaxPendingSubpackageBytes,
            MaxPackageTotal = _options.MaxPackageTotal,
            RetryInterval = _options.SubpackageRetryInterval,
        };
        _decoder = new Jt808Decoder(_codecOptions);
        _registry = registry;
        _connected = connected;
        _bus = bus;
        _store = store;
        _metrics = metrics;
        _codes = codes;
        _terminals = terminals;
        _profiles = profiles;
        _commands = commands;
        _registration = _options.Registration ?? registry.Policy;
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
            GatewayLog.ConnectionFailed(_logger, ProtocolName, connection.ConnectionId, ex);
        }
        finally
        {
            await session.EndAsync().ConfigureAwait(false);
            _metrics.Connections.Add(-1, ProtocolTag);
        }
    }

    /// <summary>The state of one connection; only its read loop touches it, except <see cref="Close"/> and downlink sends.</summary>
    private sealed class Connection : IJt808Connection
    {
        private readonly Jt808ConnectionHandler _h;
        private readonly ConnectionContext _context;
        private readonly Jt808Framer _framer;
        private readonly Jt808Reassembler _reassembler;
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly DurableAnswers _answers;
        private readonly long _connectedAt = Stopwatch.GetTimestamp();
        private string? _closeReason;
        private VehicleSession? _session;
        private Vehicle? _vehicle;
        private string _phone = "";
        private Jt808Header _sessionHeader;
        private Jt808BatteryProfile _profile;
        private VehicleSample? _lastSample;
        private int _serial;
        private int _badFramesInRow;
        private double _tokens;
        private long _lastRefill = Stopwatch.GetTimestamp();

        public Connection(Jt808ConnectionHandler handler, ConnectionContext context)
        {
            _h = handler;
            _context = context;
            _framer = new Jt808Framer(handler._codecOptions);
            _reassembler = new Jt808Reassembler(handler._reassemblerOptions, handler._clock);
            _tokens = handler._options.FrameBurst;
            _profile = handler._profiles.Default;
            _answers = new DurableAnswers(context.Transport.Output, _writeLock, Close);
        }

        public string ConnectionId => _context.ConnectionId;

        public string SessionId => _session?.SessionId ?? "";

        private bool Authenticated => _session is { LogoutAt: null };

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
                var (wait, reassemblyCheck) = NextTimeout(partialSince);
                timeout.CancelAfter(wait);
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (reassemblyCheck)
                    {
                        // Not a time-out of the connection: the reassembly timer asks for missing packages.
                        await RequestMissingPackagesAsync().ConfigureAwait(false);
                        if (!timeout.TryReset())
                        {
                            return;
                        }

                        continue;
                    }

                    if (_closeReason is not null)
                    {
                        return; // closed from outside (replaced by a new login): not a time-out
                    }

                    var kind = !Authenticated ? "login" : partialSince != 0 ? "partial_frame" : "idle";
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
                catch (Jt808FormatException ex)
                {
                    // The stream cannot be delimited any more (or a subpackage limit was broken): close, never re-synchronise.
                    _h._metrics.CountBadFrame(ProtocolTag, ex.ReasonCode);
                    GatewayLog.BadFrame(_h._logger, ProtocolName, ConnectionId, _context.RemoteEndPoint?.ToString(), ex.ReasonCode, ex.Message);
                    _closeReason = "bad frame: " + ex.ReasonCode;
                    return;
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (_reassembler.PendingMessages > 0)
                {
                    await RequestMissingPackagesAsync().ConfigureAwait(false);
                }

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
            GatewayLog.Closed(_h._logger, ProtocolName, ConnectionId, _closeReason ?? "closed");
            _reassembler.Clear();
            if (_session is { LogoutAt: null } open)
            {
                await EndSessionAsync(open, _closeReason ?? "connection closed").ConfigureAwait(false);
            }

            if (_session is not null)
            {
                _h._commands.ConnectionClosed(_session.Vin, ConnectionId);
            }

            await _answers.CompleteAsync().ConfigureAwait(false);
            await _writeLock.WaitAsync().ConfigureAwait(false);
            _writeLock.Dispose();
        }

        private (TimeSpan Wait, bool ReassemblyCheck) NextTimeout(long partialSince)
        {
            var o = _h._options;
            TimeSpan left;
            if (!Authenticated)
            {
                left = o.LoginTimeout - Stopwatch.GetElapsedTime(_connectedAt);
            }
            else if (partialSince != 0)
            {
                left = o.PartialFrameTimeout - Stopwatch.GetElapsedTime(partialSince);
                left = left < o.IdleTimeout ? left : o.IdleTimeout;
            }
            else
            {
                left = o.IdleTimeout;
            }

            if (left <= TimeSpan.Zero)
            {
                return (TimeSpan.FromMilliseconds(1), false);
            }

            return _reassembler.PendingMessages > 0 && o.SubpackageRetryInterval < left ? (o.SubpackageRetryInterval, true) : (left, false);
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

        private async ValueTask HandleFrameAsync(Jt808Frame frame)
        {
            var receivedTimestamp = Stopwatch.GetTimestamp();
            var receivedAt = _h._clock.GetUtcNow();
            _h._metrics.CountFrame(ProtocolTag);
            var header = frame.Header;
            var phone = TerminalPhoneNumber.Normalize(header.Phone.ToString()) ?? "";

            if (Authenticated && phone != _phone)
            {
                // One connection, one terminal: a frame for another phone is a protocol violation.
                _h._metrics.CountBadFrame(ProtocolTag, "other_terminal");
                _closeReason = "frame for another terminal";
                return;
            }

            Jt808Header messageHeader;
            ReadOnlyMemory<byte> body;
            RawFrame? raw = null;
            if (header.IsSubpackaged)
            {
                // Each package is archived (when the terminal is known) and answered; the message is handled once complete.
                if (Authenticated)
                {
                    await PublishRawAsync(Raw(frame, _session!.Vin, receivedAt, null), receivedTimestamp).ConfigureAwait(false);
                }

                var complete = _reassembler.TryAdd(frame, out var whole);
                await SendAsync(Jt808Encoder.PlatformGeneralResponse(header, NextSerial(),
                    Authenticated ? Jt808ResponseResult.Success : Jt808ResponseResult.Failure)).ConfigureAwait(false);
                if (!complete)
                {
                    return;
                }

                messageHeader = whole.Header;
                body = whole.Body;
            }
            else
            {
                messageHeader = header;
                body = frame.Body.ToArray();
                if (_vehicle is not null || Authenticated)
                {
                    raw = Raw(frame, (_session?.Vin ?? _vehicle?.Vin)!, receivedAt, null);
                }
            }

            Jt808Message message;
            try
            {
                message = header.IsSubpackaged
                    ? _h._decoder.Decode(new Jt808ReassembledMessage(messageHeader, body))
                    : _h._decoder.Decode(messageHeader, body.Span);
                _badFramesInRow = 0;
            }
            catch (Jt808FormatException ex)
            {
                await RejectContentAsync(messageHeader, phone, ex).ConfigureAwait(false);
                return;
            }

            switch (message.Body)
            {
                case Jt808Registration registration:
                    await RegisterAsync(messageHeader, phone, registration, receivedTimestamp,
                        header.IsSubpackaged ? null : vin => Raw(frame, vin, receivedAt, null)).ConfigureAwait(false);
                    return;
                case Jt808Authentication authentication:
                    await AuthenticateAsync(messageHeader, phone, authentication, receivedAt, receivedTimestamp, frame).ConfigureAwait(false);
                    return;
            }

            if (!Authenticated)
            {
                // Before authentication: answer failure (jt808.md §10 item 4), keep nothing; the login time-out still runs.
                Jt808Log.NotAuthenticated(_h._logger, messageHeader.MessageId, phone);
                _h._metrics.CountBadFrame(ProtocolTag, "not_authenticated");
                if (!IsReply(messageHeader.MessageId))
                {
                    await SendAsync(Jt808Encoder.PlatformGeneralResponse(messageHeader, NextSerial(), Jt808ResponseResult.Failure)).ConfigureAwait(false);
                }

                return;
            }

            var vin = _session!.Vin;
            switch (message.Body)
            {
                case Jt808Heartbeat:
                    await SendAsync(Jt808Encoder.PlatformGeneralResponse(messageHeader, NextSerial())).ConfigureAwait(false);
                    break;

                case Jt808Logout:
                    await PublishRawAsync(raw, receivedTimestamp).ConfigureAwait(false);
                    _h._codes.LoggedOut(phone);
                    await EndSessionAsync(_session, "logout").ConfigureAwait(false);
                    await SendAsync(Jt808Encoder.PlatformGeneralResponse(messageHeader, NextSerial())).ConfigureAwait(false);
                    _closeReason = "logout";
                    break;

                case Jt808LocationReport report:
                    await IngestAsync(messageHeader, [report.Location], ReportKind.Realtime, receivedAt, receivedTimestamp, raw, answer: true)
                        .ConfigureAwait(false);
                    break;

                case Jt808BatchLocationUpload batch:
                    await IngestAsync(messageHeader, batch.Locations, batch.IsBackfill ? ReportKind.Reissue : ReportKind.Realtime,
                        receivedAt, receivedTimestamp, raw, answer: true).ConfigureAwait(false);
                    break;

                case Jt808TransparentData { Downlink: false } transparent:
                    await TransparentAsync(messageHeader, transparent, receivedAt, receivedTimestamp, raw).ConfigureAwait(false);
                    break;

                case Jt808TerminalGeneralResponse response:
                    await PublishRawAsync(raw, receivedTimestamp).ConfigureAwait(false);
                    _h._commands.Acknowledge(vin, ConnectionId, response.ReplySerial, response.Result);
                    break;

                case Jt808QueryParametersResponse parameters:
                    await PublishRawAsync(raw, receivedTimestamp).ConfigureAwait(false);
                    _h._commands.Answer(vin, ConnectionId, parameters.ReplySerial, Jt808CommandTracker.Views(parameters.Parameters));
                    break;

                case Jt808LocationQueryResponse position:
                    _h._commands.Answer(vin, ConnectionId, position.ReplySerial, Jt808CommandTracker.View(position.Location, _h._options.DeviceTimeOffset));
                    await IngestAsync(messageHeader, [position.Location], ReportKind.Realtime, receivedAt, receivedTimestamp, raw, answer: false)
                        .ConfigureAwait(false);
                    break;

                case Jt808RawBody when messageHeader.MessageId == 0x0004:
                    await SendTimeAsync(messageHeader).ConfigureAwait(false);
                    break;

                default:
                    // Unknown, encrypted or downlink-only ids: keep the frame, tell the terminal it is unsupported (jt808.md §6).
                    await PublishRawAsync(raw, receivedTimestamp).ConfigureAwait(false);
                    await SendAsync(Jt808Encoder.PlatformGeneralResponse(messageHeader, NextSerial(), Jt808ResponseResult.Unsupported))
                        .ConfigureAwait(false);
                    break;
            }
        }

        private static bool IsReply(ushort id) =>
            id is Jt808MessageIds.TerminalGeneralResponse or Jt808MessageIds.QueryParametersResponse or Jt808MessageIds.LocationQueryResponse;

        private async ValueTask RegisterAsync(
            Jt808Header header, string phone, Jt808Registration registration, long receivedTimestamp, Func<string, RawFrame>? raw)
        {
            var info = new Jt808TerminalInfo(
                registration.ManufacturerId.Trim(), registration.Model.Trim(), registration.TerminalId.Trim(), registration.PlateColor, registration.Plate.Trim());
            var vehicle = await _h._registry.FindByTerminalAsync(phone, CancellationToken.None).ConfigureAwait(false);
            if (vehicle is null)
            {
                // The plate field carries the VIN when the plate colour is 0 (unplated).
                var plateVin = info.PlateColor == 0 && info.Plate.Length is > 0 and <= VehicleCsv.MaxVinLength && info.Plate.All(char.IsAsciiLetterOrDigit)
                    ? info.Plate
                    : null;
                var named = plateVin is null ? null : await _h._registry.FindAsync(plateVin, CancellationToken.None).ConfigureAwait(false);
                if (named is not null)
                {
                    // That vehicle is registered and bound to another terminal (or to none: binding is an operator's act).
                    await RefuseRegistrationAsync(header, phone, Jt808RegistrationResult.VehicleAlreadyRegistered).ConfigureAwait(false);
                    return;
                }

                if (_h._registration != RegistrationPolicy.AutoRegister)
                {
                    await RefuseRegistrationAsync(header, phone, plateVin is null
                        ? Jt808RegistrationResult.TerminalNotInDatabase
                        : Jt808RegistrationResult.VehicleNotInDatabase).ConfigureAwait(false);
                    return;
                }

                vehicle = await AutoRegisterAsync(phone, plateVin).ConfigureAwait(false);
                if (vehicle is null)
                {
                    await RefuseRegistrationAsync(header, phone, Jt808RegistrationResult.TerminalAlreadyRegistered).ConfigureAwait(false);
                    return;
                }
            }

            if (_h._options.DuplicateSession == DuplicateSessionPolicy.RejectNew
                && _h._connected.TryGet(vehicle.Vin, out var other) && !ReferenceEquals(other, this))
            {
                await RefuseRegistrationAsync(header, phone, Jt808RegistrationResult.TerminalAlreadyRegistered).ConfigureAwait(false);
                return;
            }

            _vehicle = vehicle;
            _h._terminals.Set(phone, info);
            _h._codes.Registered(phone);
            var (profileName, _) = _h._profiles.Select(info.Manufacturer, info.Model);
            Jt808Log.Registered(_h._logger, phone, vehicle.Vin, info.Manufacturer, info.Model, profileName);
            await PublishRawAsync(raw?.Invoke(vehicle.Vin), receivedTimestamp).ConfigureAwait(false);
            await SendAsync(Jt808Encoder.Encode(
                Jt808Header.ReplyTo(header, Jt808MessageIds.RegistrationReply, NextSerial()),
                new Jt808RegistrationReply(header.Serial, Jt808RegistrationResult.Success, _h._codes.CodeFor(phone, vehicle.Vin)))).ConfigureAwait(false);
        }

        private async ValueTask<Vehicle?> AutoRegisterAsync(string phone, string? plateVin)
        {
            // VIN: the one in the plate field, else "T" + the phone's last 16 digits (documented in jt808.md "Gateway").
            var vin = plateVin ?? ("T" + phone[Math.Max(0, phone.Length - 16)..]).ToUpperInvariant();
            if (await _h._registry.FindAsync(vin, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                return null;
            }

            var vehicle = new Vehicle
            {
                Vin = vin,
                Maker = _h._registry.AutoRegisterMaker,
                Class = VehicleClass.Motorcycle,
                TerminalPhone = phone,
                AutoRegistered = true,
                RegisteredAt = _h._clock.GetUtcNow(),
            };
            try
            {
                await _h._registry.RegisterAsync(vehicle, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Storage.TerminalPhoneConflictException)
            {
                return null;
            }

            Jt808Log.AutoRegistered(_h._logger, phone, vin);
            return vehicle;
        }

        private async ValueTask RefuseRegistrationAsync(Jt808Header header, string phone, Jt808RegistrationResult result)
        {
            _h._metrics.Logins.Add(1, ProtocolTag, new KeyValuePair<string, object?>("result", "refused"));
            Jt808Log.RegistrationRefused(_h._logger, phone, result.ToString(), ConnectionId);
            await SendAsync(Jt808Encoder.Encode(
                Jt808Header.ReplyTo(header, Jt808MessageIds.RegistrationReply, NextSerial()),
                new Jt808RegistrationReply(header.Serial, result, null))).ConfigureAwait(false);
            _closeReason = "registration refused: " + result;
        }

        private async ValueTask AuthenticateAsync(
            Jt808Header header, string phone, Jt808Authentication authentication, DateTimeOffset receivedAt, long receivedTimestamp, Jt808Frame frame)
        {
            var vehicle = await _h._registry.FindByTerminalAsync(phone, CancellationToken.None).ConfigureAwait(false);
            string? refusal = vehicle is null ? "terminal not bound to a vehicle"
                : !_h._codes.Verify(phone, vehicle.Vin, authentication.AuthCode) ? "wrong authentication code"
                : Authenticated && _session!.Vin != vehicle.Vin ? "another terminal is authenticated on this connection"
                : _h._options.DuplicateSession == DuplicateSessionPolicy.RejectNew && _h._connected.TryGet(vehicle.Vin, out var other)
                    && !ReferenceEquals(other, this) ? "terminal already connected"
                : null;
            if (refusal is not null)
            {
                _h._metrics.Logins.Add(1, ProtocolTag, new KeyValuePair<string, object?>("result", "refused"));
                Jt808Log.AuthenticationRefused(_h._logger, phone, refusal, ConnectionId);
                await SendAsync(Jt808Encoder.PlatformGeneralResponse(header, NextSerial(), Jt808ResponseResult.Failure)).ConfigureAwait(false);
                _closeReason = "authentication refused: " + refusal;
                return;
            }

            if (Authenticated)
            {
                // A repeated 0x0102 on a live session: answer it again, keep the session.
                await SendAsync(Jt808Encoder.PlatformGeneralResponse(header, NextSerial())).ConfigureAwait(false);
                return;
            }

            var info = _h._terminals.Get(phone);
            _profile = _h._profiles.Select(info?.Manufacturer, info?.Model).Profile;
            _vehicle = vehicle;
            _phone = phone;
            _sessionHeader = header;
            var session = new VehicleSession
            {
                SessionId = Guid.CreateVersion7().ToString("N"),
                Vin = vehicle!.Vin,
                Protocol = Jt808SampleMapper.ProtocolOf(header.Version),
                LoginAt = receivedAt,
                RemoteEndpoint = _context.RemoteEndPoint?.ToString() ?? "",
                LoginSerial = header.Serial,
                Iccid = null,
            };

            // Durable before the terminal is told it is authenticated.
            await _h._store.SaveSessionAsync(session).ConfigureAwait(false);
            _session = session;
            _h._connected.Set(vehicle.Vin, this)?.Close("replaced by a new login");
            _h._metrics.Logins.Add(1, ProtocolTag, new KeyValuePair<string, object?>("result", "accepted"));
            GatewayLog.LoggedIn(_h._logger, ProtocolName, vehicle.Vin, ConnectionId, session.SessionId);

            await _h._bus.PublishAsync(new IngestMessage { Vin = vehicle.Vin, Session = session }).ConfigureAwait(false);
            await PublishRawAsync(Raw(frame, vehicle.Vin, receivedAt, null), receivedTimestamp).ConfigureAwait(false);
            await SendAsync(Jt808Encoder.PlatformGeneralResponse(header, NextSerial())).ConfigureAwait(false);
        }

        private async ValueTask IngestAsync(
            Jt808Header header,
            IReadOnlyList<Jt808Location> locations,
            ReportKind kind,
            DateTimeOffset receivedAt,
            long receivedTimestamp,
            RawFrame? raw,
            bool answer)
        {
            var vin = _session!.Vin;
            var pending = new List<Task>(locations.Count + 1);
            string? batteryCode = null;
            for (var i = 0; i < locations.Count; i++)
            {
                var sample = Jt808SampleMapper.Map(
                    vin, header.Version, locations[i], kind, receivedAt, _h._options.DeviceTimeOffset, _profile, out var code);
                batteryCode = code ?? batteryCode;
                if (kind == ReportKind.Realtime && (_lastSample is null || sample.SampleTime >= _lastSample.SampleTime))
                {
                    _lastSample = sample;
                }

                var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                pending.Add(durable.Task);
                await _h._bus.PublishAsync(new IngestMessage
                {
                    Vin = vin,
                    Sample = sample,
                    Raw = i == 0 ? raw is null ? null : raw with { SampleTime = sample.SampleTime } : null,
                    ReceivedTimestamp = receivedTimestamp,
                    Durable = durable,
                }).ConfigureAwait(false);
            }

            if (locations.Count == 0 && raw is not null)
            {
                var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                pending.Add(durable.Task);
                await _h._bus.PublishAsync(new IngestMessage { Vin = vin, Raw = raw, ReceivedTimestamp = receivedTimestamp, Durable = durable })
                    .ConfigureAwait(false);
            }

            await UpdateBatteryCodeAsync(batteryCode).ConfigureAwait(false);
            if (answer)
            {
                // Acknowledge only what is durable (ARCHITECTURE.md durability invariant), without waiting for it here.
                await _answers.EnqueueAsync(pending.Count == 1 ? pending[0] : Task.WhenAll(pending),
                    Jt808Encoder.PlatformGeneralResponse(header, NextSerial())).ConfigureAwait(false);
            }
        }

        private async ValueTask TransparentAsync(
            Jt808Header header, Jt808TransparentData data, DateTimeOffset receivedAt, long receivedTimestamp, RawFrame? raw)
        {
            var vin = _session!.Vin;
            var reading = _profile.ReadTransparent(data.Type, data.Payload);
            var sample = reading is { Any: true } battery
                ? Jt808SampleMapper.MapTransparent(vin, header.Version, battery, receivedAt, _lastSample)
                : null;
            var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _h._bus.PublishAsync(new IngestMessage
            {
                Vin = vin,
                Sample = sample,
                Raw = raw,
                ReceivedTimestamp = receivedTimestamp,
                Durable = sample is null && raw is null ? null : durable,
            }).ConfigureAwait(false);
            if (sample is null && raw is null)
            {
                durable.TrySetResult();
            }

            await UpdateBatteryCodeAsync(reading?.BatteryCode).ConfigureAwait(false);
            await _answers.EnqueueAsync(durable.Task, Jt808Encoder.PlatformGeneralResponse(header, NextSerial())).ConfigureAwait(false);
        }

        /// <summary>A battery code read through the profile becomes the session's pack code (a swapped battery shows as a new code).</summary>
        private async ValueTask UpdateBatteryCodeAsync(string? code)
        {
            if (code is null || _session is not { LogoutAt: null } session || session.PackCodes is [var only] && only == code)
            {
                return;
            }

            var changed = session with { PackCodes = [code] };
            await _h._store.SaveSessionAsync(changed).ConfigureAwait(false);
            _session = changed;
            await _h._bus.PublishAsync(new IngestMessage { Vin = session.Vin, Session = changed }).ConfigureAwait(false);
        }

        private async ValueTask RejectContentAsync(Jt808Header header, string phone, Jt808FormatException ex)
        {
            _h._metrics.CountBadFrame(ProtocolTag, ex.ReasonCode);
            GatewayLog.BadContent(_h._logger, ProtocolName, _session?.Vin ?? phone, ex.ReasonCode, ex.Message);
            if (++_badFramesInRow >= _h._options.MaxConsecutiveBadFrames)
            {
                _closeReason = "too many bad frames: " + ex.ReasonCode;
                return;
            }

            await SendAsync(Jt808Encoder.PlatformGeneralResponse(header, NextSerial(), Jt808ResponseResult.BadMessage)).ConfigureAwait(false);
        }

        private async ValueTask RequestMissingPackagesAsync()
        {
            foreach (var timeout in _reassembler.CollectTimeouts())
            {
                Jt808Log.SubpackagesMissing(_h._logger, timeout.Key.MessageId, timeout.Key.Phone.ToString(),
                    string.Join(',', timeout.MissingIndexes), timeout.Attempt, timeout.Dropped);
                if (timeout.Dropped)
                {
                    continue;
                }

                // 0x8003: original serial WORD, count (BYTE in 2013, WORD in 2019), indexes WORD each.
                var is2019 = timeout.Version == Jt808Version.V2019;
                var body = new byte[2 + (is2019 ? 2 : 1) + (2 * timeout.MissingIndexes.Count)];
                BinaryPrimitives.WriteUInt16BigEndian(body, timeout.OriginalSerial);
                var at = 2;
                if (is2019)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(at), (ushort)timeout.MissingIndexes.Count);
                    at += 2;
                }
                else
                {
                    body[at++] = (byte)Math.Min(timeout.MissingIndexes.Count, 255);
                }

                foreach (var index in timeout.MissingIndexes)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(at), index);
                    at += 2;
                }

                var header = is2019
                    ? Jt808Header.Create2019(0x8003, timeout.Key.Phone, NextSerial())
                    : Jt808Header.Create2013(0x8003, timeout.Key.Phone, NextSerial());
                if (body.Length <= Jt808Encoder.MaxBodyLength)
                {
                    await SendAsync(Jt808Encoder.EncodeFrame(header, body)).ConfigureAwait(false);
                }
            }
        }

        private ValueTask SendTimeAsync(Jt808Header request)
        {
            // 0x8004: UTC as BCD[6] (jt808.md §12 item 18).
            var body = new byte[6];
            Jt808BcdTime.From(_h._clock.GetUtcNow(), TimeSpan.Zero).WriteTo(body);
            return SendAsync(Jt808Encoder.EncodeFrame(Jt808Header.ReplyTo(request, 0x8004, NextSerial()), body));
        }

        public async ValueTask<Jt808CommandRecord?> SendCommandAsync(string kind, Jt808Body body, bool expectsAnswer, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(body);
            if (_closeReason is not null || _session is not { LogoutAt: null } session)
            {
                return null;
            }

            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var serial = NextSerial();
                var record = _h._commands.Add(session.Vin, kind, body.MessageId, serial, ConnectionId, expectsAnswer);
                var output = _context.Transport.Output;
                Jt808Encoder.Encode(Jt808Header.ReplyTo(_sessionHeader, body.MessageId, serial), body, output);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return record;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ConnectionResetException or ObjectDisposedException)
            {
                _closeReason ??= "write failed";
                return null;
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>The platform's serial on this connection: starts at 0, wraps after 0xFFFF; shared by replies and commands.</summary>
        private ushort NextSerial() => unchecked((ushort)(Interlocked.Increment(ref _serial) - 1));

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

        private ValueTask PublishRawAsync(RawFrame? raw, long receivedTimestamp) =>
            raw is null
                ? ValueTask.CompletedTask
                : _h._bus.PublishAsync(new IngestMessage { Vin = raw.Vin, Raw = raw, ReceivedTimestamp = receivedTimestamp });

        private static RawFrame Raw(in Jt808Frame frame, string vin, DateTimeOffset receivedAt, DateTimeOffset? sampleTime) => new()
        {
            Vin = vin,
            ReceivedAt = receivedAt,
            Protocol = Jt808SampleMapper.ProtocolOf(frame.Header.Version),
            Command = frame.Header.MessageId,
            SampleTime = sampleTime,
            Bytes = frame.ToWire(),
        };

        private async ValueTask SendAsync(byte[] frame)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                var output = _context.Transport.Output;
                await output.WriteAsync(frame).ConfigureAwait(false);
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
