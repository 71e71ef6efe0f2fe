using Emulator.Actors.Persistence.Journal;

namespace Emulator.Actors.Persistence.Tests;

public sealed class JournalWriterTests : PersistenceTestKit
{
    public JournalWriterTests() : base(new SlowJournal())
    {
    }

    /// <summary>A store whose writes complete only when released, so requests pile up behind the one in flight.</summary>
    private sealed class SlowJournal : IJournalStore
    {
        private readonly InMemoryJournalStore _inner = new();
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> BatchSizes { get; } = [];

        public string Name => "slow journal";

        public void Release() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
        {
            lock (BatchSizes)
            {
                BatchSizes.Add(writes.Count);
            }
            await _gate.Task;
            return await _inner.WriteAsync(writes, cancellationToken);
        }

        public Task<IReadOnlyList<JournalRow>> ReadByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default) =>
            _inner.ReadByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken);

        public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) => _inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

        public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) => _inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

        public Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default) => _inner.ReadAllAsync(afterOrdering, max, cancellationToken);

        public Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default) => _inner.ReadByTagAsync(tag, afterOrdering, max, cancellationToken);

        public Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default) => _inner.ReadPersistenceIdsAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public void Writes_arriving_during_a_store_transaction_are_committed_together()
    {
        var journal = (SlowJournal)Journal;
        var probe = CreateTestProbe();
        var counters = Enumerable.Range(0, 10).Select(i => StartCounter($"g{i}", probe)).ToArray();
        probe.ReceiveN(10);
        counters[0].Tell(new Add(1), TestActor);
        AwaitCondition(() =>
        {
            lock (journal.BatchSizes)
            {
                return journal.BatchSizes.Count == 1;
            }
        });
        for (var i = 1; i < counters.Length; i++)
        {
            counters[i].Tell(new Add(i + 1), TestActor);
        }
        RunUntilIdleIfDeterministic();
        journal.Release();
        ExpectMsg(new Added(1));
        AwaitCondition(() =>
        {
            lock (journal.BatchSizes)
            {
                return journal.BatchSizes.Count == 2;
            }
        });
        journal.Release();
        var replies = ReceiveN(9).Cast<Added>().Select(a => a.Amount).Order().ToArray();
        Assert.Equal(Enumerable.Range(2, 9), replies);
        Assert.Equal([1, 9], journal.BatchSizes);
    }
}
