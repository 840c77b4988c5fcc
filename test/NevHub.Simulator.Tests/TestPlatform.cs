using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Simulator.Tests;

/// <summary>A frame the test platform received, in arrival order.</summary>
internal sealed record ReceivedFrame(long Sequence, int Connection, string Vin, Gbt32960Command Command, Gbt32960Message Message);

/// <summary>
/// A tiny GB/T 32960 platform on 127.0.0.1, port 0: frames with the codec's framer, decodes every frame with the codec's
/// decoder, answers logins, heartbeats and logouts with the codec's acknowledgement helper, and records everything.
/// </summary>
internal sealed class TestPlatform : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accept;
    private long _sequence;
    private int _connectionIds;

    public TestPlatform()
    {
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<ReceivedFrame> Frames { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>Waits until every connection has been read to its end (the terminals closed them all), then returns the frames in arrival order.</summary>
    public async Task<List<ReceivedFrame>> ReceivedAsync()
    {
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(30));
        return [.. Frames.OrderBy(f => f.Sequence)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var id = Interlocked.Increment(ref _connectionIds);
            _connections.Add(Task.Run(() => ServeAsync(client, id)));
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using var _ = client;
        var stream = client.GetStream();
        var framer = new Gbt32960Framer();
        var decoder = new Gbt32960Decoder();
        var buffer = new byte[1 << 17];
        var count = 0;
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(count), _stop.Token);
                if (n == 0)
                {
                    return;
                }

                count += n;
                var sequence = new ReadOnlySequence<byte>(buffer, 0, count);
                var answers = new List<byte[]>();
                while (framer.TryRead(ref sequence, out var frame))
                {
                    Gbt32960Message message;
                    try
                    {
                        message = decoder.Decode(frame);
                    }
                    catch (Gbt32960FormatException e)
                    {
                        Errors.Enqueue(e.Message);
                        continue;
                    }

                    Frames.Enqueue(new ReceivedFrame(Interlocked.Increment(ref _sequence), connection, message.Vin.ToString(), message.Command, message));
                    if (message.Command is Gbt32960Command.VehicleLogin or Gbt32960Command.Heartbeat or Gbt32960Command.VehicleLogout)
                    {
                        answers.Add(Gbt32960Encoder.Encode(Gbt32960Acknowledgement.For(message, Gbt32960ResponseFlag.Success)));
                    }
                }

                var rest = (int)sequence.Length;
                buffer.AsSpan(count - rest, rest).CopyTo(buffer);
                count = rest;
                foreach (var answer in answers)
                {
                    await stream.WriteAsync(answer, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The terminal closed or reset the connection (link drops do that on purpose).
        }
        catch (Gbt32960FormatException e)
        {
            Errors.Enqueue("framing: " + e.Message);
        }
    }
}
