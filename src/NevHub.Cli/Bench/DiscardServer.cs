using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NevHub.Protocols.Gbt32960;
using NevHub.Protocols.Jt808;

namespace NevHub.Cli.Bench;

/// <summary>
/// The load harness's baseline: the same Kestrel transport and GB/T 32960 framer as the platform, but every frame is
/// discarded after validation. What the platform does beyond this (decode, twin, store) is what the ratio measures.
/// With <c>--protocol jt808</c> it frames JT/T 808 (unescape, length and checksum checks) instead, and answers nothing.
/// </summary>
internal static class DiscardServer
{
    public static Task RunAsync(int tcpPort, int httpPort, CancellationToken cancellationToken) =>
        RunAsync(tcpPort, httpPort, "gbt32960", cancellationToken);

    public static async Task RunAsync(int tcpPort, int httpPort, string protocol, CancellationToken cancellationToken)
    {
        var jt808 = IsJt808(protocol);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<FrameCounter>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, tcpPort, l =>
            {
                if (jt808)
                {
                    l.UseConnectionHandler<Jt808DiscardHandler>();
                }
                else
                {
                    l.UseConnectionHandler<DiscardHandler>();
                }
            });
            k.Listen(IPAddress.Loopback, httpPort);
        });
        await using var app = builder.Build();
        app.MapGet("/stats", (FrameCounter counter) =>
        {
            using var process = Process.GetCurrentProcess();
            return Results.Json(new SinkStats(counter.Frames, process.TotalProcessorTime.TotalSeconds, process.PeakWorkingSet64));
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True for "jt808" (any case), false for "gbt32960"; anything else is an error.</summary>
    public static bool IsJt808(string protocol) => protocol.ToUpperInvariant() switch
    {
        "JT808" => true,
        "GBT32960" => false,
        _ => throw new ArgumentException($"unknown protocol '{protocol}': gbt32960 or jt808", nameof(protocol)),
    };

    internal sealed record SinkStats(long Frames, double ProcessCpuSeconds, long PeakWorkingSetBytes);

    private sealed class FrameCounter
    {
        private long _frames;

        public long Frames => Interlocked.Read(ref _frames);

        public void Add(long n) => Interlocked.Add(ref _frames, n);
    }

    private sealed class DiscardHandler(FrameCounter counter) : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            var framer = new Gbt32960Framer();
            var input = connection.Transport.Input;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync().ConfigureAwait(false);
                    var buffer = result.Buffer;
                    long frames = 0;
                    try
                    {
                        while (framer.TryRead(ref buffer, out _))
                        {
                            frames++;
                        }
                    }
                    finally
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                    }

                    counter.Add(frames);
                    if (result.IsCompleted)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is Gbt32960FormatException or ConnectionResetException or OperationCanceledException)
            {
                // A bad frame or a reset ends this connection only, as in the platform.
            }
        }
    }

    private sealed class Jt808DiscardHandler(FrameCounter counter) : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            var framer = new Jt808Framer();
            var input = connection.Transport.Input;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync().ConfigureAwait(false);
                    var buffer = result.Buffer;
                    long frames = 0;
                    try
                    {
                        while (framer.TryRead(ref buffer, out _))
                        {
                            frames++;
                        }
                    }
                    finally
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                    }

                    counter.Add(frames);
                    if (result.IsCompleted)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is Jt808FormatException or ConnectionResetException or OperationCanceledException)
            {
                // A bad frame or a reset ends this connection only, as in the platform.
            }
        }
    }
}
