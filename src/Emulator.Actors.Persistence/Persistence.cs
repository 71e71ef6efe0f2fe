using System.Runtime.CompilerServices;
using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Query;
using Emulator.Actors.Persistence.Serialization;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence;

/// <summary>What persistence uses in one actor system.</summary>
public sealed record PersistenceSettings(IJournalStore Journal, ISnapshotStore Snapshots, EventSerializer Serializer)
{
    /// <summary>Most events written in one store transaction by the journal writer (group commit).</summary>
    public int MaxWriteBatchEvents { get; init; } = 20_000;

    /// <summary>Events read per page during recovery and queries.</summary>
    public int ReadPageSize { get; init; } = 10_000;

    /// <summary>How often live queries look for events written by other processes (real time).</summary>
    public TimeSpan LiveQueryPollInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Persistence in one actor system: the stores, the serializer, the journal writer actor that batches writes from all
/// persistent actors, and the read side (queries). Start it once with <see cref="StartAsync"/> before creating persistent actors.
/// </summary>
public sealed class Persistence
{
    private static readonly ConditionalWeakTable<ActorSystem, Persistence> Instances = [];

    private Persistence(ActorSystem system, PersistenceSettings settings)
    {
        System = system;
        Settings = settings;
        Queries = new ReadJournal(this);
        // The writer is one actor serving every persistent actor: it drains its whole mailbox per turn, or it would
        // wait behind thousands of persistent actors for each batch of 30 requests.
        if (system.Settings.Mode == ExecutionMode.ThreadPool && !system.Dispatchers.Contains(WriterDispatcherId))
        {
            system.Dispatchers.Register(new Dispatch.ThreadPoolDispatcher(WriterDispatcherId, 100_000));
        }
        JournalWriter = system.SystemActorOf(
            Props.Create(() => new JournalWriter(settings.Journal, settings.MaxWriteBatchEvents, Queries.NotifyWritten)).WithDispatcher(WriterDispatcherId),
            "journal-writer");
    }

    /// <summary>Id of the dispatcher the journal writer runs on.</summary>
    public const string WriterDispatcherId = "persistence-journal-writer";

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The settings.</summary>
    public PersistenceSettings Settings { get; }

    /// <summary>The journal store.</summary>
    public IJournalStore Journal => Settings.Journal;

    /// <summary>The snapshot store.</summary>
    public ISnapshotStore Snapshots => Settings.Snapshots;

    /// <summary>The serializer.</summary>
    public EventSerializer Serializer => Settings.Serializer;

    /// <summary>The actor that writes events (group commit).</summary>
    public IActorRef JournalWriter { get; }

    /// <summary>Queries over the journal.</summary>
    public ReadJournal Queries { get; }

    /// <summary>
    /// Opens both stores (creating tables) and starts the journal writer. Fails with
    /// <see cref="StoreUnavailableException"/> naming the store when one cannot be opened.
    /// </summary>
    public static async Task<Persistence> StartAsync(ActorSystem system, PersistenceSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        await settings.Journal.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await settings.Snapshots.InitializeAsync(cancellationToken).ConfigureAwait(false);
        lock (Instances)
        {
            if (Instances.TryGetValue(system, out _))
            {
                throw new InvalidOperationException($"Persistence is already started in {system}");
            }
            var persistence = new Persistence(system, settings);
            Instances.Add(system, persistence);
            // The stores close after the last actor stopped: persistent actors may write until their PostStop.
            system.CoordinatedShutdown.AddTask(CoordinatedShutdown.AfterActorSystemTerminate, "close-persistence-stores", async () =>
            {
                await settings.Journal.DisposeAsync().ConfigureAwait(false);
                if (!ReferenceEquals(settings.Snapshots, settings.Journal))
                {
                    await settings.Snapshots.DisposeAsync().ConfigureAwait(false);
                }
            });
            return persistence;
        }
    }

    /// <summary>The persistence of a system; throws when <see cref="StartAsync"/> was not called.</summary>
    public static Persistence Get(ActorSystem system)
    {
        lock (Instances)
        {
            return Instances.TryGetValue(system, out var persistence)
                ? persistence
                : throw new InvalidOperationException($"Persistence is not started in {system}: call Persistence.StartAsync first");
        }
    }
}
