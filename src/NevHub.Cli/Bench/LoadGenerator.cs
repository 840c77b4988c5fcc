using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NevHub.Cli.Bench;

/// <summary>
/// Many real TCP terminals in one process: connects them (in waves, so the listen backlog is not overrun), logs each in,
/// then sends pre-encoded realtime reports in batches, as fast as the server takes them or at a fixed total rate.
/// </summary>
internal sealed class LoadGenerator : IBenchLoad
{
    private readonly IPEndPoint _target;
    private readonly List<Terminal> _terminals = [];
    private long _framesSent;
    private long _loginFrames;

    public LoadGenerator(IPEndPoint target) => _target = target;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long LoginFrames => Interlocked.Read(ref _loginFrames);

    public long SetupFrames => LoginFrames;

    public int Connected => _terminals.Count;

    /// <summary>Connects one terminal per VIN and logs it in; waits for the login answers when <paramref name="awaitAnswers"/>.</summary>
    public async Task ConnectAsync(IReadOnlyList<string> vins, DateTimeOffset start, bool awaitAnswers, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(256);
        var terminals = await Task.WhenAll(vins.Select(async vin =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // A small send buffer keeps what sits in the kernel after the run (and so the drain) short.
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 32 * 1024 };
                await socket.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync(FrameTemplate.Login(vin, 1), cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _loginFrames);
                if (awaitAnswers)
                {
                    // A login answer is 31 bytes (header, 6-byte time, BCC); anything else means the login failed.
                    var answer = new byte[31];
                    var read = 0;
                    while (read < answer.Length)
                    {
                        var n = await socket.ReceiveAsync(answer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                        if (n == 0)
                        {
                            throw new InvalidOperationException($"the server closed the connection of {vin} at login");
                        }

                        read += n;
                    }

                    if (answer[3] != 0x01)
                    {
                        throw new InvalidOperationException($"login of {vin} was answered with flag 0x{answer[3]:X2}");
                    }
                }

                return new Terminal(socket, new FrameTemplate(vin, start));
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        _terminals.AddRange(terminals);
    }

    /// <summary>Sends until cancelled: <paramref name="framesPerWrite"/> frames per write; <paramref name="rate"/> frames/s in total, or 0 for as fast as possible.</summary>
    public async Task RunAsync(double rate, int framesPerWrite, CancellationToken stop)
    {
        var workers = Math.Min(_terminals.Count, 128);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = _terminals.Where((_, i) => i % workers == w).ToArray();
            var buffer = new byte[framesPerWrite * mine[0].Template.Length];
            long sentByMe = 0;
            var next = 0;
            while (!stop.IsCancellationRequested)
            {
                if (rate > 0)
                {
                    var allowed = rate / workers * clock.Elapsed.TotalSeconds;
                    if (sentByMe + framesPerWrite > allowed)
                    {
                        await Task.Delay(5, CancellationToken.None).ConfigureAwait(false);
                        continue;
                    }
                }

                var terminal = mine[next];
                next = (next + 1) % mine.Length;
                var length = terminal.Template.Length;
                for (var f = 0; f < framesPerWrite; f++)
                {
                    terminal.Template.Write(terminal.NextIndex++, buffer.AsSpan(f * length, length));
                }

                try
                {
                    await terminal.Socket.SendAsync(buffer, SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
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

    public ValueTask DisposeAsync()
    {
        foreach (var terminal in _terminals)
        {
            terminal.Socket.Dispose();
        }

        _terminals.Clear();
        return ValueTask.CompletedTask;
    }

    private sealed class Terminal(Socket socket, FrameTemplate template)
    {
        public Socket Socket { get; } = socket;

        public FrameTemplate Template { get; } = template;

        public long NextIndex { get; set; }
    }
}
