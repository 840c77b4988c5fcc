using System.Diagnostics.Metrics;
using NevHub.Domain;
using NevHub.Storage.Sqlite;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

public sealed class GroupCommitWriterTests
{
    private static GroupCommitOptions Fast(int maxBatch = 4096, int capacity = 65_536) => new()
    {
        MaxBatchSize = maxBatch,
        QueueCapacity = capacity,

        // The window only bounds collection under a never-draining stream; keep it out of the way so batch shapes are exact.
        CommitWindow = TimeSpan.FromSeconds(10),
        RetryInitialDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
    };

    private static VehicleSample S(int i) => Sample(Vin(i % 7), Start.AddSeconds(i), i, cells: 2);

    [Fact]
    public async Task Records_that_arrive_during_a_write_go_into_the_next_batch_together()
    {
        var store = new FakeStore();
        store.Hold();
        await using var writer = new GroupCommitWriter(store, Fast());
        var first = writer.EnqueueAsync(S(0)).AsTask();
        await store.WriteStarted;

        var rest = Enumerable.Range(1, 100).Select(i => writer.EnqueueAsync(S(i), Frame(Vin(1), Start, 10, i)).AsTask()).ToArray();
        Assert.Equal(100, writer.QueueLength);
        store.Release();
        await first;
        await Task.WhenAll(rest);

        Assert.Equal([1, 200], store.BatchSizes);
        Assert.Equal(101, store.Samples.Count);
    }

    [Fact]
    public async Task A_batch_never_exceeds_the_maximum_size_nor_splits_a_request()
    {
        var store = new FakeStore();
        store.Hold();
        await using var writer = new GroupCommitWriter(store, Fast(maxBatch: 10));
        var tasks = new List<Task> { writer.EnqueueAsync(S(0)).AsTask() };
        await store.WriteStarted;
        tasks.AddRange(Enumerable.Range(1, 22).Select(i => writer.EnqueueAsync(S(i)).AsTask()));
        tasks.Add(writer.EnqueueAsync(new IngestBatch([S(100), S(101), S(102)], [Frame(Vin(1), Start)])).AsTask());
        tasks.Add(writer.EnqueueAsync(new IngestBatch([.. Enumerable.Range(200, 15).Select(S)], [])).AsTask());
        store.Release();
        await Task.WhenAll(tasks);

        Assert.Equal([1, 10, 10, 6, 15], store.BatchSizes);
    }

    [Fact]
    public async Task A_producer_completes_only_after_its_batch_is_written()
    {
        var store = new FakeStore();
        store.Hold();
        await using var writer = new GroupCommitWriter(store, Fast());
        var pending = writer.EnqueueAsync(S(1)).AsTask();
        await store.WriteStarted;
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        Assert.Empty(store.BatchSizes);

        store.Release();
        await pending;
        Assert.Equal([1], store.BatchSizes);
    }

    [Fact]
    public async Task A_full_queue_makes_producers_wait()
    {
        var store = new FakeStore();
        store.Hold();
        await using var writer = new GroupCommitWriter(store, Fast(capacity: 2));
        var first = writer.EnqueueAsync(S(0)).AsTask();
        await store.WriteStarted;
        var queued = new[] { writer.EnqueueAsync(S(1)).AsTask(), writer.EnqueueAsync(S(2)).AsTask() };
        Assert.Equal(2, writer.QueueLength);

        using var cancel = new CancellationTokenSource();
        var waiting = writer.EnqueueAsync(S(3), null, cancel.Token).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        var accepted = writer.EnqueueAsync(S(4)).AsTask();
        store.Release();
        await Task.WhenAll([first, accepted, .. queued]);
        Assert.Equal([0.0, 1, 2, 4], store.Samples.Select(s => s.OdometerKm!.Value).Order());
    }

    [Fact]
    public async Task A_failing_store_is_retried_until_the_batch_is_durable()
    {
        var store = new FakeStore { FailuresLeft = 3 };
        var errors = new List<int>();
        var options = Fast();
        options.OnWriteError = (_, attempt) => errors.Add(attempt);
        await using var writer = new GroupCommitWriter(store, options);

        await writer.EnqueueAsync(S(1), Frame(Vin(1), Start));

        Assert.Equal(4, store.Attempts);
        Assert.Equal([1, 2, 3], errors);
        Assert.Equal([2], store.BatchSizes);
        Assert.Single(store.Samples);
    }

    [Fact]
    public async Task Disposing_drains_the_queue_and_then_refuses_new_records()
    {
        var store = new FakeStore();
        store.Hold();
        var writer = new GroupCommitWriter(store, Fast(maxBatch: 16));
        var tasks = Enumerable.Range(0, 50).Select(i => writer.EnqueueAsync(S(i)).AsTask()).ToArray();
        await store.WriteStarted;
        var disposing = writer.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);
        store.Release();
        await disposing;

        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(50, store.Samples.Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.EnqueueAsync(S(99)).AsTask());
    }

    [Fact]
    public async Task A_store_that_never_recovers_faults_the_producers_at_shutdown_instead_of_dropping_silently()
    {
        var store = new FakeStore { FailForever = true };
        var options = Fast();
        options.ShutdownTimeout = TimeSpan.FromMilliseconds(100);
        var writer = new GroupCommitWriter(store, options);
        var tasks = Enumerable.Range(0, 5).Select(i => writer.EnqueueAsync(S(i)).AsTask()).ToArray();
        await store.WriteStarted;
        await writer.DisposeAsync();

        foreach (var task in tasks)
        {
            await Assert.ThrowsAsync<StoreWriteAbortedException>(() => task);
        }

        Assert.True(store.Attempts >= 1);
    }

    [Fact]
    public async Task A_throwing_error_callback_fails_the_producers_instead_of_hanging_them()
    {
        var store = new FakeStore { FailForever = true };
        var options = Fast();
        options.OnWriteError = (_, _) => throw new InvalidOperationException("logger broke");
        await using var writer = new GroupCommitWriter(store, options);
        var error = await Assert.ThrowsAsync<StoreWriteAbortedException>(() => writer.EnqueueAsync(S(1)).AsTask());
        Assert.IsType<InvalidOperationException>(error.InnerException);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.EnqueueAsync(S(2)).AsTask());
    }

    [Fact]
    public async Task Metrics_count_batches_records_and_duplicates()
    {
        using var factory = new TestMeterFactory();
        var store = new FakeStore();
        var measurements = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (factory.Meters.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (measurements)
            {
                measurements[instrument.Name] = measurements.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await using (var writer = new GroupCommitWriter(store, Fast(), factory))
        {
            await writer.EnqueueAsync(new IngestBatch([S(1), S(1), S(2)], [Frame(Vin(1), Start)]));
            await writer.EnqueueAsync(S(2));
        }

        Assert.Equal(GroupCommitWriter.MeterName, Assert.Single(factory.Meters).Name);
        Assert.Equal(2, measurements["nevhub.storage.batches"]);
        Assert.Equal(3, measurements["nevhub.storage.records"]);
        Assert.Equal(2, measurements["nevhub.storage.duplicates"]);
    }

    [Fact]
    public void Invalid_options_and_records_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitWriter(new FakeStore(), new GroupCommitOptions { MaxBatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new GroupCommitWriter(new FakeStore(), new GroupCommitOptions { CommitWindow = TimeSpan.FromMinutes(1) }));
    }

    [Fact]
    public async Task Empty_requests_and_records_without_vin_are_rejected()
    {
        await using var writer = new GroupCommitWriter(new FakeStore(), Fast());
        await Assert.ThrowsAsync<ArgumentException>(() => writer.EnqueueAsync(null, null).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => writer.EnqueueAsync(S(1) with { Vin = "" }).AsTask());
        Assert.True(writer.EnqueueAsync(IngestBatch.Empty).AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Concurrent_producers_through_sqlite_store_every_record_once()
    {
        var directory = TempDirectory.Create();
        try
        {
            await using var store = await SqliteVehicleStore.OpenAsync(new SqliteStoreOptions { DataDirectory = directory });
            await using (var writer = new GroupCommitWriter(store, new GroupCommitOptions { MaxBatchSize = 256, QueueCapacity = 64 }))
            {
                var producers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
                {
                    for (var i = 0; i < 250; i++)
                    {
                        var sample = Sample(Vin(p), Start.AddSeconds(i), i, cells: 8);
                        await writer.EnqueueAsync(sample, Frame(Vin(p), sample.ReceivedAt, 30, (p * 1000) + i));
                        if (i % 50 == 0)
                        {
                            await writer.EnqueueAsync(sample with { Kind = ReportKind.Reissue }); // redelivery
                        }
                    }
                })).ToArray();
                await Task.WhenAll(producers);
                Assert.True(writer.BatchesWritten < 8 * 255);
            }

            for (var p = 0; p < 8; p++)
            {
                var samples = await store.GetSamplesAsync(new SampleQuery { Vin = Vin(p), Limit = 1000 });
                Assert.Equal(Enumerable.Range(0, 250).Select(i => (double)i), samples.Items.Select(s => s.OdometerKm!.Value));
                Assert.Equal(250, (await store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(p), Limit = 1000 })).Items.Count);
            }
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
