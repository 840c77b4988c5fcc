using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NevHub.Protocols.Jt808;

namespace NevHub.Simulator.Tests;

/// <summary>A JT/T 808 message the test platform received, in arrival order.</summary>
internal sealed record Jt808Received(long Sequence, int Connection, string Phone, Jt808Message Message);

/// <summary>
/// A tiny JT/T 808 platform on 127.0.0.1, port 0: frames and decodes with the codec, answers registration with an
/// authentication code derived from the phone, checks the code at authentication, answers reports, heartbeats and logouts
/// with 0x8001, optionally sends three commands (0x8300, 0x8104, 0x8201) after each successful authentication, and records
/// everything.
/// </summary>
internal sealed class Jt808TestPlatform : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accept;
    private long _sequence;
    private int _connectionIds;

    public Jt808TestPlatform()
    {
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Send 0x8300, 0x8104 and 0x8201 after each successful authentication.</summary>
    public bool SendCommands { get; init; }

    public ConcurrentQueue<Jt808Received> Messages { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public static string CodeFor(string phone) => "AC" + phone;

    public async Task<List<Jt808Received>> ReceivedAsync()
    {
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(30));
        return [.. Messages.OrderBy(m => m.Sequence)];
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
        var framer = new Jt808Framer();
        var buffer = new byte[1 << 16];
        var count = 0;
        ushort serial = 0;
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
                    Jt808Message message;
                    try
                    {
                        message = Jt808Decoder.Default.Decode(frame);
                    }
                    catch (Jt808FormatException e)
                    {
                        Errors.Enqueue(e.Message);
                        continue;
                    }

                    var header = message.Header;
                    var phone = header.Phone.ForVersion(Jt808Version.V2013).ToString();
                    Messages.Enqueue(new Jt808Received(Interlocked.Increment(ref _sequence), connection, phone, message));
                    switch (message.Body)
                    {
                        case Jt808Registration:
                            answers.Add(Jt808Encoder.Encode(
                                Jt808Header.ReplyTo(header, Jt808MessageIds.RegistrationReply, serial++),
                                new Jt808RegistrationReply(header.Serial, Jt808RegistrationResult.Success, CodeFor(phone))));
                            break;
                        case Jt808Authentication authentication:
                            var ok = authentication.AuthCode == CodeFor(phone);
                            answers.Add(Jt808Encoder.PlatformGeneralResponse(header, serial++, ok ? Jt808ResponseResult.Success : Jt808ResponseResult.Failure));
                            if (ok && SendCommands)
                            {
                                answers.Add(Jt808Encoder.Encode(Jt808Header.ReplyTo(header, Jt808MessageIds.TextMessage, serial++), Jt808TextMessage.Create("请充电")));
                                answers.Add(Jt808Encoder.Encode(Jt808Header.ReplyTo(header, Jt808MessageIds.QueryAllParameters, serial++), new Jt808QueryAllParameters()));
                                answers.Add(Jt808Encoder.Encode(Jt808Header.ReplyTo(header, Jt808MessageIds.LocationQuery, serial++), new Jt808LocationQuery()));
                            }

                            break;
                        case Jt808LocationReport or Jt808BatchLocationUpload or Jt808Heartbeat or Jt808Logout:
                            answers.Add(Jt808Encoder.PlatformGeneralResponse(header, serial++));
                            break;
                        default:
                            break; // answers to commands: recorded only
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
            // The terminal closed or reset the connection.
        }
        catch (Jt808FormatException e)
        {
            Errors.Enqueue("framing: " + e.Message);
        }
    }
}
