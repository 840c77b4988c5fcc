namespace NevHub.Fuzz;

/// <summary>Usage: NevHub.Fuzz gbt32960 [--frames N] [--seed S] [--threads T]. Exit code 1 on the first untyped failure.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        long frames = 10_000_000;
        var seed = 32960;
        var threads = Environment.ProcessorCount;
        var target = "gbt32960";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--frames":
                    frames = Gbt32960Fuzzer.ParseCount(args[++i]);
                    break;
                case "--seed":
                    seed = (int)Gbt32960Fuzzer.ParseCount(args[++i]);
                    break;
                case "--threads":
                    threads = (int)Gbt32960Fuzzer.ParseCount(args[++i]);
                    break;
                default:
                    target = args[i];
                    break;
            }
        }

        switch (target)
        {
            case "gbt32960":
                return Gbt32960Fuzzer.Run(frames, seed, threads);
            default:
                Console.Error.WriteLine($"unknown target '{target}'; known: gbt32960");
                return 2;
        }
    }
}
