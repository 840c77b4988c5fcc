namespace NevHub.Storage.Tests;

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off). The test host never calls it; the durability
/// test starts this assembly as a child process with <c>dotnet exec NevHub.Storage.Tests.dll crash-writer ...</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["crash-writer", var directory, var synchronous])
        {
            await CrashWriter.RunAsync(directory, synchronous);
            return 0;
        }

        await Console.Error.WriteLineAsync("usage: crash-writer <data directory> <Full|Normal>");
        return 2;
    }
}
