using System.Buffers;
using NevHub.Testing;

namespace NevHub.Protocols.Jt808.Tests;

public class FuzzTests
{
    private const int Iterations = 120_000;

    [Fact]
    public void Mutated_frames_fail_only_with_typed_errors_and_bounded_allocation()
    {
        var seeds = Vectors.All.Select(v => v.Bytes).ToArray();
        var mutator = new Mutator(808_2019);
        var framer = new Jt808Framer();
        var reassembler = new Jt808Reassembler(new Jt808ReassemblerOptions { MaxPendingMessages = 4, MaxPendingBytes = 64 * 1024 });
        var outcomes = new Dictionary<string, int>();
        long maxAllocated = 0;
        for (var i = 0; i < Iterations; i++)
        {
            // Odd iterations mutate the wire bytes (framing fuzz); even ones mutate the unescaped body and then repair the
            // length field and the checksum, so the body decoders see the mutation (decoder fuzz).
            var input = i % 2 == 1 ? mutator.Mutate(seeds[i % seeds.Length]) : MutateBody(mutator, seeds[i % seeds.Length]);
            if (i % 7 == 0)
            {
                // Occasionally glue two frames together so stream handling is fuzzed too.
                input = [.. input, .. mutator.Mutate(seeds[(i / 7) % seeds.Length])];
            }

            var buffer = i % 5 == 0 && input.Length > 2
                ? Segments.Of(input[..(input.Length / 3)], input[(input.Length / 3)..(input.Length / 2)], input[(input.Length / 2)..])
                : new ReadOnlySequence<byte>(input);

            var before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = Run(framer, reassembler, ref buffer);
            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (i % 1000 == 0)
            {
                reassembler.Clear();
            }
        }

        // The corpus really exercises both paths: many frames decode, and many distinct errors are raised.
        Assert.True(outcomes.GetValueOrDefault("ok") > Iterations / 4, string.Join(", ", outcomes));
        Assert.True(outcomes.Keys.Count(k => k != "ok" && k != "need-more") >= 8, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("invalid_body") > 100, string.Join(", ", outcomes));

        // Bounded: one frame is at most ~2 KB on the wire; decoding and rendering it never needs more than this.
        Assert.True(maxAllocated < 256 * 1024, $"An input allocated {maxAllocated} bytes.");
    }

    [Fact]
    public void Random_bytes_never_escape_as_untyped_exceptions()
    {
        var random = new Random(7_808);
        var framer = new Jt808Framer();
        for (var i = 0; i < 20_000; i++)
        {
            var input = new byte[random.Next(1, 200)];
            random.NextBytes(input);
            input[0] = 0x7E;
            if (random.Next(2) == 0)
            {
                input[^1] = 0x7E;
            }

            var buffer = new ReadOnlySequence<byte>(input);
            Run(framer, new Jt808Reassembler(), ref buffer);
        }
    }

    [Fact]
    public void Framing_valid_frames_allocates_nothing()
    {
        var frames = Vectors.Valid.Select(v => v.Bytes).ToArray();
        var stream = frames.SelectMany(f => f).ToArray();
        var single = new ReadOnlySequence<byte>(stream);
        var split = Segments.Of(stream[..(stream.Length / 3)], stream[(stream.Length / 3)..(2 * stream.Length / 3)], stream[(2 * stream.Length / 3)..]);
        var framer = new Jt808Framer();
        ReadAll(framer, single, frames.Length); // warm up (JIT, the framer's lazily created scratch buffer)
        ReadAll(framer, split, frames.Length);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 50; round++)
        {
            ReadAll(framer, single, frames.Length);
            ReadAll(framer, split, frames.Length);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Mutates the body of a valid frame and rebuilds a frame with a matching length and checksum.</summary>
    private static byte[] MutateBody(Mutator mutator, byte[] wire)
    {
        var buffer = new ReadOnlySequence<byte>(wire);
        Jt808Frame frame;
        try
        {
            if (!new Jt808Framer().TryRead(ref buffer, out frame))
            {
                return mutator.Mutate(wire);
            }
        }
        catch (Jt808FormatException)
        {
            return mutator.Mutate(wire);
        }

        var body = mutator.Mutate(frame.Body.ToArray());
        if (body.Length > Jt808Encoder.MaxBodyLength)
        {
            body = body[..Jt808Encoder.MaxBodyLength];
        }

        return Jt808Encoder.EncodeFrame(frame.Header, body);
    }

    private static void ReadAll(Jt808Framer framer, ReadOnlySequence<byte> buffer, int expected)
    {
        var count = 0;
        var checksum = 0;
        while (framer.TryRead(ref buffer, out var frame))
        {
            checksum ^= frame.Checksum;
            count++;
        }

        if (count != expected || !buffer.IsEmpty)
        {
            throw new InvalidOperationException($"Read {count} of {expected} frames ({checksum}).");
        }
    }

    /// <summary>Frames, decodes, renders and reassembles everything in <paramref name="buffer"/>; returns the outcome class.</summary>
    private static string Run(Jt808Framer framer, Jt808Reassembler reassembler, ref ReadOnlySequence<byte> buffer)
    {
        try
        {
            var frames = 0;
            while (framer.TryRead(ref buffer, out var frame))
            {
                frames++;
                var message = Jt808Decoder.Default.Decode(frame);
                var json = Jt808JsonRenderer.Render(frame, message);
                if (json.Length == 0)
                {
                    throw new InvalidOperationException("Empty JSON.");
                }

                if (reassembler.TryAdd(frame, out var whole) && whole.Header.IsSubpackaged)
                {
                    Jt808Decoder.Default.Decode(whole.Header with { IsSubpackaged = false }, whole.Body.Span);
                }

                // Whatever decoded must re-encode to a frame that decodes again.
                if (message.Header.BodyLength <= Jt808Encoder.MaxBodyLength)
                {
                    var again = Helpers.ReadOne(Jt808Encoder.Encode(message.Header, message.Body), Jt808CodecOptions.Default);
                    Jt808Decoder.Default.Decode(again);
                }
            }

            return frames > 0 ? "ok" : "need-more";
        }
        catch (Jt808FormatException e)
        {
            return e.ReasonCode;
        }
    }
}
