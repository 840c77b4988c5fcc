using System.Buffers;
using System.Net.Sockets;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Simulator.Gbt32960;

/// <summary>
/// One TCP connection of a simulated terminal: connect, send whole frames, and a receive loop that frames the platform's
/// answers with the codec and records what the terminal waits for (login answer). One instance per connection attempt.
/// </summary>
internal sealed class TerminalConnection : IDisposable
{
    private const int LoginPending = 0;
    private const int LoginAccepted = 1;
    private const int LoginRefused = 2;

    private readonly Socket _socket;
    private readonly SimulatorCounters _counters;
    private int _login;
    private int _broken;

    public TerminalConnection(string host, int port, SimulatorCounters counters, CancellationToken cancellationToken)
    {
        _counters = counters;
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ConnectTask = ConnectAndReceiveAsync(host, port, cancellationToken);

        // A failed connect is handled by the terminal through IsCompletedSuccessfully; observe the exception here.
        _ = ConnectTask.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Completes when the connection is established (faulted when it could not be).</summary>
    public Task ConnectTask { get; }

    /// <summary>The connection failed or was closed by either side.</summary>
    public bool Broken => Volatile.Read(ref _broken) != 0;

    public bool LoginAnswered => Volatile.Read(ref _login) != LoginPending;

    public bool LoginSucceeded => Volatile.Read(ref _login) == LoginAccepted;

    /// <summary>
    /// Sends one whole frame; false when the connection is broken (the frame may not have arrived). Not cancellable: a frame
    /// is either sent whole or the connection fails, never cut in the middle by a cancellation.
    /// </summary>
    public async ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame)
    {
        if (Broken)
        {
            return false;
        }

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
    }

    /// <summary>
    /// Ends the connection. <paramref name="abort"/> resets it at once. Otherwise only the send side is shut down and the
    /// receive loop reads on until the platform closes too: closing a socket with unread answers in its buffer would send a
    /// reset, and a reset makes the platform discard our last frames before it has read them. <see cref="GracefulCloseTimeout"/>
    /// bounds the wait.
    /// </summary>
    public void Close(bool abort)
    {
        MarkBroken();
        if (!abort)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                _ = Task.Delay(GracefulCloseTimeout).ContinueWith(
                    static (_, socket) => ((Socket)socket!).Dispose(), _socket, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                return;
            }
            catch (SocketException)
            {
                // Not connected (yet): nothing to shut down gracefully.
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

    /// <summary>How long a graceful close waits for the platform to close its side. Default 10 s.</summary>
    public static TimeSpan GracefulCloseTimeout { get; } = TimeSpan.FromSeconds(10);

    public void Dispose() => Close(abort: false);

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

        // Connected: the receive loop runs on its own (it ends by itself when the socket closes); ConnectTask completes now.
        _ = ReceiveLoopAsync();
    }

    private async Task ReceiveLoopAsync()
    {
        var framer = new Gbt32960Framer();
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
                while (framer.TryRead(ref sequence, out var frame))
                {
                    Handle(in frame);
                }

                var rest = (int)sequence.Length;
                buffer.AsSpan(count - rest, rest).CopyTo(buffer);
                count = rest;
            }
        }
        catch (SocketException)
        {
            // Connection reset or closed: reported through Broken.
        }
        catch (ObjectDisposedException)
        {
            // We closed it.
        }
        catch (Gbt32960FormatException)
        {
            // The platform sent bytes that are not a frame: a protocol violation ends the connection.
            Interlocked.Increment(ref _counters.BadFramesReceived);
        }
        finally
        {
            MarkBroken();
            _socket.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Handle(in Gbt32960Frame frame)
    {
        if (!frame.IsAnswer)
        {
            // Query / set / control from the platform: not supported by the simulator (not answered).
            Interlocked.Increment(ref _counters.PlatformCommands);
            return;
        }

        switch (frame.Command)
        {
            case Gbt32960Command.VehicleLogin:
                Volatile.Write(ref _login, frame.ResponseFlag == Gbt32960ResponseFlag.Success ? LoginAccepted : LoginRefused);
                break;
            case Gbt32960Command.Heartbeat:
                Interlocked.Increment(ref _counters.HeartbeatAnswers);
                break;
            case Gbt32960Command.VehicleLogout:
                Interlocked.Increment(ref _counters.LogoutAnswers);
                break;
            case Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport:
                if (frame.ResponseFlag != Gbt32960ResponseFlag.Success)
                {
                    Interlocked.Increment(ref _counters.ReportErrors);
                }

                break;
            default:
                break;
        }
    }
}
