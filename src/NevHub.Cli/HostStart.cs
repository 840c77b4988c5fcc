using Microsoft.AspNetCore.Builder;

namespace NevHub.Cli;

internal static class HostStart
{
    /// <summary>Starts the host; a port that is taken is a one-line message with the fix, not a stack trace.</summary>
    public static async Task<bool> TryStartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync(
                $"nevhub: {ex.Message} Another program uses that port: stop it, or choose another with --http / --gbt32960-port (0 = any free port).")
                .ConfigureAwait(false);
            return false;
        }
    }
}
