using System.Buffers;

namespace NevHub.Testing;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/> values, so parsers are tested on every split a socket can produce.</summary>
public static class Segments
{
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        if (parts.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Every split of <paramref name="data"/> into two segments (including empty ends).</summary>
    public static IEnumerable<ReadOnlySequence<byte>> TwoWaySplits(byte[] data)
    {
        for (var i = 0; i <= data.Length; i++)
        {
            yield return Of(data[..i], data[i..]);
        }
    }

    /// <summary>Every split of <paramref name="data"/> into three segments; quadratic, so keep frames small or use <paramref name="stride"/>.</summary>
    public static IEnumerable<ReadOnlySequence<byte>> ThreeWaySplits(byte[] data, int stride = 1)
    {
        for (var i = 0; i <= data.Length; i += stride)
        {
            for (var j = i; j <= data.Length; j += stride)
            {
                yield return Of(data[..i], data[i..j], data[j..]);
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
