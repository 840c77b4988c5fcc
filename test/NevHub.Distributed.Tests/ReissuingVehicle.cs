using System.Net.Sockets;
using NevHub.Protocols.Gbt32960;
using NevHub.Server.FunctionalTests;

namespace NevHub.Distributed.Tests;

/// <summary>
/// A GB/T 32960 vehicle that keeps every realtime report until the platform answers it (the gateway's <c>AnswerReports</c>:
/// answered only once durable), and after losing its connection logs in to the next gateway of its list and reissues (0x03) what
/// was not answered, oldest first, before reporting on. Report n has sample time <c>start + n s</c> and odometer n km, so the
/// store's rows say exactly which reports arrived. The simulator's terminals (NevHub.Simulator) do not track answers to reports,
/// hence this client.
/// </summary>
public sealed class ReissuingVehicle(string vin, DateTimeOffset start, IReadOnlyList<int> gatewayPorts)
{
    private readonly Lock _gate = new();
    private readonly SortedSet<int> _unanswered = [];
    private int _next;
    private int _portIndex;

    public string Vin { get; } = vin;

    /// <summary>Reports made so far (numbers 0 … Made-1); each was sent at least once.</summary>
    public int Made
    {
        get
        {
            lock (_gate)
            {
                return _next;
            }
        }
    }

    public int Unanswered
    {
        get
        {
            lock (_gate)
            {
                return _unanswered.Count;
            }
        }
    }

    /// <summary>Reports sent again as reissue after a reconnection.</summary>
    public int Reissued => Volatile.Read(ref _reissued);

    /// <summary>Successful logins (the first, then one per reconnection).</summary>
    public int Logins => Volatile.Read(ref _logins);

    private int _reissued;
    private int _logins;

    /// <summary>Why the last connection ended (diagnostics).</summary>
    public Exception? LastError { get; private set; }

    /// <summary>
    /// Reports <paramref name="burst"/> reports every <paramref name="period"/> until <paramref name="stop"/>, then goes on until every
    /// report is answered or <paramref name="drainDeadline"/> passes.
    /// </summary>
    public async Task RunAsync(int burst, TimeSpan period, CancellationToken stop, TimeSpan drainDeadline)
    {
        using var drain = new CancellationTokenSource();
        stop.Register(() => drain.CancelAfter(drainDeadline));
        ushort serial = 0;
        while (!drain.IsCancellationRequested && (!stop.IsCancellationRequested || Unanswered > 0))
        {
            try
            {
                await SessionAsync(++serial, burst, period, stop, drain.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                LastError = ex;
                // The gateway went away (or refused the connection): the load balancer sends the vehicle to the next one.
                lock (_gate)
                {
                    _portIndex = (_portIndex + 1) % gatewayPorts.Count;
                }
            }
            catch (OperationCanceledException) when (drain.IsCancellationRequested)
            {
                return;
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private async Task SessionAsync(ushort serial, int burst, TimeSpan period, CancellationToken stop, CancellationToken drain)
    {
        int port;
        lock (_gate)
        {
            port = gatewayPorts[_portIndex];
        }

        await using var terminal = await TestTerminal.ConnectAsync(port, Vin);
        await terminal.LoginAsync(serial, DateTimeOffset.UtcNow);
        var login = await terminal.ReceiveAsync(TimeSpan.FromSeconds(10));
        if (login is not { Command: Gbt32960Command.VehicleLogin, ResponseFlag: Gbt32960ResponseFlag.Success })
        {
            throw new InvalidOperationException($"login of {Vin} on port {port} failed: {(login is null ? "connection closed" : login.Command + " " + login.ResponseFlag)}");
        }

        Interlocked.Increment(ref _logins);
        var answers = ReadAnswersAsync(terminal);
        int[] reissue;
        lock (_gate)
        {
            reissue = [.. _unanswered];
        }

        foreach (var n in reissue)
        {
            await terminal.SendAsync(terminal.Report(start.AddSeconds(n), speedKmh: n % 100, soc: 80, reissue: true, odometerKm: n));
            Interlocked.Increment(ref _reissued);
        }

        while (!answers.IsCompleted && !drain.IsCancellationRequested)
        {
            if (stop.IsCancellationRequested)
            {
                if (Unanswered == 0)
                {
                    return;
                }
            }
            else
            {
                for (var i = 0; i < burst; i++)
                {
                    int n;
                    lock (_gate)
                    {
                        n = _next++;
                        _unanswered.Add(n);
                    }

                    await terminal.SendAsync(terminal.Report(start.AddSeconds(n), speedKmh: n % 100, soc: 80, odometerKm: n));
                }
            }

            await Task.WhenAny(answers, Task.Delay(period, CancellationToken.None));
        }

        await answers; // the reason the connection ended, if it failed
        throw new IOException($"the gateway on port {port} closed the connection of {Vin}");
    }

    /// <summary>Answers carry the report's time: each successful one takes its report off the unanswered set.</summary>
    private async Task ReadAnswersAsync(TestTerminal terminal)
    {
        while (await terminal.ReceiveAsync(TimeSpan.FromMinutes(5)) is { } answer)
        {
            if (answer is { Command: Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport, ResponseFlag: Gbt32960ResponseFlag.Success }
                && answer.Body is AcknowledgementBody { Time: { } time })
            {
                var n = (int)Math.Round((time - start).TotalSeconds);
                lock (_gate)
                {
                    _unanswered.Remove(n);
                }
            }
        }
    }
}
