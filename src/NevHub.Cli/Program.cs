using System.CommandLine;

namespace NevHub.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("NevHub: new-energy vehicle, charge-point and battery-swap platform.")
        {
            ServeCommand.Create(),
            DemoCommand.Create(),
            SimulateCommand.Create(),
            DecodeCommand.Create(),
            Bench.BenchCommand.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}
