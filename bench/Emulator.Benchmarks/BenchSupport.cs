using System.Collections.Concurrent;
using Emulator.Actors;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Benchmarks;

/// <summary>An actor whose messages a benchmark thread takes one by one.</summary>
internal sealed class BlockingInbox
{
    private readonly BlockingCollection<object> _messages = [];

    public BlockingInbox(ActorSystem system) => Ref = system.ActorOf(Props.Create(() => new InboxActor(_messages)));

    public IActorRef Ref { get; }

    public object Receive() => _messages.TryTake(out var message, TimeSpan.FromMinutes(5)) ? message : throw new TimeoutException("benchmark inbox timed out");

    private sealed class InboxActor(BlockingCollection<object> messages) : UntypedActor
    {
        protected override void OnReceive(object message) => messages.Add(message);
    }
}

/// <summary>Shares a store between systems: closing one system must not close the store the next one uses.</summary>
internal sealed class NonDisposing(IJournalStore inner) : IJournalStore
{
    public string Name => inner.Name;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) => inner.WriteAsync(writes, cancellationToken);

    public Task<IReadOnlyList<JournalRow>> ReadByPersistenceIdAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, CancellationToken cancellationToken = default) =>
        inner.ReadByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) => inner.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) => inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

    public Task<IReadOnlyList<JournalRow>> ReadAllAsync(long afterOrdering, int max, CancellationToken cancellationToken = default) => inner.ReadAllAsync(afterOrdering, max, cancellationToken);

    public Task<IReadOnlyList<JournalRow>> ReadByTagAsync(string tag, long afterOrdering, int max, CancellationToken cancellationToken = default) => inner.ReadByTagAsync(tag, afterOrdering, max, cancellationToken);

    public Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken = default) => inner.ReadPersistenceIdsAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Snapshot-store counterpart of <see cref="NonDisposing"/>.</summary>
internal sealed class NonDisposingSnapshots(ISnapshotStore inner) : ISnapshotStore
{
    public string Name => inner.Name;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<SnapshotRow?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) => inner.LoadAsync(persistenceId, criteria, cancellationToken);

    public Task SaveAsync(SnapshotRow snapshot, CancellationToken cancellationToken = default) => inner.SaveAsync(snapshot, cancellationToken);

    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default) => inner.DeleteAsync(metadata, cancellationToken);

    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) => inner.DeleteAsync(persistenceId, criteria, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
