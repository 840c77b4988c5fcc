using System.Buffers;
using NevHub.Testing;

namespace NevHub.Protocols.Gbt32960.Tests;

public class FramerTests
{
    private readonly Gbt32960Framer _framer = new();

    public static TheoryData<string> AllFramable
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var v in Vectors.All.Where(v => v.Valid || v.ErrorKind != "length_mismatch"))
            {
                data.Add(v.Name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AllFramable))]
    public void Every_two_way_split_of_a_vector_frames_like_the_whole(string name)
    {
        var v = Vectors.Named(name);
        var expected = Outcome(new ReadOnlySequence<byte>(v.Bytes));
        foreach (var split in Segments.TwoWaySplits(v.Bytes))
        {
            Assert.Equal(expected, Outcome(split));
        }
    }

    [Theory]
    [MemberData(nameof(AllFramable))]
    public void Every_three_way_split_of_a_vector_frames_like_the_whole(string name)
    {
        var v = Vectors.Named(name);
        var expected = Outcome(new ReadOnlySequence<byte>(v.Bytes));
        var stride = Math.Max(1, v.Bytes.Length / 48);
        foreach (var split in Segments.ThreeWaySplits(v.Bytes, stride))
        {
            Assert.Equal(expected, Outcome(split));
        }
    }

    [Theory]
    [MemberData(nameof(AllFramable))]
    public void Every_proper_prefix_of_a_frame_needs_more_bytes(string name)
    {
        var v = Vectors.Named(name);
        for (var i = 0; i < v.Bytes.Length; i++)
        {
            var buffer = new ReadOnlySequence<byte>(v.Bytes, 0, i);
            Assert.False(_framer.TryRead(ref buffer, out _));
            Assert.Equal(i, buffer.Length);
        }
    }

    [Fact]
    public void Several_frames_in_one_buffer_are_read_in_order_across_random_segments()
    {
        var frames = Vectors.ValidOnes.Select(v => v.Bytes).ToList();
        var all = frames.SelectMany(f => f).ToArray();
        var random = new Random(32960);
        for (var round = 0; round < 50; round++)
        {
            var parts = new List<byte[]>();
            var at = 0;
            while (at < all.Length)
            {
                var n = Math.Min(all.Length - at, 1 + random.Next(300));
                parts.Add(all[at..(at + n)]);
                at += n;
            }

            var buffer = Segments.Of([.. parts]);
            foreach (var expected in frames)
            {
                Assert.True(_framer.TryRead(ref buffer, out var frame));
                Assert.Equal(expected, frame.ToArray());
                Assert.Equal(expected.Length, frame.Length);
            }

            Assert.True(buffer.IsEmpty);
            Assert.False(_framer.TryRead(ref buffer, out _));
        }
    }

    [Theory]
    [InlineData("41", 1)]
    [InlineData("4142", 2)]
    [InlineData("414223", 2)]
    [InlineData("41422323", 2)]
    [InlineData("2324232301", 2)]
    [InlineData("23242401", 1)]
    [InlineData("0000000024", 4)]
    public void Garbage_before_a_start_symbol_is_reported_with_its_length(string hex, int garbage)
    {
        var bytes = Convert.FromHexString(hex);
        var buffer = Segments.Of(bytes[..1], bytes[1..]);
        var error = Assert.Throws<Gbt32960FormatException>(() => _framer.TryRead(ref buffer, out _));
        Assert.Equal(Gbt32960ErrorReason.GarbageBeforeStart, error.Reason);
        Assert.Equal(garbage, error.GarbageLength);
    }

    [Fact]
    public void A_declared_length_above_the_configured_maximum_is_rejected_before_the_body_arrives()
    {
        var framer = new Gbt32960Framer(new Gbt32960Options { MaxDataLength = 100 });
        var v = Vectors.Named("realtime_2016_all_blocks_custom80");
        var buffer = new ReadOnlySequence<byte>(v.Bytes, 0, 24);
        var error = Assert.Throws<Gbt32960FormatException>(() => framer.TryRead(ref buffer, out _));
        Assert.Equal(Gbt32960ErrorReason.DataLengthTooLarge, error.Reason);
        Assert.False(framer.TryValidate(v.Bytes, out var reason));
        Assert.Equal(Gbt32960ErrorReason.DataLengthTooLarge, reason);
    }

    [Fact]
    public void Framing_and_validation_allocate_nothing_per_frame()
    {
        var frames = Vectors.ValidOnes.Select(v => v.Bytes).ToList();
        var all = frames.SelectMany(f => f).ToArray();
        var single = new ReadOnlySequence<byte>(all);
        var split = Segments.Of(all[..100], all[100..1000], all[1000..]);
        Count(single);
        Count(split);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var n = 0;
        for (var i = 0; i < 100; i++)
        {
            n += Count(single);
            n += Count(split);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(200 * frames.Count, n);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_span_validator_reports_each_framing_reason()
    {
        var good = Vectors.Named("logout_2016").Bytes;
        Assert.True(_framer.TryValidate(good, out _));
        Check([0x23, 0x24, .. good[2..]], Gbt32960ErrorReason.BadStartSymbol);
        Check(good[..20], Gbt32960ErrorReason.LengthMismatch);
        Check([.. good, 0x00], Gbt32960ErrorReason.LengthMismatch);
        Check([.. good[..^1], (byte)(good[^1] ^ 1)], Gbt32960ErrorReason.BadBcc);

        void Check(byte[] frame, Gbt32960ErrorReason expected)
        {
            Assert.False(_framer.TryValidate(frame, out var reason));
            Assert.Equal(expected, reason);
            Assert.Equal(expected, Assert.Throws<Gbt32960FormatException>(() => _framer.Validate(frame)).Reason);
        }
    }

    private int Count(ReadOnlySequence<byte> buffer)
    {
        var n = 0;
        while (_framer.TryRead(ref buffer, out var frame))
        {
            n += frame.Vin.AsSpan().Length == Gbt32960Vin.Length && frame.Bcc == frame.Raw.Slice(frame.Length - 1).FirstSpan[0] ? 1 : 0;
        }

        return n;
    }

    private string Outcome(ReadOnlySequence<byte> buffer)
    {
        try
        {
            if (!_framer.TryRead(ref buffer, out var frame))
            {
                return "incomplete";
            }

            var message = new Gbt32960Decoder().Decode(frame);
            return $"{buffer.Length}|{Gbt32960Json.Render(frame, message)}";
        }
        catch (Gbt32960FormatException e)
        {
            return e.Kind;
        }
    }
}
