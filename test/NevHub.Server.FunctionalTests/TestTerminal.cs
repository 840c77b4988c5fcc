using System.Buffers;
using System.Net.Sockets;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Server.FunctionalTests;

/// <summary>A minimal real GB/T 32960 terminal over TCP, for driving the gateway in tests.</summary>
public sealed class TestTerminal : IAsyncDisposable
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly Gbt32960Framer _framer = new();
    private readonly Gbt32960Decoder _decoder = new(new Gbt32960Options { RequireSignature = false });
    private byte[] _pending = [];

    private TestTerminal(TcpClient client, string vin, Gbt32960Version version)
    {
        _client = client;
        _stream = client.GetStream();
        Vin = vin;
        Version = version;
    }

    public string Vin { get; }

    public Gbt32960Version Version { get; }

    public static async Task<TestTerminal> ConnectAsync(int port, string vin, Gbt32960Version version = Gbt32960Version.V2016)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new TestTerminal(client, vin, version);
    }

    public static DateTimeOffset BeijingTime(DateTimeOffset time) => time.ToOffset(Beijing);

    public Task SendAsync(Gbt32960Message message) => SendRawAsync(Gbt32960Encoder.Encode(message));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task LoginAsync(ushort serial = 1, DateTimeOffset? time = null) => SendAsync(Login(serial, time));

    public Gbt32960Message Login(ushort serial = 1, DateTimeOffset? time = null)
    {
        var body = new VehicleLoginBody { Time = BeijingTime(time ?? DateTimeOffset.UtcNow), Serial = serial, Iccid = "89860000000000000001" };
        if (Version == Gbt32960Version.V2016)
        {
            body.SubsystemCount = 1;
            body.CodeLength = 24;
            body.Codes = ["ABCPE0105000001A10100011"];
        }
        else
        {
            body.PacksPerBms = new Counted<byte>([1]);
            body.PackCodes = [["ABCPE0105000001A10100011"]];
        }

        return Gbt32960Message.Create(Version, Gbt32960Command.VehicleLogin, Vin, body);
    }

    /// <summary>A realtime (or reissue) report with a vehicle and a position block.</summary>
    public Gbt32960Message Report(DateTimeOffset time, double speedKmh, double soc, bool reissue = false, double odometerKm = 1000)
    {
        var vehicle = new VehicleBlock(Version)
        {
            VehicleState = 1,
            ChargingState = 3,
            RunMode = 1,
            Speed = (ushort)Math.Round(speedKmh * 10),
            Odometer = (uint)Math.Round(odometerKm * 10),
            TotalVoltage = 3500,
            TotalCurrent = (ushort)(Version == Gbt32960Version.V2016 ? 10000 + 200 : 30000 + 200),
            Soc = (byte)soc,
            DcDcState = 1,
            Gear = 0x2E,
            InsulationResistance = 5000,
        };
        var position = new PositionBlock(Version) { Status = 0, CoordinateSystem = 1, Longitude = 106_550_000, Latitude = 29_560_000 };
        var body = new ReportBody { Time = BeijingTime(time), Blocks = [vehicle, position] };
        return Gbt32960Message.Create(Version, reissue ? Gbt32960Command.ReissueReport : Gbt32960Command.RealtimeReport, Vin, body);
    }

    public Gbt32960Message Command(Gbt32960Command command, Gbt32960Body? body = null) =>
        Gbt32960Message.Create(Version, command, Vin, body ?? EmptyBody.Instance);

    /// <summary>Reads the next frame from the server, or null when the server closed the connection.</summary>
    public async Task<Gbt32960Message?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var chunk = new byte[4096];
        while (true)
        {
            if (_pending.Length > 0)
            {
                var sequence = new ReadOnlySequence<byte>(_pending);
                if (_framer.TryRead(ref sequence, out var frame))
                {
                    var message = _decoder.Decode(frame);
                    _pending = sequence.ToArray();
                    return message;
                }
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, cts.Token);
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

    /// <summary>True when the server closed the connection (reads return 0 or reset) within the timeout.</summary>
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
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
