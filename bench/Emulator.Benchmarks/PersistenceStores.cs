using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Benchmarks;

/// <summary>The stores the persistence benchmark runs against.</summary>
internal static class PersistenceStores
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var stores = new List<StoreKind>();
        if (args.Contains("--in-memory"))
        {
            stores.Add(new StoreKind("in-memory", () => (new InMemoryJournalStore(), new InMemorySnapshotStore(), () => { })));
        }
        Console.WriteLine($"Persistence benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, 3 runs each{(quick ? " (quick mode: 2 s windows, 200k-event recovery)" : "")}");
        PersistenceBenchmarks.Run(stores, quick);
        return 0;
    }
}
