using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.Persistence.Tests.Conformance;

namespace Emulator.Actors.Persistence.Tests.InMemory;

public sealed class InMemoryJournalConformanceTests : JournalConformance
{
    private InMemoryJournalStore Store => (InMemoryJournalStore)Journal;

    protected override IJournalStore CreateJournal() => new InMemoryJournalStore();

    protected override Task ArrangeStorageFailureAsync(string persistenceId)
    {
        Store.FailWritesWith = new IOException("simulated storage failure");
        return Task.CompletedTask;
    }

    protected override Task RepairStorageAsync()
    {
        Store.FailWritesWith = null;
        return Task.CompletedTask;
    }
}

public sealed class InMemorySnapshotStoreConformanceTests : SnapshotStoreConformance
{
    protected override ISnapshotStore CreateSnapshotStore() => new InMemorySnapshotStore();
}
