using Emulator.Actors.Persistence.Journal;
using static Emulator.Actors.Persistence.Tests.Conformance.Rows;

namespace Emulator.Actors.Persistence.Tests.Conformance;

/// <summary>
/// What every <see cref="IJournalStore"/> must do, in the spirit of Akka's JournalSpec. Each store's test class
/// derives from it and says how to create the store. Tests use persistence ids unique to the test and look at
/// global ordering relative to what they wrote, so they also hold when the store is shared with other tests.
/// </summary>
public abstract class JournalConformance : IAsyncLifetime
{
    private readonly string _testId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>The initialized store under test.</summary>
    protected IJournalStore Journal { get; private set; } = null!;

    /// <summary>A new store, not yet initialized; each test gets its own.</summary>
    protected abstract IJournalStore CreateJournal();

    /// <summary>
    /// Makes the next write that contains events 1..3 of <paramref name="persistenceId"/> fail in the storage
    /// itself (not a rejection): the whole call must throw and store nothing.
    /// </summary>
    protected abstract Task ArrangeStorageFailureAsync(string persistenceId);

    /// <summary>Undoes what <see cref="ArrangeStorageFailureAsync"/> did to the store, if it has to be undone.</summary>
    protected virtual Task RepairStorageAsync() => Task.CompletedTask;

    /// <summary>Removes what the store left behind (files), after it was disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Journal = CreateJournal();
        await Journal.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Journal.DisposeAsync();
        await CleanUpAsync();
    }

    /// <summary>A persistence id unique to this test.</summary>
    protected string Pid(string name) => $"{name}-{_testId}";

    [StoreFact]
    public async Task Replays_written_events_in_sequence_order()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 3));
        await WriteAcceptedAsync(Write(pod, 4, 5));

        var replayed = await Journal.ReadByPersistenceIdAsync(pod, 1, long.MaxValue, long.MaxValue);

        Assert.Equal(Expected(pod, 1, 2, 3, 4, 5), Describe(replayed));
    }

    [StoreFact]
    public async Task Replay_honours_from_to_and_max()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 5));

        Assert.Equal(Expected(pod, 2, 3, 4), Describe(await Journal.ReadByPersistenceIdAsync(pod, 2, 4, long.MaxValue)));
        Assert.Equal(Expected(pod, 1, 2), Describe(await Journal.ReadByPersistenceIdAsync(pod, 1, 5, 2)));
        Assert.Equal(Expected(pod, 3), Describe(await Journal.ReadByPersistenceIdAsync(pod, 3, 3, long.MaxValue)));
        Assert.Equal(Expected(pod, 4, 5), Describe(await Journal.ReadByPersistenceIdAsync(pod, 4, 100, long.MaxValue)));
        Assert.Equal(Expected(pod, 1, 2, 3, 4, 5), Describe(await Journal.ReadByPersistenceIdAsync(pod, 0, 5, long.MaxValue)));
        Assert.Empty(await Journal.ReadByPersistenceIdAsync(pod, 6, 10, long.MaxValue));
        Assert.Empty(await Journal.ReadByPersistenceIdAsync(pod, 4, 2, long.MaxValue));
        Assert.Empty(await Journal.ReadByPersistenceIdAsync(pod, 1, 5, 0));
    }

    [StoreFact]
    public async Task An_unknown_id_has_no_events_and_highest_sequence_nr_zero()
    {
        var unknown = Pid("never-written");

        Assert.Empty(await Journal.ReadByPersistenceIdAsync(unknown, 0, long.MaxValue, long.MaxValue));
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync(unknown));
    }

    [StoreFact]
    public async Task Stored_rows_keep_every_field()
    {
        var pod = Pid("pod");
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_612_345);
        byte[] payload = [0, 1, 2, 255, 254, 0, 42];
        var row = new JournalRow(0, pod, 1, timestamp, ["kind:Pod", "ns:default"], "pod.created.v2", payload, "writer-7f3a");
        await WriteAcceptedAsync(new AtomicWrite(pod, [row]));

        var stored = Assert.Single(await Journal.ReadByPersistenceIdAsync(pod, 1, 1, 1));

        Assert.True(stored.Ordering > 0, "the store assigns a global ordering");
        Assert.Equal(pod, stored.PersistenceId);
        Assert.Equal(1, stored.SequenceNr);
        Assert.Equal(timestamp, stored.Timestamp);
        Assert.Equal(["kind:Pod", "ns:default"], stored.Tags);
        Assert.Equal("pod.created.v2", stored.Manifest);
        Assert.Equal(payload, stored.Payload);
        Assert.Equal("writer-7f3a", stored.WriterUuid);
    }

    [StoreFact]
    public async Task Empty_payloads_and_manifests_are_stored_as_empty()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(new AtomicWrite(pod, [new JournalRow(0, pod, 1, BaseTime, [], "", [], "")]));

        var stored = Assert.Single(await ReplayAsync(pod));

        Assert.Empty(stored.Payload);
        Assert.Equal("", stored.Manifest);
        Assert.Equal("", stored.WriterUuid);
        Assert.Empty(stored.Tags);
    }

    [StoreFact]
    public async Task Highest_sequence_nr_is_the_last_written()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 3));
        Assert.Equal(3, await Journal.ReadHighestSequenceNrAsync(pod));

        await WriteAcceptedAsync(Write(pod, 4, 4));
        Assert.Equal(4, await Journal.ReadHighestSequenceNrAsync(pod));
    }

    [StoreFact]
    public async Task An_empty_call_stores_nothing()
    {
        Assert.Empty(await Journal.WriteAsync([]));
    }

    [StoreFact]
    public async Task Every_write_of_one_call_is_stored_and_acknowledged_in_order()
    {
        var (pod, node, service) = (Pid("pod"), Pid("node"), Pid("service"));

        var results = await Journal.WriteAsync([Write(pod, 1, 2), Write(node, 1, 1), Write(pod, 3, 3), Write(service, 1, 3)]);

        Assert.Equal([null, null, null, null], results);
        Assert.Equal(Expected(pod, 1, 2, 3), Describe(await ReplayAsync(pod)));
        Assert.Equal(Expected(node, 1), Describe(await ReplayAsync(node)));
        Assert.Equal(Expected(service, 1, 2, 3), Describe(await ReplayAsync(service)));
    }

    [StoreFact]
    public async Task A_gap_is_rejected_without_affecting_the_other_writes_of_the_call()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));
        await WriteAcceptedAsync(Write(pod, 1, 2));

        var results = await Journal.WriteAsync([Write(node, 1, 1), Write(pod, 4, 5), Write(node, 2, 2)]);

        Assert.Null(results[0]);
        Assert.IsType<JournalWriteRejectedException>(results[1]);
        Assert.Null(results[2]);
        Assert.Equal(Expected(pod, 1, 2), Describe(await ReplayAsync(pod)));
        Assert.Equal(2, await Journal.ReadHighestSequenceNrAsync(pod));
        Assert.Equal(Expected(node, 1, 2), Describe(await ReplayAsync(node)));
    }

    [StoreFact]
    public async Task A_duplicate_is_rejected_without_affecting_the_other_writes_of_the_call()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));
        await WriteAcceptedAsync(Write(pod, 1, 2));

        var results = await Journal.WriteAsync([Write(pod, 2, 3), Write(node, 1, 2), Write(pod, 3, 3)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.Null(results[2]);
        Assert.Equal(Expected(pod, 1, 2, 3), Describe(await ReplayAsync(pod)));
        Assert.Equal(Expected(node, 1, 2), Describe(await ReplayAsync(node)));
    }

    [StoreFact]
    public async Task An_atomic_write_is_stored_entirely_or_not_at_all()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));

        // 1, 2 and 4: the gap inside the write rejects the whole write, including 1 and 2.
        var results = await Journal.WriteAsync([WriteOf(pod, 1, 2, 4), Write(node, 1, 3)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.Empty(await ReplayAsync(pod));
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync(pod));
        Assert.Equal(Expected(node, 1, 2, 3), Describe(await ReplayAsync(node)));
    }

    [StoreFact]
    public async Task A_rejected_write_does_not_advance_the_sequence()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 1));

        // The second write would have continued the rejected first one; it follows the stored events instead.
        var results = await Journal.WriteAsync([Write(pod, 3, 4), Write(pod, 2, 2), Write(pod, 5, 5)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.IsType<JournalWriteRejectedException>(results[2]);
        Assert.Equal(Expected(pod, 1, 2), Describe(await ReplayAsync(pod)));
    }

    [StoreFact]
    public async Task A_write_mixing_ids_is_rejected()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));

        var results = await Journal.WriteAsync([new AtomicWrite(pod, [EventRow(pod, 1), EventRow(node, 2)])]);

        Assert.IsType<JournalWriteRejectedException>(Assert.Single(results));
        Assert.Empty(await ReplayAsync(pod));
        Assert.Empty(await ReplayAsync(node));
    }

    [StoreFact]
    public async Task A_storage_failure_fails_the_whole_call_and_stores_nothing()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));
        await ArrangeStorageFailureAsync(pod);

        await Assert.ThrowsAnyAsync<Exception>(() => Journal.WriteAsync([Write(node, 1, 2), Write(pod, 1, 3)]));

        Assert.Empty(await ReplayAsync(node));
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync(node));
        await RepairStorageAsync();
        // The store stays usable, and the failed call left no trace in its bookkeeping.
        await WriteAcceptedAsync(Write(node, 1, 1));
        Assert.Equal(Expected(node, 1), Describe(await ReplayAsync(node)));
    }

    [StoreFact]
    public async Task Delete_removes_events_up_to_the_bound_and_keeps_the_highest_sequence_nr()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 5));

        await Journal.DeleteToAsync(pod, 3);

        Assert.Equal(Expected(pod, 4, 5), Describe(await ReplayAsync(pod)));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(pod));

        await Journal.DeleteToAsync(pod, long.MaxValue);

        Assert.Empty(await ReplayAsync(pod));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(pod));
    }

    [StoreFact]
    public async Task After_deleting_everything_the_sequence_continues_and_old_numbers_stay_taken()
    {
        var pod = Pid("pod");
        await WriteAcceptedAsync(Write(pod, 1, 3));
        await Journal.DeleteToAsync(pod, 3);

        var results = await Journal.WriteAsync([Write(pod, 1, 1), Write(pod, 4, 5)]);

        Assert.IsType<JournalWriteRejectedException>(results[0]);
        Assert.Null(results[1]);
        Assert.Equal(Expected(pod, 4, 5), Describe(await ReplayAsync(pod)));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(pod));
    }

    [StoreFact]
    public async Task Delete_leaves_other_ids_alone_and_removes_deleted_events_from_global_and_tag_reads()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));
        var tag = Pid("tag");
        var before = await LastOrderingAsync();
        await WriteAcceptedAsync(Write(pod, 1, 3, tag), Write(node, 1, 2, tag));

        await Journal.DeleteToAsync(pod, 2);

        Assert.Equal(Expected(node, 1, 2), Describe(await ReplayAsync(node)));
        Assert.Equal([$"{pod}#3", $"{node}#1", $"{node}#2"], Describe(await ReadAllOfAsync(before, pod, node)));
        Assert.Equal([$"{pod}#3", $"{node}#1", $"{node}#2"], Describe(await Journal.ReadByTagAsync(tag, 0, int.MaxValue)));
    }

    [StoreFact]
    public async Task Global_ordering_increases_strictly_in_write_order()
    {
        var (pod, node, service) = (Pid("pod"), Pid("node"), Pid("service"));
        var before = await LastOrderingAsync();
        await WriteAcceptedAsync(Write(pod, 1, 2), Write(node, 1, 1));
        await WriteAcceptedAsync(Write(service, 1, 1), Write(pod, 3, 3));

        var all = await ReadAllOfAsync(before, pod, node, service);

        Assert.Equal([$"{pod}#1", $"{pod}#2", $"{node}#1", $"{service}#1", $"{pod}#3"], Describe(all));
        AssertStrictlyIncreasing(all.Select(row => row.Ordering));
        Assert.All(all, row => Assert.True(row.Ordering > before));
    }

    [StoreFact]
    public async Task ReadAll_pages_by_ordering()
    {
        var pod = Pid("pod");
        var before = await LastOrderingAsync();
        await WriteAcceptedAsync(Write(pod, 1, 5));
        var all = await ReadAllOfAsync(before, pod);

        var firstPage = await Journal.ReadAllAsync(before, 2);
        var secondPage = await Journal.ReadAllAsync(firstPage[^1].Ordering, 2);
        var afterLast = await Journal.ReadAllAsync(all[^1].Ordering, 10);

        Assert.Equal(Expected(pod, 1, 2), Describe(firstPage));
        Assert.Equal(Expected(pod, 3, 4), Describe(secondPage));
        Assert.DoesNotContain(afterLast, row => row.PersistenceId == pod);
        Assert.Empty(await Journal.ReadAllAsync(before, 0));
    }

    [StoreFact]
    public async Task Tag_reads_return_the_tagged_events_in_global_order()
    {
        var (pod, node) = (Pid("pod"), Pid("node"));
        var (pods, everything) = (Pid("pods"), Pid("everything"));
        await WriteAcceptedAsync(Write(pod, 1, 2, pods, everything), Write(node, 1, 1, everything));
        await WriteAcceptedAsync(Write(node, 2, 2), Write(pod, 3, 3, pods, everything));

        var tagged = await Journal.ReadByTagAsync(pods, 0, int.MaxValue);
        var all = await Journal.ReadByTagAsync(everything, 0, int.MaxValue);

        Assert.Equal(Expected(pod, 1, 2, 3), Describe(tagged));
        Assert.Equal([$"{pod}#1", $"{pod}#2", $"{node}#1", $"{pod}#3"], Describe(all));
        AssertStrictlyIncreasing(all.Select(row => row.Ordering));
        Assert.Equal([pods, everything], tagged[0].Tags);
        Assert.Empty(await Journal.ReadByTagAsync(Pid("unused"), 0, int.MaxValue));
    }

    [StoreFact]
    public async Task Tag_reads_page_by_ordering()
    {
        var pod = Pid("pod");
        var tag = Pid("tag");
        await WriteAcceptedAsync(Write(pod, 1, 5, tag));

        var firstPage = await Journal.ReadByTagAsync(tag, 0, 2);
        var secondPage = await Journal.ReadByTagAsync(tag, firstPage[^1].Ordering, 2);
        var lastPage = await Journal.ReadByTagAsync(tag, secondPage[^1].Ordering, 10);

        Assert.Equal(Expected(pod, 1, 2), Describe(firstPage));
        Assert.Equal(Expected(pod, 3, 4), Describe(secondPage));
        Assert.Equal(Expected(pod, 5), Describe(lastPage));
        Assert.Empty(await Journal.ReadByTagAsync(tag, lastPage[^1].Ordering, 10));
        Assert.Empty(await Journal.ReadByTagAsync(tag, 0, 0));
    }

    [StoreFact]
    public async Task A_tag_repeated_on_an_event_finds_the_event_once()
    {
        var pod = Pid("pod");
        var tag = Pid("tag");
        await WriteAcceptedAsync(new AtomicWrite(pod, [EventRow(pod, 1, tag, tag)]));

        Assert.Equal(Expected(pod, 1), Describe(await Journal.ReadByTagAsync(tag, 0, int.MaxValue)));
    }

    [StoreFact]
    public async Task Persistence_ids_list_every_id_that_wrote_also_after_deletion()
    {
        var (pod, node, rejected) = (Pid("pod"), Pid("node"), Pid("rejected"));
        await WriteAcceptedAsync(Write(pod, 1, 2), Write(node, 1, 1));
        await Journal.WriteAsync([WriteOf(rejected, 2)]);
        await Journal.DeleteToAsync(pod, long.MaxValue);

        var ids = await Journal.ReadPersistenceIdsAsync();

        Assert.Contains(pod, ids);
        Assert.Contains(node, ids);
        Assert.DoesNotContain(rejected, ids);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Distinct(), ids);
    }

    [StoreFact]
    public async Task Concurrent_writers_of_different_ids_all_succeed_with_distinct_increasing_orderings()
    {
        const int Writers = 8;
        const int WritesPerWriter = 25;
        var before = await LastOrderingAsync();
        var ids = Enumerable.Range(0, Writers).Select(writer => Pid($"pod{writer}")).ToArray();

        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            for (var sequenceNr = 1; sequenceNr <= WritesPerWriter; sequenceNr++)
            {
                await WriteAcceptedAsync(Write(id, sequenceNr, sequenceNr));
            }
        })));

        foreach (var id in ids)
        {
            Assert.Equal(Expected(id, Range(1, WritesPerWriter)), Describe(await ReplayAsync(id)));
            Assert.Equal(WritesPerWriter, await Journal.ReadHighestSequenceNrAsync(id));
        }
        var all = await ReadAllOfAsync(before, ids);
        Assert.Equal(Writers * WritesPerWriter, all.Count);
        AssertStrictlyIncreasing(all.Select(row => row.Ordering));
        foreach (var id in ids)
        {
            // Each id's events keep their order in the global ordering.
            AssertStrictlyIncreasing(all.Where(row => row.PersistenceId == id).Select(row => row.SequenceNr));
        }
    }

    [StoreFact]
    public async Task Concurrent_calls_for_the_same_id_never_store_a_gap_or_a_duplicate()
    {
        var pod = Pid("pod");
        const int Attempts = 20;

        // Every call tries to continue from the same point: exactly one of each pair wins.
        for (var sequenceNr = 1; sequenceNr <= Attempts; sequenceNr++)
        {
            var first = Journal.WriteAsync([Write(pod, sequenceNr, sequenceNr)]);
            var second = Journal.WriteAsync([Write(pod, sequenceNr, sequenceNr)]);
            var results = (await first).Concat(await second).ToArray();
            Assert.Single(results, result => result is null);
            Assert.Single(results, result => result is JournalWriteRejectedException);
        }

        Assert.Equal(Expected(pod, Range(1, Attempts)), Describe(await ReplayAsync(pod)));
    }

    /// <summary>Writes and asserts that every write was accepted.</summary>
    protected async Task WriteAcceptedAsync(params AtomicWrite[] writes)
    {
        var results = await Journal.WriteAsync(writes);
        Assert.Equal(writes.Length, results.Count);
        Assert.All(results, result => Assert.Null(result));
    }

    protected Task<IReadOnlyList<JournalRow>> ReplayAsync(string persistenceId) =>
        Journal.ReadByPersistenceIdAsync(persistenceId, 0, long.MaxValue, long.MaxValue);

    /// <summary>The highest global ordering stored so far (0 for an empty journal).</summary>
    protected async Task<long> LastOrderingAsync()
    {
        var last = 0L;
        while (await Journal.ReadAllAsync(last, 1000) is { Count: > 0 } page)
        {
            last = page[^1].Ordering;
        }
        return last;
    }

    /// <summary>The events of <paramref name="persistenceIds"/> after <paramref name="afterOrdering"/>, in global order.</summary>
    protected async Task<List<JournalRow>> ReadAllOfAsync(long afterOrdering, params string[] persistenceIds)
    {
        var rows = new List<JournalRow>();
        while (await Journal.ReadAllAsync(afterOrdering, 1000) is { Count: > 0 } page)
        {
            rows.AddRange(page.Where(row => persistenceIds.Contains(row.PersistenceId)));
            afterOrdering = page[^1].Ordering;
        }
        return rows;
    }

    protected static void AssertStrictlyIncreasing(IEnumerable<long> values)
    {
        var list = values.ToList();
        for (var i = 1; i < list.Count; i++)
        {
            Assert.True(list[i] > list[i - 1], $"value {list[i]} at {i} does not follow {list[i - 1]}");
        }
    }
}
