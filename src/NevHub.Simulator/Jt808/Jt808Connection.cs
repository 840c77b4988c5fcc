using System.Buffers;
using System.Net.Sockets;
using NevHub.Protocols.Jt808;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Jt808;

/// <summary>
/// One TCP connection of a simulated JT/T 808 tracker: connect, send whole frames (one sender at a time: the shard task and
/// the receive loop both send), and a receive loop that frames and decodes the platform's messages with the codec, records
/// the answers the terminal waits for (0x8100, 0x8001 to 0x0102) and answers platform commands (0x8300/0x8103 → 0x0001,
/// 0x8104/0x8106 → 0x0104, 0x8201 → 0x0201). One instance per connection attempt.
/// </summary>
internal sealed class Jt808Connection
{
    private const int Pending = 0;
    private const int Accepted = 1;
    private const int Refused = 2;

    private readonly Socket _socket;
    private readonly SimVehicle _vehicle;
    private readonly SimulatorOptions _options;
    private readonly SimulatorCounters _counters;
    private readonly Jt808Terminal.SerialCounter _serials;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _registration;
    private int _authentication;
    private ushort _authenticationSerial = ushort.MaxValue;
    private string? _authCode;
    private int _broken;
    private SimSample? _lastSample;

    public Jt808Connection(
        SimVehicle vehicle, SimulatorOptions options, SimulatorCounters counters, Jt808Terminal.SerialCounter serials, CancellationToken cancellationToken)
    {
        _vehicle = vehicle;
        _options = options;
        _counters = counters;
        _serials = serials;
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ConnectTask = ConnectAndReceiveAsync(options.Host, options.Jt808Port, cancellationToken);
        _ = ConnectTask.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public Task ConnectTask { get; }

    public bool Broken => Volatile.Read(ref _broken) != 0;

    public bool RegistrationAnswered => Volatile.Read(ref _registration) != Pending;

    public bool RegistrationSucceeded => Volatile.Read(ref _registration) == Accepted;

    /// <summary>The authentication code of a successful registration.</summary>
    public string? AuthCode => Volatile.Read(ref _authCode);

    public bool AuthenticationAnswered => Volatile.Read(ref _authentication) != Pending;

    public bool AuthenticationSucceeded => Volatile.Read(ref _authentication) == Accepted;

    /// <summary>The newest sample sent, for 0x8201 position queries (set by the shard task, read by the receive loop).</summary>
    public SimSample? LastSample
    {
        get => Volatile.Read(ref _lastSample);
        set => Volatile.Write(ref _lastSample, value);
    }

    /// <summary>Sends an uplink message with the terminal's next serial; false when the connection is broken.</summary>
    public async ValueTask<bool> SendAsync(Jt808Body body)
    {
        var serial = _serials.Next();
        if (body is Jt808Authentication)
        {
            Volatile.Write(ref _authenticationSerial, serial);
        }

        var frame = Jt808Encoder.Encode(Jt808SampleMessages.Header(_vehicle, body.MessageId, serial), body);
        if (!await SendFrameAsync(frame).ConfigureAwait(false))
        {
            return false;
        }

        Interlocked.Increment(ref _counters.FramesSent);
        Interlocked.Add(ref _counters.BytesSent, frame.Length);
        return true;
    }

    private async ValueTask<bool> SendFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (Broken)
        {
            return false;
        }

        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            while (!frame.IsEmpty)
            {
                var sent = await _socket.SendAsync(frame, SocketFlags.None).ConfigureAwait(false);
                frame = frame[sent..];
            }

            return true;
        }
        catch (SocketException)
        {
            MarkBroken();
            return false;
        }
        catch (ObjectDisposedException)
        {
            MarkBroken();
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Ends the connection; see the GB/T client's <c>TerminalConnection.Close</c> for why a graceful close only shuts down the send side.</summary>
    public void Close(bool abort)
    {
        MarkBroken();
        if (!abort)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                _ = Task.Delay(Gbt32960.TerminalConnection.GracefulCloseTimeout).ContinueWith(
                    static (_, socket) => ((Socket)socket!).Dispose(), _socket, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return;
            }
            catch (SocketException)
            {
                // Not connected (yet).
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }

        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }

        _socket.Dispose();
    }

    private void MarkBroken() => Volatile.Write(ref _broken, 1);

    private async Task ConnectAndReceiveAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            MarkBroken();
            throw;
        }

        _ = ReceiveLoopAsync();
    }

    private async Task ReceiveLoopAsync()
    {
        var framer = new Jt808Framer();
        var decoder = Jt808Decoder.Default;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var n = await _socket.ReceiveAsync(buffer.AsMemory(count), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                count += n;
                var sequence = new ReadOnlySequence<byte>(buffer, 0, count);
                var messages = new List<Jt808Message>();
                while (framer.TryRead(ref sequence, out var frame))
                {
                    messages.Add(decoder.Decode(frame));
                }

                var rest = (int)sequence.Length;
                buffer.AsSpan(count - rest, rest).CopyTo(buffer);
                count = rest;
                foreach (var message in messages)
                {
                    await HandleAsync(message).ConfigureAwait(false);
                }
            }
        }
        catch (SocketException)
        {
            // Reset or closed: reported through Broken.
        }
        catch (ObjectDisposedException)
        {
            // We closed it.
        }
        catch (Jt808FormatException)
        {
            Interlocked.Increment(ref _counters.BadFramesReceived);
        }
        finally
        {
            MarkBroken();
            _socket.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask HandleAsync(Jt808Message message)
    {
        var header = message.Header;
        switch (message.Body)
        {
            case Jt808RegistrationReply reply:
                if (reply.Result == Jt808RegistrationResult.Success && reply.AuthCode is { Length: > 0 } code)
                {
                    Volatile.Write(ref _authCode, code);
                    Volatile.Write(ref _registration, Accepted);
                }
                else
                {
                    Volatile.Write(ref _registration, Refused);
                }

                break;
            case Jt808PlatformGeneralResponse answer:
                switch (answer.ReplyMessageId)
                {
                    case Jt808MessageIds.Authentication when answer.ReplySerial == Volatile.Read(ref _authenticationSerial):
                        Volatile.Write(ref _authentication, answer.Result == Jt808ResponseResult.Success ? Accepted : Refused);
                        break;
                    case Jt808MessageIds.Heartbeat:
                        Interlocked.Increment(ref _counters.HeartbeatAnswers);
                        break;
                    case Jt808MessageIds.Logout:
                        Interlocked.Increment(ref _counters.LogoutAnswers);
                        break;
                    case Jt808MessageIds.LocationReport or Jt808MessageIds.BatchLocationUpload when answer.Result != Jt808ResponseResult.Success:
                        Interlocked.Increment(ref _counters.ReportErrors);
                        break;
                    default:
                        break;
                }

                break;
            case Jt808TextMessage or Jt808SetParameters:
                await AnswerAsync(new Jt808TerminalGeneralResponse(header.Serial, header.MessageId, Jt808ResponseResult.Success)).ConfigureAwait(false);
                break;
            case Jt808QueryAllParameters:
                await AnswerAsync(new Jt808QueryParametersResponse(header.Serial, Jt808SampleMessages.Parameters(_vehicle, _options))).ConfigureAwait(false);
                break;
            case Jt808QueryParameters query:
                await AnswerAsync(new Jt808QueryParametersResponse(header.Serial, Jt808SampleMessages.Parameters(_vehicle, _options, query.Ids))).ConfigureAwait(false);
                break;
            case Jt808LocationQuery:
                if (LastSample is { } sample)
                {
                    await AnswerAsync(new Jt808LocationQueryResponse(header.Serial, Jt808SampleMessages.Location(sample))).ConfigureAwait(false);
                }
                else
                {
                    await AnswerAsync(new Jt808TerminalGeneralResponse(header.Serial, header.MessageId, Jt808ResponseResult.Failure)).ConfigureAwait(false);
                }

                break;
            default:
                if ((header.MessageId & 0x8000) != 0)
                {
                    // Another platform message (e.g. 0x8003 retransmission request, 0x8004 time): not supported.
                    await AnswerAsync(new Jt808TerminalGeneralResponse(header.Serial, header.MessageId, Jt808ResponseResult.Unsupported)).ConfigureAwait(false);
                }

                break;
        }
    }

    private async ValueTask AnswerAsync(Jt808Body body)
    {
        Interlocked.Increment(ref _counters.PlatformCommands);
        if (await SendAsync(body).ConfigureAwait(false))
        {
            Interlocked.Increment(ref _counters.CommandAnswers);
        }
    }
}
