using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// A minimal SignalR client over a raw WebSocket speaking the JSON hub protocol (handshake, then invocation messages
/// separated by 0x1E). Microsoft.AspNetCore.SignalR.Client is not in the package mirror, and a raw client also proves
/// the wire format the web UI relies on.
/// </summary>
public sealed class LiveHubClient : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;

    /// <summary>Every invocation received, in order: target and its first argument.</summary>
    public ConcurrentQueue<(string Target, JsonElement Argument)> Messages { get; } = new();

    public static async Task<LiveHubClient> ConnectAsync(TestServer server, string? apiKey = null, CookieContainer? cookies = null)
    {
        var client = new LiveHubClient();
        if (apiKey is not null)
        {
            client._socket.Options.SetRequestHeader(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        }

        if (cookies is not null)
        {
            client._socket.Options.Cookies = cookies;
        }

        var uri = new Uri(server.Http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "hubs/live");
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        await client.SendAsync("{\"protocol\":\"json\",\"version\":1}" + Separator);
        client._reader = client.ReadLoopAsync();
        return client;
    }

    /// <summary>The live vehicles received so far in "snapshot" and "changes" messages, by VIN.</summary>
    public IReadOnlyDictionary<string, JsonElement> Vehicles()
    {
        var vehicles = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (target, argument) in Messages)
        {
            var items = target switch
            {
                "snapshot" => argument.GetProperty("items"),
                "changes" => argument,
                _ => default,
            };
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    vehicles[item.GetProperty("vin").GetString()!] = item;
                }
            }
        }

        return vehicles;
    }

    public IEnumerable<JsonElement> Of(string target) => Messages.Where(m => m.Target == target).Select(m => m.Argument);

    private Task SendAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                var text = pending.ToString();
                var end = text.LastIndexOf(Separator);
                if (end < 0)
                {
                    continue;
                }

                pending.Clear().Append(text[(end + 1)..]);
                foreach (var frame in text[..end].Split(Separator))
                {
                    using var document = JsonDocument.Parse(frame);
                    var root = document.RootElement;
                    if (root.TryGetProperty("type", out var type) && type.GetInt32() == 1)
                    {
                        Messages.Enqueue((root.GetProperty("target").GetString()!, root.GetProperty("arguments")[0].Clone()));
                    }
                    else if (root.TryGetProperty("type", out type) && type.GetInt32() == 6)
                    {
                        await SendAsync("{\"type\":6}" + Separator); // answer pings so the server keeps us
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        _socket.Dispose();
        _stop.Dispose();
    }
}
