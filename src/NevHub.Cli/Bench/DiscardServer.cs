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

namespace NevHub.Cli.Bench;

/// <summary>
/// The load harness's baseline: the same Kestrel transport and GB/T 32960 framer as the platform, but every frame is
/// discarded after validation. What the platform does beyond this (decode, twin, store) is what the ratio measures.
/// </summary>
internal static class DiscardServer
{
    public static async Task RunAsync(int tcpPort, int httpPort, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<FrameCounter>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, tcpPort, l => l.UseConnectionHandler<DiscardHandler>());
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
}
