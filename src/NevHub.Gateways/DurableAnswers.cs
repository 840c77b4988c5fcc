using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace NevHub.Gateways;

/// <summary>
/// A connection's answers to data reports, each sent once its report is durable (ARCHITECTURE.md), in the order the
/// reports came, without holding up the read loop: the next frames are decoded and published while earlier ones wait
/// for their group commit. Answers that are ready together go out in one flush (one send instead of one per report).
/// At most <c>capacity</c> answers wait; beyond that <see cref="EnqueueAsync"/> waits, which slows the terminal through
/// TCP back-pressure. A report that fails to become durable is never answered and the connection is closed, so the
/// terminal resends it after reconnecting.
/// </summary>
internal sealed class DurableAnswers
{
    private readonly Channel<(Task Durable, byte[] Answer)> _queue;
    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _writeLock;
    private readonly Action<string> _close;
    private readonly Task _loop;

    /// <param name="output">The connection's output.</param>
    /// <param name="writeLock">Serializes writes with the connection's other answers and commands.</param>
    /// <param name="close">Closes the connection with a reason (a report that did not become durable).</param>
    /// <param name="capacity">Answers that may wait at once.</param>
    public DurableAnswers(PipeWriter output, SemaphoreSlim writeLock, Action<string> close, int capacity = 64)
    {
        _output = output;
        _writeLock = writeLock;
        _close = close;
        _queue = Channel.CreateBounded<(Task, byte[])>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = false,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Sends <paramref name="answer"/> after <paramref name="durable"/> completes and every earlier answer is sent.</summary>
    public async ValueTask EnqueueAsync(Task durable, byte[] answer)
    {
        try
        {
            await _queue.Writer.WriteAsync((durable, answer)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // An earlier report failed and the connection is closing: this one stays unanswered and is resent.
        }
    }

    /// <summary>Sends what is still waiting (if the connection can still take it) and stops.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var ready = new List<byte[]>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                try
                {
                    await item.Durable.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Not durable: no answer for it or anything after it (answers stay in order); the terminal resends.
                    _close("report not durable: " + ex.GetType().Name);
                    _queue.Writer.TryComplete();
                    await SendAsync(ready).ConfigureAwait(false);
                    return;
                }

                ready.Add(item.Answer);
            }

            await SendAsync(ready).ConfigureAwait(false);
            ready.Clear();
        }
    }

    private async Task SendAsync(List<byte[]> answers)
    {
        if (answers.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var answer in answers)
            {
                _output.Write(answer);
            }

            await _output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ConnectionResetException or ObjectDisposedException or IOException)
        {
            // The connection is gone; its read loop ends it. Unanswered reports are resent by the terminal.
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
