using RabbitMQ.Client;

namespace NevHub.Messaging.RabbitMq;

internal static class BrokerConnection
{
    /// <summary>Closes a channel and then its connection. A connection that is already broken may fail to close; it is gone either way.</summary>
    public static async Task CloseQuietlyAsync(IChannel? channel, IConnection? connection)
    {
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing to recover: the broker drops what the connection held (transient live updates only).
        }
    }
}
