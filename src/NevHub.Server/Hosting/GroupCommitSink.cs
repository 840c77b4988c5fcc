using Microsoft.Extensions.Logging;
using NevHub.Processing;
using NevHub.Storage;

namespace NevHub.Server.Hosting;

/// <summary>
/// Connects the bus to the group-commit writer. Lanes do not wait for each write to be durable (that would serialise
/// them on the disk); instead at most <c>capacity</c> messages may be in flight, which bounds memory and pushes back
/// on gateways when storage is slow.
/// </summary>
public sealed partial class GroupCommitSink : IIngestSink, IDisposable
{
    private readonly GroupCommitWriter _writer;
    private readonly SemaphoreSlim _inFlight;
    private readonly ILogger<GroupCommitSink> _logger;

    public GroupCommitSink(GroupCommitWriter writer, GroupCommitOptions options, ILogger<GroupCommitSink> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _writer = writer;
        _inFlight = new SemaphoreSlim(options.QueueCapacity, options.QueueCapacity);
        _logger = logger;
    }

    public async ValueTask EnqueueAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        _ = CompleteAsync(message, _writer.EnqueueAsync(message.Sample, message.Raw, CancellationToken.None));
    }

    /// <summary>Messages made durable since start (stored now, or found already stored).</summary>
    public long Durable => Interlocked.Read(ref _durable);

    private long _durable;

    public void Dispose() => _inFlight.Dispose();

    private async Task CompleteAsync(IngestMessage message, ValueTask durable)
    {
        try
        {
            await durable.ConfigureAwait(false);
            Interlocked.Increment(ref _durable);
            message.Durable?.TrySetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only a shutdown that could not write in time gets here; the device was not acknowledged and will resend.
            Log.NotDurable(_logger, message.Vin, ex);
            message.Durable?.TrySetException(ex);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "A message of {Vin} could not be made durable")]
        public static partial void NotDurable(ILogger logger, string vin, Exception exception);
    }
}
