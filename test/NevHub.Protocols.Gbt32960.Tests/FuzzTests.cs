using System.Buffers;
using NevHub.Testing;

namespace NevHub.Protocols.Gbt32960.Tests;

public class FuzzTests
{
    private const int Iterations = 120_000;

    [Fact]
    public void Mutated_frames_fail_only_with_typed_errors_and_bounded_allocation()
    {
        var seeds = Seeds();
        var mutator = new Mutator(20260);
        var random = new Random(20261);
        var framer = new Gbt32960Framer();
        var decoders = new[]
        {
            new Gbt32960Decoder(),
            new Gbt32960Decoder(MessageGenerator.Options),
            new Gbt32960Decoder(new Gbt32960Options { RequireSignature = false }),
        };
        int decoded = 0, rejected = 0, incomplete = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var original = seeds[random.Next(seeds.Count)];
            var mutated = mutator.Mutate(original);
            if (random.Next(4) == 0)
            {
                // Keep the mutation but repair the length and BCC, so the data-unit decoder sees the mutated body.
                mutated = Repair(mutated);
            }

            var decoder = decoders[i % decoders.Length];
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var buffer = random.Next(2) == 0 || mutated.Length < 2
                    ? new ReadOnlySequence<byte>(mutated)
                    : Segments.Of(mutated[..(mutated.Length / 2)], mutated[(mutated.Length / 2)..]);
                if (framer.TryRead(ref buffer, out var frame))
                {
                    var message = decoder.Decode(frame);
                    Assert.NotNull(message.Body);
                    decoded++;
                }
                else
                {
                    incomplete++;
                }
            }
            catch (Gbt32960FormatException e)
            {
                Assert.True(Enum.IsDefined(e.Reason));
                rejected++;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var bound = 16_384 + (64L * mutated.Length);
            Assert.True(allocated < bound, $"frame {i} ({mutated.Length} bytes) allocated {allocated} bytes: {Convert.ToHexString(mutated)}");
        }

        Assert.Equal(Iterations, decoded + rejected + incomplete);
        Assert.True(decoded > Iterations / 50, $"only {decoded} mutated frames decoded");
        Assert.True(rejected > Iterations / 4, $"only {rejected} mutated frames rejected");
    }

    [Fact]
    public void Mutated_whole_frames_through_the_span_api_fail_only_with_typed_errors()
    {
        var seeds = Seeds();
        var mutator = new Mutator(7);
        var decoder = new Gbt32960Decoder();
        for (var i = 0; i < 30_000; i++)
        {
            var mutated = Repair(mutator.Mutate(seeds[i % seeds.Count]));
            try
            {
                var message = decoder.DecodeFrame(mutated);
                _ = Gbt32960Json.Render(new Gbt32960Framer().ReadFrame(mutated), message);
            }
            catch (Gbt32960FormatException e)
            {
                _ = Gbt32960Json.RenderError(mutated, e);
            }
        }
    }

    internal static List<byte[]> Seeds()
    {
        var seeds = Vectors.All.Where(v => v.Valid).Select(v => v.Bytes).ToList();
        var generator = new MessageGenerator(99);
        foreach (var (version, command, answer) in MessageGenerator.Shapes())
        {
            for (var i = 0; i < 3; i++)
            {
                seeds.Add(Gbt32960Encoder.Encode(generator.Next(version, command, answer)));
            }
        }

        return seeds;
    }

    /// <summary>Sets a plausible start symbol, the real data length and the BCC, keeping the mutated content.</summary>
    internal static byte[] Repair(byte[] mutated)
    {
        if (mutated.Length < 25 || mutated.Length > 65556)
        {
            return mutated;
        }

        var copy = mutated.ToArray();
        if (copy[0] != 0x23 && copy[0] != 0x24)
        {
            copy[0] = 0x23;
        }

        copy[1] = copy[0];
        var length = copy.Length - 25;
        copy[22] = (byte)(length >> 8);
        copy[23] = (byte)length;
        copy[^1] = Bcc.Compute(copy.AsSpan(2, copy.Length - 3));
        return copy;
    }
}
