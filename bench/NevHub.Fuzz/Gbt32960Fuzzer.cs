using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NevHub.Protocols.Gbt32960;
using NevHub.Protocols.Gbt32960.Tests;
using NevHub.Testing;

namespace NevHub.Fuzz;

/// <summary>
/// Feeds mutated GB/T 32960 frames (shared vectors + generated messages of every command and block) through the stream framer and
/// the decoder. Any exception other than <see cref="Gbt32960FormatException"/>, or a frame allocating more than 16 KiB + 64 bytes per
/// input byte, is a failure: the input is printed as hex and the exit code is 1.
/// </summary>
internal static class Gbt32960Fuzzer
{
    public static int Run(long frames, int seed, int threads)
    {
        var seeds = Seeds();
        Console.WriteLine($"gbt32960: {frames:N0} mutated frames from {seeds.Count} seeds, seed {seed}, {threads} thread(s)");
        var stopwatch = Stopwatch.StartNew();
        var results = new Result[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            results[t] = RunShard(seeds, frames / threads + (t < frames % threads ? 1 : 0), seed + t);
        });

        var total = Result.Sum(results);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"decoded {total.Decoded:N0}, rejected {total.Rejected:N0}, incomplete {total.Incomplete:N0} in {seconds:F1} s " +
            $"({(total.Decoded + total.Rejected + total.Incomplete) / seconds:N0} frames/s); max allocation {total.MaxAllocated:N0} B");
        foreach (var (reason, count) in total.Reasons.OrderByDescending(r => r.Value))
        {
            Console.WriteLine($"  {Gbt32960FormatException.KindOf(reason),-24} {count,12:N0}");
        }

        if (total.Failure is not null)
        {
            Console.Error.WriteLine("FAILURE: " + total.Failure);
            return 1;
        }

        return 0;
    }

    private static Result RunShard(List<byte[]> seeds, long frames, int seed)
    {
        var result = new Result();
        var mutator = new Mutator(seed);
        var random = new Random(seed ^ 0x5A5A);
        var framer = new Gbt32960Framer();
        var decoders = new[]
        {
            new Gbt32960Decoder(),
            new Gbt32960Decoder(MessageGenerator.Options),
            new Gbt32960Decoder(new Gbt32960Options { RequireSignature = false }),
        };
        for (long i = 0; i < frames && result.Failure is null; i++)
        {
            var mutated = mutator.Mutate(seeds[random.Next(seeds.Count)]);
            if (random.Next(4) == 0)
            {
                mutated = Repair(mutated);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var cut = mutated.Length < 2 ? 0 : random.Next(mutated.Length);
                var buffer = cut == 0 ? new ReadOnlySequence<byte>(mutated) : Segments.Of(mutated[..cut], mutated[cut..]);
                if (framer.TryRead(ref buffer, out var frame))
                {
                    decoders[i % decoders.Length].Decode(frame);
                    result.Decoded++;
                }
                else
                {
                    result.Incomplete++;
                }
            }
            catch (Gbt32960FormatException e)
            {
                result.Rejected++;
                result.Reasons[e.Reason] = result.Reasons.GetValueOrDefault(e.Reason) + 1;
            }
            catch (Exception e)
            {
                result.Failure = $"{e.GetType().Name}: {e.Message} on {Convert.ToHexString(mutated)}";
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            result.MaxAllocated = Math.Max(result.MaxAllocated, allocated);
            if (allocated > 16_384 + (64L * mutated.Length))
            {
                result.Failure ??= $"{allocated} bytes allocated for a {mutated.Length}-byte input {Convert.ToHexString(mutated)}";
            }
        }

        return result;
    }

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        foreach (var file in Directory.GetFiles(SharedPaths.Vectors("gbt32960"), "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                seeds.Add(Convert.FromHexString(e.GetProperty("hex").GetString()!));
            }
        }

        var generator = new MessageGenerator(4242);
        foreach (var (version, command, answer) in MessageGenerator.Shapes())
        {
            for (var i = 0; i < 5; i++)
            {
                seeds.Add(Gbt32960Encoder.Encode(generator.Next(version, command, answer)));
            }
        }

        return seeds;
    }

    /// <summary>Restores start symbol, length and BCC so the mutation reaches the data-unit decoder.</summary>
    private static byte[] Repair(byte[] mutated)
    {
        if (mutated.Length < 25 || mutated.Length > 65556)
        {
            return mutated;
        }

        if (mutated[0] != 0x23 && mutated[0] != 0x24)
        {
            mutated[0] = 0x23;
        }

        mutated[1] = mutated[0];
        var length = mutated.Length - 25;
        mutated[22] = (byte)(length >> 8);
        mutated[23] = (byte)length;
        mutated[^1] = Bcc.Compute(mutated.AsSpan(2, mutated.Length - 3));
        return mutated;
    }

    private sealed class Result
    {
        public long Decoded { get; set; }

        public long Rejected { get; set; }

        public long Incomplete { get; set; }

        public long MaxAllocated { get; set; }

        public string? Failure { get; set; }

        public Dictionary<Gbt32960ErrorReason, long> Reasons { get; } = [];

        public static Result Sum(Result[] results)
        {
            var total = new Result();
            foreach (var r in results)
            {
                total.Decoded += r.Decoded;
                total.Rejected += r.Rejected;
                total.Incomplete += r.Incomplete;
                total.MaxAllocated = Math.Max(total.MaxAllocated, r.MaxAllocated);
                total.Failure ??= r.Failure;
                foreach (var (k, v) in r.Reasons)
                {
                    total.Reasons[k] = total.Reasons.GetValueOrDefault(k) + v;
                }
            }

            return total;
        }
    }

    public static long ParseCount(string text) => long.Parse(text.Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
