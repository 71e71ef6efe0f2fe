using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Snapshot;

namespace Emulator.Actors.Persistence.Tests;

public sealed class PersistentActorTests : PersistenceTestKit
{
    [Fact]
    public void Recovery_completes_with_empty_state_for_a_new_id()
    {
        var probe = CreateTestProbe();
        StartCounter("c-new", probe);
        Assert.Equal(new State(0, 0, 0), probe.ExpectMsg<State>());
    }

    [Fact]
    public void Persisted_events_are_replayed_by_a_new_incarnation()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c1", probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(2), TestActor);
        counter.Tell(new Add(3), TestActor);
        ExpectMsg(new Added(2));
        ExpectMsg(new Added(3));
        Watch(counter);
        Sys.Stop(counter);
        ExpectTerminated(counter);

        StartCounter("c1", probe);
        Assert.Equal(new State(5, 2, 2), probe.ExpectMsg<State>());
    }

    [Fact]
    public void Commands_sent_while_persisting_wait_for_the_handler()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c2", probe);
        counter.Tell(new Add(1), TestActor);
        counter.Tell(new GetState(), TestActor);
        counter.Tell(new Add(10), TestActor);
        counter.Tell(new GetState(), TestActor);
        ExpectMsg(new Added(1));
        Assert.Equal(new State(1, 1, 1), ExpectMsg<State>());
        ExpectMsg(new Added(10));
        Assert.Equal(new State(11, 2, 2), ExpectMsg<State>());
    }

    [Fact]
    public async Task Commands_sent_during_recovery_are_handled_after_it_in_order()
    {
        await Journal.WriteAsync([new AtomicWrite("c3", Enumerable.Range(1, 20).Select(i => Row("c3", i, new Added(1))).ToArray())]);
        var probe = CreateTestProbe();
        var counter = StartCounter("c3", probe);
        counter.Tell(new GetState(), TestActor);
        counter.Tell(new Add(5), TestActor);
        counter.Tell(new GetState(), TestActor);
        Assert.Equal(new State(20, 20, 20), ExpectMsg<State>());
        ExpectMsg(new Added(5));
        Assert.Equal(new State(25, 21, 21), ExpectMsg<State>());
    }

    [Fact]
    public async Task PersistAll_stores_one_atomic_write_and_runs_handlers_in_order()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c4", probe);
        counter.Tell(new AddAll([1, 2, 3]), TestActor);
        ExpectMsg(new Added(1));
        ExpectMsg(new Added(2));
        ExpectMsg(new Added(3));
        var rows = await Journal.ReadByPersistenceIdAsync("c4", 1, long.MaxValue, long.MaxValue);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.SequenceNr));
        counter.Tell(new GetState(), TestActor);
        Assert.Equal(new State(6, 3, 3), ExpectMsg<State>());
    }

    [Fact]
    public async Task A_rejected_event_is_reported_and_the_actor_keeps_running_without_a_gap()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c5", probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(1), TestActor);
        ExpectMsg(new Added(1));
        counter.Tell(new AddUnserializable(), TestActor);
        Assert.Equal("NotRegistered", probe.ExpectMsg<Rejected>().EventType);
        counter.Tell(new Add(2), TestActor);
        ExpectMsg(new Added(2));
        probe.ExpectNoMsg();
        var rows = await Journal.ReadByPersistenceIdAsync("c5", 1, long.MaxValue, long.MaxValue);
        Assert.Equal([1L, 2L], rows.Select(r => r.SequenceNr));
    }

    [Fact]
    public void A_failed_write_stops_the_actor_and_nothing_is_acknowledged()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c6", probe);
        probe.ExpectMsg<State>();
        Watch(counter);
        ((InMemoryJournalStore)Journal).FailWritesWith = new IOException("disk full");
        EventFilter.Exception<IOException>().Expect(2, () => counter.Tell(new Add(1), TestActor));
        ExpectTerminated(counter);
        ((InMemoryJournalStore)Journal).FailWritesWith = null;

        StartCounter("c6", probe);
        Assert.Equal(new State(0, 0, 0), probe.ExpectMsg<State>());
    }

    [Fact]
    public async Task Recovery_starts_from_the_latest_snapshot_and_replays_only_later_events()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c7", probe);
        probe.ExpectMsg<State>();
        counter.Tell(new AddAll([1, 2, 3]), TestActor);
        ReceiveN(3);
        counter.Tell(new TakeSnapshot(), TestActor);
        Assert.Equal(3, probe.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
        counter.Tell(new Add(10), TestActor);
        ExpectMsg(new Added(10));
        Watch(counter);
        Sys.Stop(counter);
        ExpectTerminated(counter);

        // Remove the snapshotted events: recovery must not need them.
        await Journal.DeleteToAsync("c7", 3);
        StartCounter("c7", probe);
        var offer = probe.ExpectMsg<SnapshotOffer>();
        Assert.Equal(new CounterState(6, 3), offer.Snapshot);
        Assert.Equal(new State(16, 4, 4), probe.ExpectMsg<State>());
    }

    [Fact]
    public async Task DeleteMessages_removes_events_and_keeps_the_sequence()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c8", probe);
        probe.ExpectMsg<State>();
        counter.Tell(new AddAll([1, 2, 3]), TestActor);
        ReceiveN(3);
        counter.Tell(new Delete(2), TestActor);
        Assert.Equal(2, probe.ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
        counter.Tell(new Delete(99), TestActor);
        probe.ExpectMsg<DeleteMessagesFailure>();
        Watch(counter);
        Sys.Stop(counter);
        ExpectTerminated(counter);

        var again = StartCounter("c8", probe);
        Assert.Equal(new State(3, 1, 3), probe.ExpectMsg<State>());
        again.Tell(new Add(4), TestActor);
        ExpectMsg(new Added(4));
        Assert.Equal(4, await Journal.ReadHighestSequenceNrAsync("c8"));
    }

    [Fact]
    public async Task A_throwing_recovery_handler_stops_the_actor()
    {
        await Journal.WriteAsync([new AtomicWrite("bad", [Row("bad", 1, new Added(1))])]);
        EventFilter.Exception<InvalidOperationException>("cannot apply").Expect(1, () =>
        {
            var actor = Watch(Sys.ActorOf(Props.Create(() => new ThrowingRecovery())));
            ExpectTerminated(actor);
        });
    }

    [Fact]
    public void A_restarted_actor_recovers_its_state()
    {
        var probe = CreateTestProbe();
        var counter = StartCounter("c9", probe);
        probe.ExpectMsg<State>();
        counter.Tell(new Add(7), TestActor);
        ExpectMsg(new Added(7));
        EventFilter.Exception<InvalidOperationException>("boom").Expect(1, () => counter.Tell(new Fail(), TestActor));
        Assert.Equal(new State(7, 1, 1), probe.ExpectMsg<State>());
    }

    [Fact]
    public async Task Snapshot_criteria_select_older_snapshots()
    {
        var now = Sys.Clock.UtcNow;
        await Snapshots.SaveAsync(new SnapshotRow(new SnapshotMetadata("s", 5, now), "test.counter-state", Serializer.Serialize(new CounterState(5, 5)).Payload));
        await Snapshots.SaveAsync(new SnapshotRow(new SnapshotMetadata("s", 9, now), "test.counter-state", Serializer.Serialize(new CounterState(9, 9)).Payload));
        Assert.Equal(9, (await Snapshots.LoadAsync("s", SnapshotSelectionCriteria.Latest))!.Metadata.SequenceNr);
        Assert.Equal(5, (await Snapshots.LoadAsync("s", SnapshotSelectionCriteria.Latest with { MaxSequenceNr = 8 }))!.Metadata.SequenceNr);
        Assert.Null(await Snapshots.LoadAsync("s", SnapshotSelectionCriteria.Latest with { MaxSequenceNr = 4 }));
    }

    private JournalRow Row(string id, long seq, object payload)
    {
        var (manifest, bytes) = Serializer.Serialize(payload);
        return new JournalRow(0, id, seq, Sys.Clock.UtcNow, [], manifest, bytes, "test");
    }

    private sealed class ThrowingRecovery : ReceivePersistentActor
    {
        public ThrowingRecovery()
        {
            Recover<Added>(_ => throw new InvalidOperationException("cannot apply"));
        }

        public override string PersistenceId => "bad";
    }
}
