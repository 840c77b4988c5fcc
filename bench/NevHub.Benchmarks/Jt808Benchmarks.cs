using System.Buffers;
using BenchmarkDotNet.Attributes;
using NevHub.Protocols.Jt808;

namespace NevHub.Benchmarks;

/// <summary>
/// JT/T 808 codec: framing + unescaping + checksum of a location frame, decode of a location report with every standard item,
/// decode of a five-point batch upload, and encoding. Frames are public vectors from shared/vectors/jt808.
/// Run: dotnet run -c Release --project bench/NevHub.Benchmarks -- --filter '*Jt808*' --job short
/// </summary>
[MemoryDiagnoser]
public class Jt808Benchmarks
{
    // location_2019_all_standard_items (148 B, 2019 header, 14 items)
    private const string Location2019 =
        "7E020040800112345678901234567890FFFF000004000000080006EEB6AD02633DF701380003006320070719235901040000000B02020016030200210402002C051E373737000000000000000000000000000000000000000000000000000000060200021105420000004212064D0000004D4D1307000000580058582504000000632A02000A2B040000001430011E310128D87E";

    // location_2013_escaped_item_and_reserved_0x05 (65 B, one escape)
    private const string LocationEscaped =
        "7E020000310191720382680200000000000000000301D3B5D70633E44700040000008A220419160546010400000000050300000030011F31010F8202007D02177E";

    // batch_2013_five_points_escaped_direction (329 B, 5 records of 60 B)
    private const string Batch =
        "7E0704013901887663897200E7000501003C00000000000400030131732B0691D351001F00A600AB170831104933010400003C55030200002504000000002A0200002B040000000030010031010C003C00000000000400030131724A0691D402001D00DE007D02170831104938010400003C55030200002504000000002A0200002B040000000030010031010C003C000000000004000301316DDE0691E150002501A9006D170831105011010400003C59030200002504000000002A0200002B040000000030010031010C003C000000000004000301315AEB06920018002B02880072170831105111010400003C63030200002504000000002A0200002B040000000030010031010C003C000000000004000301315B7806922B15002B02F70053170831105214010400003C6F030200002504000000002A0200002B040000000030010031010C847E";

    private readonly Jt808Framer _framer = new();
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private byte[] _location = [];
    private byte[] _escaped = [];
    private byte[] _batch = [];
    private Jt808Message _locationMessage = null!;

    [GlobalSetup]
    public void Setup()
    {
        _location = Convert.FromHexString(Location2019);
        _escaped = Convert.FromHexString(LocationEscaped);
        _batch = Convert.FromHexString(Batch);
        var buffer = new ReadOnlySequence<byte>(_location);
        _framer.TryRead(ref buffer, out var frame);
        _locationMessage = Jt808Decoder.Default.Decode(frame);
    }

    [Benchmark(Baseline = true, Description = "frame+unescape+checksum location (148 B)")]
    public int FrameLocation()
    {
        var buffer = new ReadOnlySequence<byte>(_location);
        _framer.TryRead(ref buffer, out var frame);
        return frame.Header.BodyLength;
    }

    [Benchmark(Description = "frame+unescape+checksum escaped location (65 B)")]
    public int FrameEscapedLocation()
    {
        var buffer = new ReadOnlySequence<byte>(_escaped);
        _framer.TryRead(ref buffer, out var frame);
        return frame.Header.BodyLength;
    }

    [Benchmark(Description = "frame+decode location, 14 items (148 B)")]
    public object DecodeLocation()
    {
        var buffer = new ReadOnlySequence<byte>(_location);
        _framer.TryRead(ref buffer, out var frame);
        return Jt808Decoder.Default.Decode(frame);
    }

    [Benchmark(Description = "frame+decode batch, 5 points (329 B)")]
    public object DecodeBatch()
    {
        var buffer = new ReadOnlySequence<byte>(_batch);
        _framer.TryRead(ref buffer, out var frame);
        return Jt808Decoder.Default.Decode(frame);
    }

    [Benchmark(Description = "encode location, 14 items (148 B)")]
    public int EncodeLocation()
    {
        _output.ResetWrittenCount();
        return Jt808Encoder.Encode(_locationMessage.Header, _locationMessage.Body, _output);
    }

    [Benchmark(Description = "encode 0x8001 platform general response")]
    public int EncodeGeneralResponse()
    {
        _output.ResetWrittenCount();
        var header = Jt808Header.ReplyTo(_locationMessage.Header, Jt808MessageIds.PlatformGeneralResponse, 1);
        return Jt808Encoder.Encode(
            header, new Jt808PlatformGeneralResponse(_locationMessage.Header.Serial, 0x0200, Jt808ResponseResult.Success), _output);
    }
}
