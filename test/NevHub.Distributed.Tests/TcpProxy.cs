using System.Net;
using System.Net.Sockets;

namespace NevHub.Distributed.Tests;

/// <summary>
/// A loopback TCP proxy a test can take down: <see cref="Down"/> closes every connection through it and refuses new ones (as a
/// stopped server would), <see cref="Up"/> lets connections through again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient, TcpClient)> _connections = [];
    private readonly Task _accept;
    private volatile bool _down;

    public TcpProxy(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(Dns.GetHostAddresses(targetHost).First(a => a.AddressFamily == AddressFamily.InterNetwork), targetPort);
        _listener.Start();
        _accept = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Down()
    {
        _down = true;
        lock (_connections)
        {
            foreach (var (a, b) in _connections)
            {
                a.Dispose();
                b.Dispose();
            }

            _connections.Clear();
        }
    }

    public void Up() => _down = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Down();
        try
        {
            await _accept;
        }
        catch (Exception)
        {
            // stopping
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_down)
            {
                client.Dispose();
                continue;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add((client, upstream));
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            while (true)
            {
                var read = await input.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                await output.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception)
        {
            // a side closed (or the proxy went down)
        }

        from.Dispose();
        to.Dispose();
    }
}
