using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NevHub.Protocols.Jt808;

namespace NevHub.Cli.Bench;

/// <summary>
/// Many real JT/T 808 trackers in one process: connects them in waves, optionally registers (0x0100 → 0x8100 with the code)
/// and authenticates (0x0102 → 0x8001) each, then sends pre-encoded 0x0200 reports in batches. Every connection reads and
/// discards what the platform sends (it answers each report with 0x8001): unread answers would fill the receive buffer and
/// the server would block on sending.
/// </summary>
internal sealed class Jt808LoadGenerator : IBenchLoad
{
    private readonly IPEndPoint _target;
    private readonly List<Terminal> _terminals = [];
    private readonly CancellationTokenSource _closing = new();
    private long _framesSent;
    private long _handshakeFrames;
    private long _bytesReceived;
    private int _disposed;

    public Jt808LoadGenerator(IPEndPoint target) => _target = target;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Registration and authentication frames sent (the platform archives them too).</summary>
    public long HandshakeFrames => Interlocked.Read(ref _handshakeFrames);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long SetupFrames => HandshakeFrames;

    public int Connected => _terminals.Count;

    public static string Phone(int index) => "015" + index.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Connects one tracker per phone; with <paramref name="handshake"/> registers and authenticates it first.</summary>
    public async Task ConnectAsync(IReadOnlyList<string> phones, DateTimeOffset start, bool handshake, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(256);
        var terminals = await Task.WhenAll(phones.Select(async phone =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 32 * 1024 };
                await socket.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
                if (handshake)
                {
                    await HandshakeAsync(socket, phone, cancellationToken).ConfigureAwait(false);
                }

                var terminal = new Terminal(socket, new Jt808FrameTemplate(phone, start));
                terminal.Drain = DrainAsync(socket);
                return terminal;
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        _terminals.AddRange(terminals);
    }

    private async Task HandshakeAsync(Socket socket, string phone, CancellationToken cancellationToken)
    {
        var number = Jt808Phone.FromNumber(phone, Jt808Version.V2013);
        var reader = new FrameReader(socket);
        await socket.SendAsync(Jt808Encoder.Encode(Jt808Header.Create2013(Jt808MessageIds.Registration, number, 0),
            Jt808Registration.Create(Jt808RegistrationLayout.V2013, 50, 100, "BENCH", "EM-72V", "B000001", 1, "渝A00000")), cancellationToken).ConfigureAwait(false);
        var reply = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Body is not Jt808RegistrationReply { Result: Jt808RegistrationResult.Success, AuthCode: { } code })
        {
            throw new InvalidOperationException($"registration of {phone} was answered {reply.Body}");
        }

        await socket.SendAsync(Jt808Encoder.Encode(Jt808Header.Create2013(Jt808MessageIds.Authentication, number, 1), new Jt808Authentication(code)), cancellationToken)
            .ConfigureAwait(false);
        var answer = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Body is not Jt808PlatformGeneralResponse { Result: Jt808ResponseResult.Success })
        {
            throw new InvalidOperationException($"authentication of {phone} was answered {answer.Body}");
        }

        Interlocked.Add(ref _handshakeFrames, 2);
    }

    private async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                Interlocked.Add(ref _bytesReceived, n);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>Sends until cancelled: <paramref name="framesPerWrite"/> frames per write; <paramref name="rate"/> frames/s in total, or 0 for as fast as possible.</summary>
    public async Task RunAsync(double rate, int framesPerWrite, CancellationToken stop)
    {
        var workers = Math.Min(_terminals.Count, 128);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = _terminals.Where((_, i) => i % workers == w).ToArray();
            var buffer = new byte[framesPerWrite * mine[0].Template.MaxLength];
            long sentByMe = 0;
            var next = 0;
            while (!stop.IsCancellationRequested)
            {
                if (rate > 0 && sentByMe + framesPerWrite > rate / workers * clock.Elapsed.TotalSeconds)
                {
                    await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }

                var terminal = mine[next];
                next = (next + 1) % mine.Length;
                var length = 0;
                for (var f = 0; f < framesPerWrite; f++)
                {
                    length += terminal.Template.Write(terminal.NextIndex++, buffer.AsSpan(length));
                }

                try
                {
                    await terminal.Socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    terminal.NextIndex -= framesPerWrite;
                    return;
                }

                sentByMe += framesPerWrite;
                Interlocked.Add(ref _framesSent, framesPerWrite);
            }
        }, CancellationToken.None))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        foreach (var terminal in _terminals)
        {
            terminal.Socket.Dispose();
        }

        await Task.WhenAll(_terminals.Select(t => t.Drain)).ConfigureAwait(false);
        _terminals.Clear();
        _closing.Dispose();
    }

    /// <summary>Reads whole frames for the handshake.</summary>
    private sealed class FrameReader(Socket socket)
    {
        private readonly Jt808Framer _framer = new();
        private readonly byte[] _buffer = new byte[4096];
        private int _count;

        public async Task<Jt808Message> ReadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_buffer, 0, _count);
                if (_framer.TryRead(ref sequence, out var frame))
                {
                    var message = Jt808Decoder.Default.Decode(frame);
                    var rest = (int)sequence.Length;
                    _buffer.AsSpan(_count - rest, rest).CopyTo(_buffer);
                    _count = rest;
                    return message;
                }

                var n = await socket.ReceiveAsync(_buffer.AsMemory(_count), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new InvalidOperationException("the server closed the connection during the handshake");
                }

                _count += n;
            }
        }
    }

    private sealed class Terminal(Socket socket, Jt808FrameTemplate template)
    {
        public Socket Socket { get; } = socket;

        public Jt808FrameTemplate Template { get; } = template;

        public Task Drain { get; set; } = Task.CompletedTask;

        public long NextIndex { get; set; }
    }
}
