using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Tests.Support;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Persistence;

/// <summary>
/// What a persistent actor relies on from a journal and snapshot store (Akka.Persistence.Sql here), written once and
/// run against each database. Every "restart" is a new actor system on the same database, as a process restart is.
/// Systems run on the deterministic dispatcher, as the emulator's tests do.
/// </summary>
public abstract class PersistentActorContract : EmulatorTestKit
{
    private readonly List<ActorSystem> _systems = [];
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Journal and snapshot-store settings of the database under test.</summary>
    protected abstract Config StoreConfig { get; }

    /// <summary>Names of the tables in the database (to check they were created).</summary>
    protected abstract IReadOnlyCollection<string> TableNames();

    /// <summary>(sequence number, manifest, serializer id) of the stored events of <paramref name="persistenceId"/>.</summary>
    protected abstract IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredEvents(string persistenceId);

    /// <summary>(sequence number, manifest, serializer id) of the stored snapshots of <paramref name="persistenceId"/>.</summary>
    protected abstract IReadOnlyList<(long SequenceNr, string Manifest, long SerializerId)> StoredSnapshots(string persistenceId);

    /// <summary>The journal and snapshot tables the plugin creates with this database's table mapping.</summary>
    protected abstract string[] ExpectedTables { get; }

    private string Pid(string name) => $"{name}-{_id}";

    [StoreFact]
    public void A_new_id_recovers_empty_and_the_tables_are_created()
    {
        var system = StartSystem();
        var probe = CreateTestProbe(system);
        StartCounter(system, Pid("new"), probe);

        Assert.Equal(new State(0, 0, 0), probe.ExpectMsg<State>());
        // auto-initialize: the journal and snapshot tables exist once the plugins started.
        AwaitAssert(() => Assert.Subset(TableNames().ToHashSet(StringComparer.OrdinalIgnoreCase), ExpectedTables.ToHashSet(StringComparer.OrdinalIgnoreCase)));
    }

    [StoreFact]
    public void Persisted_events_are_acknowledged_in_order_and_recovered_by_a_new_system()
    {
        var pid = Pid("persist");
        var first = StartSystem();
        var probe = CreateTestProbe(first);
        var counter = StartCounter(first, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(2), probe.Ref);
        counter.Tell(new Add(3), probe.Ref);
        probe.ExpectMsg(new Added(2));
        probe.ExpectMsg(new Added(3));
        Stop(first);

        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        StartCounter(second, pid, probe2);
        Assert.Equal(new State(5, 2, 2), probe2.ExpectMsg<State>());

        // Stored under the registered manifest by the event serializer, never as a CLR type name.
        Assert.Equal([(1L, "test.added", (long)EventJsonSerializer.Id), (2L, "test.added", (long)EventJsonSerializer.Id)], StoredEvents(pid));
    }

    [StoreFact]
    public void The_read_journal_serves_current_and_live_events_by_persistence_id()
    {
        var pid = Pid("query");
        // Queries run as the product runs them, on the thread pool: the read journal's polling and its database calls
        // must not queue behind each other on the single deterministic thread.
        var system = StartSystem(seed: null);
        var probe = CreateTestProbe(system);
        var counter = StartCounter(system, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(2), probe.Ref);
        counter.Tell(new Add(3), probe.Ref);
        probe.ExpectMsg(new Added(2));
        probe.ExpectMsg(new Added(3));

        // Akka.Persistence.Query with the plugin's read journal, decoding through the event serializer.
        var queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = system.Materializer();
        var current = queries.CurrentEventsByPersistenceId(pid, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), materializer).Result;
        Assert.Equal([(1L, (object)new Added(2)), (2L, new Added(3))], current.Select(e => (e.SequenceNr, e.Event)));

        // A live query sees what is persisted after it started.
        var live = CreateTestProbe(system);
        queries.EventsByPersistenceId(pid, 0, long.MaxValue)
            .RunWith(Sink.ActorRef<EventEnvelope>(live.Ref, "done", _ => "failed"), materializer);
        Assert.Equal(1, live.ExpectMsg<EventEnvelope>(TimeSpan.FromSeconds(10)).SequenceNr);
        Assert.Equal(2, live.ExpectMsg<EventEnvelope>(TimeSpan.FromSeconds(10)).SequenceNr);
        counter.Tell(new Add(7), probe.Ref);
        probe.ExpectMsg(new Added(7));
        var third = live.ExpectMsg<EventEnvelope>(TimeSpan.FromSeconds(10));
        Assert.Equal((3L, (object)new Added(7)), (third.SequenceNr, third.Event));
    }

    [StoreFact]
    public void Commands_sent_while_persisting_wait_for_the_handler()
    {
        var system = StartSystem();
        var probe = CreateTestProbe(system);
        var counter = StartCounter(system, Pid("stash"), probe);
        counter.Tell(new Add(1), probe.Ref);
        counter.Tell(new GetState(), probe.Ref);
        counter.Tell(new Add(10), probe.Ref);
        counter.Tell(new GetState(), probe.Ref);

        probe.ExpectMsg<State>();
        probe.ExpectMsg(new Added(1));
        Assert.Equal(new State(1, 1, 1), probe.ExpectMsg<State>());
        probe.ExpectMsg(new Added(10));
        Assert.Equal(new State(11, 2, 2), probe.ExpectMsg<State>());
    }

    [StoreFact]
    public void PersistAsync_acknowledges_to_the_original_senders_in_order_and_the_events_survive_a_restart()
    {
        var pid = Pid("async");
        var first = StartSystem();
        var probe = CreateTestProbe(first);
        var one = CreateTestProbe(first);
        var two = CreateTestProbe(first);
        var counter = StartCounter(first, pid, probe);
        probe.ExpectMsg<State>();
        for (var i = 1; i <= 10; i++)
        {
            counter.Tell(new AddAsync(i), one.Ref);
            counter.Tell(new AddAsync(100 * i), two.Ref);
        }

        // Sender inside a PersistAsync handler is the original sender of the command.
        Assert.Equal(Enumerable.Range(1, 10).Select(i => new Added(i)), one.ReceiveN(10).Cast<Added>());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => new Added(100 * i)), two.ReceiveN(10).Cast<Added>());
        counter.Tell(new GetState(), probe.Ref);
        Assert.Equal(new State(5555, 20, 20), probe.ExpectMsg<State>());
        Stop(first);

        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        StartCounter(second, pid, probe2);
        Assert.Equal(new State(5555, 20, 20), probe2.ExpectMsg<State>());
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), StoredEvents(pid).Select(e => e.SequenceNr));
    }

    [StoreFact]
    public void Commands_sent_during_recovery_are_handled_after_it_in_order()
    {
        var pid = Pid("recovering");
        var first = StartSystem();
        var probe = CreateTestProbe(first);
        var counter = StartCounter(first, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new AddAll([.. Enumerable.Repeat(1, 20)]), probe.Ref);
        probe.ReceiveN(20);
        Stop(first);

        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        var again = StartCounter(second, pid, probe2);
        again.Tell(new GetState(), probe2.Ref);
        again.Tell(new Add(5), probe2.Ref);
        again.Tell(new GetState(), probe2.Ref);

        Assert.Equal(new State(20, 20, 20), probe2.ExpectMsg<State>());
        Assert.Equal(new State(20, 20, 20), probe2.ExpectMsg<State>());
        probe2.ExpectMsg(new Added(5));
        Assert.Equal(new State(25, 21, 21), probe2.ExpectMsg<State>());
    }

    [StoreFact]
    public void Recovery_starts_from_the_latest_snapshot_and_replays_only_later_events()
    {
        var pid = Pid("snapshot");
        var first = StartSystem();
        var probe = CreateTestProbe(first);
        var counter = StartCounter(first, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new AddAll([1, 2, 3]), probe.Ref);
        probe.ReceiveN(3);
        counter.Tell(new TakeSnapshot(), probe.Ref);
        Assert.Equal(3, probe.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
        counter.Tell(new Add(10), probe.Ref);
        probe.ExpectMsg(new Added(10));
        // Remove the snapshotted events: recovery must not need them.
        counter.Tell(new Delete(3), probe.Ref);
        Assert.Equal(3, probe.ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
        Stop(first);

        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        StartCounter(second, pid, probe2);
        var offer = probe2.ExpectMsg<SnapshotOffer>();
        Assert.Equal(new CounterState(6, 3), offer.Snapshot);
        Assert.Equal(3, offer.Metadata.SequenceNr);
        Assert.Equal(new State(16, 4, 4), probe2.ExpectMsg<State>());
        Assert.Equal([(3L, "test.counter-state", (long)EventJsonSerializer.Id)], StoredSnapshots(pid));
    }

    [StoreFact]
    public void Deleted_events_are_not_replayed_and_the_sequence_goes_on()
    {
        var pid = Pid("delete");
        var first = StartSystem();
        var probe = CreateTestProbe(first);
        var counter = StartCounter(first, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new AddAll([1, 2, 3]), probe.Ref);
        probe.ReceiveN(3);
        counter.Tell(new Delete(3), probe.Ref);
        Assert.Equal(3, probe.ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
        Stop(first);

        // Every event is deleted, yet the highest sequence number is kept: a new event is number 4, not 1.
        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        var again = StartCounter(second, pid, probe2);
        Assert.Equal(new State(0, 0, 3), probe2.ExpectMsg<State>());
        again.Tell(new Add(4), probe2.Ref);
        probe2.ExpectMsg(new Added(4));
        again.Tell(new GetState(), probe2.Ref);
        Assert.Equal(new State(4, 1, 4), probe2.ExpectMsg<State>());
    }

    [StoreFact]
    public void A_restarted_actor_recovers_its_state()
    {
        var system = StartSystem();
        var probe = CreateTestProbe(system);
        var counter = StartCounter(system, Pid("restart"), probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(7), probe.Ref);
        probe.ExpectMsg(new Added(7));

        counter.Tell(new Fail(), probe.Ref);

        Assert.Equal(new State(7, 1, 1), probe.ExpectMsg<State>());
    }

    [StoreFact]
    public void An_event_type_that_is_not_registered_is_rejected_and_the_actor_keeps_running()
    {
        var pid = Pid("rejected");
        var system = StartSystem();
        var probe = CreateTestProbe(system);
        var counter = StartCounter(system, pid, probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(1), probe.Ref);
        probe.ExpectMsg(new Added(1));

        counter.Tell(new AddUnregistered(), probe.Ref);
        Assert.Equal(nameof(NotRegistered), probe.ExpectMsg<Rejected>().EventType);
        counter.Tell(new Add(2), probe.Ref);
        probe.ExpectMsg(new Added(2));
        Stop(system);

        // Only registered events are stored, each under its manifest.
        Assert.All(StoredEvents(pid), e => Assert.Equal(("test.added", (long)EventJsonSerializer.Id), (e.Manifest, e.SerializerId)));
        var second = StartSystem();
        var probe2 = CreateTestProbe(second);
        StartCounter(second, pid, probe2);
        var recovered = probe2.ExpectMsg<State>();
        Assert.Equal((3, 2), (recovered.Total, recovered.Count));
    }

    /// <summary>A system on the database under test, with this suite's event types registered; terminated with the test.</summary>
    protected ActorSystem StartSystem(int? seed = 0)
    {
        var system = ActorSystem.Create($"store{_systems.Count + 1}", TestConfig(StoreConfig, seed));
        _systems.Add(system);
        EventSerialization.Get(system).Manifests
            .Register<Added>("test.added")
            .Register<CounterState>("test.counter-state");
        return system;
    }

    protected static void Stop(ActorSystem system) =>
        Assert.True(system.Terminate().Wait(TimeSpan.FromSeconds(15)), $"{system.Name} did not terminate");

    protected override void Dispose(bool disposing)
    {
        foreach (var system in _systems)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(15));
        }
        base.Dispose(disposing);
    }

    private static IActorRef StartCounter(ActorSystem system, string persistenceId, TestProbe probe) =>
        system.ActorOf(Props.Create(() => new Counter(persistenceId, probe.Ref)));

    public sealed record Added(int Amount);

    public sealed record CounterState(int Total, int Count);

    public sealed record Add(int Amount);

    public sealed record AddAsync(int Amount);

    public sealed record AddAll(int[] Amounts);

    public sealed record AddUnregistered;

    public sealed record NotRegistered(string Text);

    public sealed record GetState;

    public sealed record State(int Total, int Count, long LastSequenceNr);

    public sealed record TakeSnapshot;

    public sealed record Delete(long ToSequenceNr);

    public sealed record Fail;

    public sealed record Rejected(string EventType, long SequenceNr);

    /// <summary>A counter whose state is the sum of its <see cref="Added"/> events; reports what it sees to a probe.</summary>
    private sealed class Counter(string persistenceId, IActorRef probe) : PersistentActor
    {
        private int _total;
        private int _count;

        public override string PersistenceId { get; } = persistenceId;

        protected override bool ReceiveRecover(object message)
        {
            switch (message)
            {
                case Added e:
                    Apply(e);
                    return true;
                case SnapshotOffer offer:
                    var s = (CounterState)offer.Snapshot;
                    (_total, _count) = (s.Total, s.Count);
                    probe.Tell(offer);
                    return true;
                case RecoveryCompleted:
                    probe.Tell(new State(_total, _count, LastSequenceNr));
                    return true;
            }
            return false;
        }

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case Add c:
                    Persist(new Added(c.Amount), e =>
                    {
                        Apply(e);
                        Sender.Tell(e);
                    });
                    return true;
                case AddAsync c:
                    PersistAsync(new Added(c.Amount), e =>
                    {
                        Apply(e);
                        Sender.Tell(e);
                    });
                    return true;
                case AddAll c:
                    PersistAll(c.Amounts.Select(a => new Added(a)), e =>
                    {
                        Apply(e);
                        Sender.Tell(e);
                    });
                    return true;
                case AddUnregistered:
                    Persist(new NotRegistered("x"), _ => probe.Tell("handler of the unregistered event ran"));
                    return true;
                case GetState:
                    Sender.Tell(new State(_total, _count, LastSequenceNr));
                    return true;
                case TakeSnapshot:
                    SaveSnapshot(new CounterState(_total, _count));
                    return true;
                case Delete d:
                    DeleteMessages(d.ToSequenceNr);
                    return true;
                case Fail:
                    throw new InvalidOperationException("fail on purpose");
                case SaveSnapshotSuccess or SaveSnapshotFailure or DeleteMessagesSuccess or DeleteMessagesFailure:
                    probe.Tell(message);
                    return true;
            }
            return false;
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            probe.Tell(new Rejected(@event.GetType().Name, sequenceNr));
            base.OnPersistRejected(cause, @event, sequenceNr);
        }

        private void Apply(Added e)
        {
            _total += e.Amount;
            _count++;
        }
    }
}
