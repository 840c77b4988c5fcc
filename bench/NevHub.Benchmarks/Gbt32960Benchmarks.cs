using System.Buffers;
using BenchmarkDotNet.Attributes;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Benchmarks;

/// <summary>
/// GB/T 32960 codec: framing + validation (start, length, BCC), full decode of a small and a large real-time frame and of a login,
/// encoding, and writing an acknowledgement. Frames are public vectors from shared/vectors/gbt32960.
/// Run: dotnet run -c Release --project bench/NevHub.Benchmarks -- --filter '*Gbt32960*' --job short
/// </summary>
[MemoryDiagnoser]
public class Gbt32960Benchmarks
{
    private readonly Gbt32960Framer _framer = new();
    private readonly Gbt32960Decoder _decoder = new(new Gbt32960Options { RequireSignature = false });
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private readonly byte[] _ack = new byte[Gbt32960Acknowledgement.MaxAnswerSize];
    private byte[] _small = [];
    private byte[] _large = [];
    private byte[] _login = [];
    private Gbt32960Message _smallMessage = new();

    [GlobalSetup]
    public void Setup()
    {
        _small = Gbt32960BenchmarkFrames.Small;
        _large = Gbt32960BenchmarkFrames.Large;
        _login = Gbt32960BenchmarkFrames.Login;
        _smallMessage = _decoder.DecodeFrame(_small);
    }

    [Benchmark(Baseline = true, Description = "frame+validate small (208 B)")]
    public int FrameSmall()
    {
        var buffer = new ReadOnlySequence<byte>(_small);
        _framer.TryRead(ref buffer, out var frame);
        return frame.DataLength;
    }

    [Benchmark(Description = "frame+validate large (558 B)")]
    public int FrameLarge()
    {
        var buffer = new ReadOnlySequence<byte>(_large);
        _framer.TryRead(ref buffer, out var frame);
        return frame.DataLength;
    }

    [Benchmark(Description = "decode small realtime (208 B)")]
    public object DecodeSmall()
    {
        var buffer = new ReadOnlySequence<byte>(_small);
        _framer.TryRead(ref buffer, out var frame);
        return _decoder.Decode(frame);
    }

    [Benchmark(Description = "decode large realtime (558 B, 184 of 384 cells)")]
    public object DecodeLarge()
    {
        var buffer = new ReadOnlySequence<byte>(_large);
        _framer.TryRead(ref buffer, out var frame);
        return _decoder.Decode(frame);
    }

    [Benchmark(Description = "decode login (65 B)")]
    public object DecodeLogin()
    {
        var buffer = new ReadOnlySequence<byte>(_login);
        _framer.TryRead(ref buffer, out var frame);
        return _decoder.Decode(frame);
    }

    [Benchmark(Description = "encode small realtime (208 B)")]
    public int EncodeSmall()
    {
        _output.ResetWrittenCount();
        return Gbt32960Encoder.Encode(_smallMessage, _output);
    }

    [Benchmark(Description = "write time-only answer to a login")]
    public int WriteAck()
    {
        var buffer = new ReadOnlySequence<byte>(_login);
        _framer.TryRead(ref buffer, out var frame);
        return Gbt32960Acknowledgement.Write(frame, Gbt32960ResponseFlag.Success, _ack);
    }
}

/// <summary>The frames used by the GB/T 32960 benchmarks (public test vectors).</summary>
public static class Gbt32960BenchmarkFrames
{
    public static byte[] Small { get; } = Convert.FromHexString(Hex.Small);

    public static byte[] Large { get; } = Convert.FromHexString(Hex.Large);

    public static byte[] Login { get; } = Convert.FromHexString(Hex.Login);

    private static class Hex
    {
        /// <summary>realtime_2016_all_blocks_custom80: 208 bytes, all 2016 blocks plus a 48-byte custom block.</summary>
        public const string Small =
            "232302fe45525230383033303030303030303030300100b71206170c05020101030100320000023d1b583a9832013e121d00" +
            "65020101013c61a888b83c00783a980500072733a101cf049c06011106400102050001015001054007000000000000000000" +
            "0801011b583a9800110001110640050006400640064006400640064006400640064006400640064006400640064009010100" +
            "055040404040800030cd0036277e32b038380500000000000000000000001766271a000000000000000000000000121d0000" +
            "383c000000001674";

        /// <summary>realtime_2016_split_cells_extremes_over_250: 558 bytes, a 384-cell pack (cells 201-384 in this frame).</summary>
        public const string Large =
            "232302fe4c5a46483235583436524430303031373101021518050e1212130101030101d4000119b818fd1d5d1a0113115c00" +
            "06020101024d568737466c18fe1f3d050006744ab101d45fa0060600ffff0300ffff04304508084307020000200000000000" +
            "08010119031e57018000c9b80d020cf30cf50cf20cf50cf20cf20cf20cf20cf40cf40cf20cf70cf30cf60cf40cf10cf30cf2" +
            "0cf40cf20cf20d000d010d030d030d020cff0d010d010d020d030d030d010d010d000d000cff0cff0cfc0d040d030d040d07" +
            "0d030d070d0d0d140d0f0d0d0d0d0d0b0d110d0c0d0f0d0e0d110d120d0d0d0f0d0d0d0b0d110d0e0d0b0d0e0d0f0d070d04" +
            "0d050d060d060d080cd90cda0cd70cd90cd80cd80cd90cd80cd80cd90cd60cd70cda0cd90cdb0cdb0cdb0cdb0cdc0cda0cdb" +
            "0cda0cdc0cdc0cdb0cdb0cd90cdb0cd80cdb0cdb0cdd0cdb0cdb0cdb0cda0cdf0ce10cdf0cdd0ce00ce10cde0cde0cde0ce0" +
            "0ce20ce10cdf0cdf0cde0ce00ce00cdd0cf30cf50cf30cf40cf00cf20cf10cf10cf10cf30cf20cf40cf60cf60cf50cf20cf6" +
            "0cf30cf20cf80cf00cf40cf00cf40ce30ce30ce30ce30ce30ce20ce30ce40ce30ce30ce50ce30ce10ce00ce10ce20ce30ce4" +
            "0ce20ce30ce30d090d0a0d090d090d0a0d090d090d030d080d080d070d070901010048444443434343434343434343434343" +
            "4343434343434343434443434343434343444343444343434344434343444343444544444444444443434343434343444444" +
            "4443444443434430";

        /// <summary>login_2016_two_pack_codes: 65 bytes.</summary>
        public const string Login =
            "232301fe4c46574144524a463031313030323334360100281206050b2c1d0001383336303533333739383136303534393031" +
            "3837020531303030313130303032c2";
    }
}
