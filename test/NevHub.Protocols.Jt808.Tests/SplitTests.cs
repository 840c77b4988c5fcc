using System.Buffers;
using NevHub.Testing;

namespace NevHub.Protocols.Jt808.Tests;

public class SplitTests
{
    public static TheoryData<string> SplittableNames =>
        Vectors.Names(v => v.Valid || v.Expect["error"]!.GetValue<string>() != "incomplete");

    [Theory]
    [MemberData(nameof(SplittableNames))]
    public void Every_two_way_split_gives_the_single_segment_result(string name)
    {
        var vector = Vectors.Named(name);
        var reference = Outcome(new ReadOnlySequence<byte>(vector.Bytes));
        foreach (var sequence in Segments.TwoWaySplits(vector.Bytes))
        {
            Assert.Equal(reference, Outcome(sequence));
        }
    }

    [Theory]
    [MemberData(nameof(SplittableNames))]
    public void Every_three_way_split_gives_the_single_segment_result(string name)
    {
        // Exhaustive: n²/2 splits (about 450 000 for the 949-byte subpackage), each compared with the single-segment result.
        var vector = Vectors.Named(name);
        var framer = new Jt808Framer(Helpers.Strict);
        var reference = Outcome(new ReadOnlySequence<byte>(vector.Bytes));
        Jt808Frame? referenceContent = reference.StartsWith("error", StringComparison.Ordinal) ? null : Helpers.ReadOne(vector.Bytes, Helpers.Strict);
        var bytes = vector.Bytes;
        var count = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            for (var j = i; j <= bytes.Length; j++)
            {
                var sequence = Segments.Of(bytes[..i], bytes[i..j], bytes[j..]);
                if (referenceContent is { } expected)
                {
                    Assert.True(framer.TryRead(ref sequence, out var frame));
                    Assert.True(sequence.IsEmpty);
                    Assert.Equal(expected.Header, frame.Header);
                    Assert.True(expected.Content.Span.SequenceEqual(frame.Content.Span), $"split {i}/{j}");
                }
                else
                {
                    var error = Assert.Throws<Jt808FormatException>(() => framer.TryRead(ref sequence, out _));
                    Assert.Equal(reference, Describe(error));
                }

                count++;
            }
        }

        Assert.Equal((bytes.Length + 1) * (bytes.Length + 2) / 2, count);
    }

    [Theory]
    [MemberData(nameof(Vectors.ValidNames), MemberType = typeof(Vectors))]
    public void Every_proper_prefix_needs_more_bytes_and_consumes_nothing(string name)
    {
        var bytes = Vectors.Named(name).Bytes;
        var framer = new Jt808Framer();
        for (var i = 0; i < bytes.Length; i++)
        {
            // Two segments so the multi-segment path sees a 0x7D at a segment end too.
            var buffer = Segments.Of(bytes[..(i / 2)], bytes[(i / 2)..i]);
            Assert.False(framer.TryRead(ref buffer, out _));
            Assert.Equal(i, buffer.Length);
        }
    }

    [Fact]
    public void A_stream_of_every_valid_vector_split_at_random_points_yields_every_frame_in_order()
    {
        var frames = Vectors.Valid.Select(v => v.Bytes).ToList();
        var stream = frames.SelectMany(f => f).ToArray();
        var random = new Random(808);
        for (var round = 0; round < 50; round++)
        {
            var cuts = Enumerable.Range(0, 20).Select(_ => random.Next(stream.Length)).Append(0).Append(stream.Length).Distinct().Order().ToArray();
            var parts = cuts.Zip(cuts.Skip(1), (a, b) => stream[a..b]).ToArray();
            var buffer = Segments.Of(parts);
            var framer = new Jt808Framer();
            var read = new List<byte[]>();
            while (framer.TryRead(ref buffer, out var frame))
            {
                read.Add(frame.ToWire());
            }

            Assert.True(buffer.IsEmpty);
            Assert.Equal(frames, read);
        }
    }

    [Fact]
    public void An_escape_split_across_reads_is_unescaped_once_the_rest_arrives()
    {
        var bytes = Vectors.Named("heartbeat_2013_escaped_checksum").Bytes; // ... 2B 7D 02 7E
        var at = Array.LastIndexOf(bytes, (byte)0x7D) + 1;
        var framer = new Jt808Framer();
        var first = new ReadOnlySequence<byte>(bytes[..at]);
        Assert.False(framer.TryRead(ref first, out _));
        var both = Segments.Of(bytes[..at], bytes[at..]);
        Assert.True(framer.TryRead(ref both, out var frame));
        Assert.Equal(0x7E, frame.Checksum);
    }

    /// <summary>The frame's content and header, or the error reason, as a comparable string.</summary>
    private static string Outcome(ReadOnlySequence<byte> sequence)
    {
        var framer = new Jt808Framer(Helpers.Strict);
        try
        {
            if (!framer.TryRead(ref sequence, out var frame))
            {
                return "need-more";
            }

            return $"{frame.Header} {Convert.ToHexString(frame.Content.Span)} {frame.EscapedLength} rest={sequence.Length}";
        }
        catch (Jt808FormatException e)
        {
            return Describe(e);
        }
    }

    private static string Describe(Jt808FormatException e) => $"error {e.ReasonCode} at {e.Offset} {e.DeclaredBodyLength} {e.ActualBodyLength}";
}
