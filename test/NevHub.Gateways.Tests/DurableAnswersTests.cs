using System.Buffers;
using System.IO.Pipelines;

namespace NevHub.Gateways.Tests;

/// <summary>Answers go out only after their report is durable, in report order, coalesced; a failed report closes the connection.</summary>
public sealed class DurableAnswersTests
{
    private static async Task<byte[]> ReadAvailableAsync(PipeReader reader, int count)
    {
        var result = await reader.ReadAtLeastAsync(count).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var bytes = result.Buffer.Slice(0, count).ToArray();
        reader.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }

    [Fact]
    public async Task Answers_wait_for_durability_and_keep_report_order()
    {
        var pipe = new Pipe();
        using var writeLock = new SemaphoreSlim(1, 1);
        var answers = new DurableAnswers(pipe.Writer, writeLock, _ => Assert.Fail("closed"));
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        await answers.EnqueueAsync(first.Task, [1]);
        await answers.EnqueueAsync(second.Task, [2]);

        second.SetResult(); // the later report is durable first: its answer still waits for the earlier one
        await Task.Delay(100);
        Assert.False(pipe.Reader.TryRead(out _));

        first.SetResult();
        Assert.Equal([1, 2], await ReadAvailableAsync(pipe.Reader, 2));
        await answers.CompleteAsync();
    }

    [Fact]
    public async Task A_report_that_is_not_durable_is_never_answered_and_closes_the_connection()
    {
        var pipe = new Pipe();
        using var writeLock = new SemaphoreSlim(1, 1);
        string? closed = null;
        var answers = new DurableAnswers(pipe.Writer, writeLock, reason => closed = reason);
        await answers.EnqueueAsync(Task.CompletedTask, [1]);
        await answers.EnqueueAsync(Task.FromException(new IOException("disk gone")), [2]);
        await answers.EnqueueAsync(Task.CompletedTask, [3]);
        await answers.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));
        pipe.Writer.Complete();

        var all = await pipe.Reader.ReadAsync();
        Assert.Equal([1], all.Buffer.ToArray());
        Assert.StartsWith("report not durable", closed);
    }
}
