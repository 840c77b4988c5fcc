using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NevHub.Server.FunctionalTests;

/// <summary>`nevhub serve` in its own process, so a test can SIGKILL it like a power cut of the process.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(Process process, int httpPort, int gbtPort, string adminKey)
    {
        _process = process;
        HttpPort = httpPort;
        GbtPort = gbtPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
    }

    public int HttpPort { get; }

    public int GbtPort { get; }

    public HttpClient Http { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(string dataDirectory, string adminKey, IDictionary<string, string>? settings = null, int gbtPort = 0)
    {
        var httpPort = FreePort();
        gbtPort = gbtPort == 0 ? FreePort() : gbtPort;
        var cli = Path.Combine(AppContext.BaseDirectory, "nevhub.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            cli, "serve", "--data", dataDirectory, "--http", $"http://127.0.0.1:{httpPort}",
            "--gbt32960-port", gbtPort.ToString(CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NevHub__AdminApiKey"] = adminKey;
        info.Environment["NevHub__Gateways__Gbt32960__BindAddress"] = "127.0.0.1";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        var server = new ServerProcess(process, httpPort, gbtPort, adminKey);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await server.Http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("nevhub serve did not start:\n" + server.Log);
    }

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // SIGKILL: no shutdown code runs
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
