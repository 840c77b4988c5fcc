using System.Buffers;
using System.Net.Sockets;
using NevHub.Protocols.Jt808;

namespace NevHub.Server.FunctionalTests;

/// <summary>A minimal real JT/T 808 terminal (tracker) over TCP, for driving the gateway in tests.</summary>
public sealed class Jt808TestTerminal : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly Jt808Framer _framer = new();
    private readonly Jt808Decoder _decoder = new();
    private byte[] _pending = [];
    private ushort _serial;

    private Jt808TestTerminal(TcpClient client, string phone, Jt808Version version)
    {
        _client = client;
        _stream = client.GetStream();
        Phone = Jt808Phone.FromNumber(phone, version);
        Version = version;
    }

    public Jt808Phone Phone { get; }

    public Jt808Version Version { get; }

    public ushort LastSerial { get; private set; }

    public static async Task<Jt808TestTerminal> ConnectAsync(int port, string phone, Jt808Version version = Jt808Version.V2013)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new Jt808TestTerminal(client, phone, version);
    }

    public Jt808Header NextHeader(ushort messageId = 0)
    {
        LastSerial = _serial++;
        return Version == Jt808Version.V2019
            ? Jt808Header.Create2019(messageId, Phone, LastSerial)
            : Jt808Header.Create2013(messageId, Phone, LastSerial);
    }

    public Task SendAsync(Jt808Body body) => SendRawAsync(Jt808Encoder.Encode(NextHeader(), body));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>0x0100 and its 0x8100 answer.</summary>
    public async Task<Jt808RegistrationReply> RegisterAsync(string manufacturer = "CQMOT", string model = "EM-72V", byte plateColor = 1, string plate = "渝A12345")
    {
        var layout = Version == Jt808Version.V2019 ? Jt808RegistrationLayout.V2019 : Jt808RegistrationLayout.V2013;
        await SendAsync(Jt808Registration.Create(layout, 50, 100, manufacturer, model, "T000001", plateColor, plate));
        var reply = await ReceiveAsync();
        Assert.NotNull(reply);
        return Assert.IsType<Jt808RegistrationReply>(reply.Body);
    }

    /// <summary>0x0102 and its 0x8001 answer.</summary>
    public async Task<Jt808PlatformGeneralResponse> AuthenticateAsync(string code)
    {
        await SendAsync(Version == Jt808Version.V2019 ? new Jt808Authentication(code, "860000000000001", "1.0.0") : new Jt808Authentication(code));
        var reply = await ReceiveAsync();
        Assert.NotNull(reply);
        var response = Assert.IsType<Jt808PlatformGeneralResponse>(reply.Body);
        Assert.Equal(Jt808MessageIds.Authentication, response.ReplyMessageId);
        return response;
    }

    /// <summary>Registers and authenticates; asserts both succeed.</summary>
    public async Task LoginAsync(string manufacturer = "CQMOT", string model = "EM-72V")
    {
        var registration = await RegisterAsync(manufacturer, model);
        Assert.Equal(Jt808RegistrationResult.Success, registration.Result);
        Assert.Equal(Jt808ResponseResult.Success, (await AuthenticateAsync(registration.AuthCode!)).Result);
    }

    /// <summary>A location in Chongqing with the default battery profile's items: SOC, voltage, current, temperature, charging.</summary>
    public static Jt808Location Location(
        DateTimeOffset time, double latitude = 29.563, double longitude = 106.551, double speedKmh = 32.5, byte soc = 76,
        double voltage = 75.40, double currentA = 12.5, uint alarm = 0, uint mileageTenths = 31410)
    {
        var current = (short)Math.Round(currentA * 100);
        return Jt808Location.Create(latitude, longitude, time, status: 0x3, alarm: alarm, altitudeM: 245, speedKmh: speedKmh, direction: 90, items:
        [
            Jt808Items.MileageTenthsKm(mileageTenths),
            Jt808Items.Byte(0xE1, soc),
            Jt808Items.Word(0xE2, (ushort)Math.Round(voltage * 100)),
            Jt808Items.Word(0xE3, unchecked((ushort)current)),
            Jt808Items.Byte(0xE4, 65),
            Jt808Items.Byte(0xE5, 0),
            Jt808Items.Raw(0xE6, "ABCPE0105000001A10100011"u8),
        ]);
    }

    public async Task<Jt808Message?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var chunk = new byte[4096];
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(_pending);
            if (_framer.TryRead(ref buffer, out var frame))
            {
                var message = _decoder.Decode(frame);
                _pending = buffer.ToArray();
                return message;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, cts.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending = [.. _pending, .. chunk.AsSpan(0, read)];
        }
    }

    /// <summary>Receives until a message with <paramref name="messageId"/> arrives (skipping others), or null.</summary>
    public async Task<Jt808Message?> ReceiveAsync(ushort messageId)
    {
        while (await ReceiveAsync() is { } message)
        {
            if (message.Header.MessageId == messageId)
            {
                return message;
            }
        }

        return null;
    }

    public async Task<bool> IsClosedByServerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(chunk, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
