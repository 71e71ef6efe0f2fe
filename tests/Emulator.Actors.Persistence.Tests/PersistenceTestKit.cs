using Emulator.Actors.Persistence.Journal;
using Emulator.Actors.Persistence.Serialization;
using Emulator.Actors.Persistence.Snapshot;
using Emulator.Actors.TestKit;

namespace Emulator.Actors.Persistence.Tests;

/// <summary>A deterministic test system with persistence on in-memory stores (or given ones).</summary>
public abstract class PersistenceTestKit : TestKitBase
{
    protected PersistenceTestKit(IJournalStore? journal = null, ISnapshotStore? snapshots = null, ActorSystemSettings? settings = null)
        : base(settings)
    {
        Journal = journal ?? new InMemoryJournalStore();
        Snapshots = snapshots ?? new InMemorySnapshotStore();
        Serializer = new EventSerializer()
            .Register<Added>("test.added")
            .Register<CounterState>("test.counter-state");
        Persistence = Persistence.StartAsync(Sys, new PersistenceSettings(Journal, Snapshots, Serializer) { ReadPageSize = 7 }).GetAwaiter().GetResult();
    }

    protected IJournalStore Journal { get; }

    protected ISnapshotStore Snapshots { get; }

    protected EventSerializer Serializer { get; }

    protected Persistence Persistence { get; }

    public sealed record Added(int Amount);

    public sealed record CounterState(int Total, int Count);

    public sealed record Add(int Amount);

    public sealed record AddAll(int[] Amounts);

    public sealed record AddUnserializable;

    public sealed record GetState;

    public sealed record State(int Total, int Count, long LastSequenceNr);

    public sealed record TakeSnapshot;

    public sealed record Delete(long ToSequenceNr);

    public sealed record Fail;

    /// <summary>A counter whose state is the sum of its <see cref="Added"/> events; reports what it sees to a probe.</summary>
    public sealed class Counter : ReceivePersistentActor
    {
        private readonly IActorRef _probe;
        private int _total;
        private int _count;

        public Counter(string persistenceId, IActorRef probe)
        {
            PersistenceId = persistenceId;
            _probe = probe;
            Recover<Added>(e => Apply(e));
            Recover<SnapshotOffer>(o =>
            {
                var s = (CounterState)o.Snapshot;
                (_total, _count) = (s.Total, s.Count);
                _probe.Tell(o, Self);
            });
            Recover<RecoveryCompleted>(_ => _probe.Tell(new State(_total, _count, LastSequenceNr), Self));
            Command<Add>(c => Persist(new Added(c.Amount), e =>
            {
                Apply(e);
                Sender.Tell(e, Self);
            }));
            Command<AddAll>(c => PersistAll(c.Amounts.Select(a => new Added(a)), e =>
            {
                Apply(e);
                Sender.Tell(e, Self);
            }));
            Command<AddUnserializable>(_ => Persist(new NotRegistered(), _ => _probe.Tell("handler of unserializable ran", Self)));
            Command<GetState>(_ => Sender.Tell(new State(_total, _count, LastSequenceNr), Self));
            Command<TakeSnapshot>(_ => SaveSnapshot(new CounterState(_total, _count)));
            Command<Delete>(d => DeleteMessages(d.ToSequenceNr));
            Command<Fail>(_ => throw new InvalidOperationException("boom"));
            CommandAny(m => _probe.Tell(m, Self));
        }

        public override string PersistenceId { get; }

        private void Apply(Added e)
        {
            _total += e.Amount;
            _count++;
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            _probe.Tell(new Rejected(@event.GetType().Name, sequenceNr), Self);
        }

        private sealed record NotRegistered;
    }

    public sealed record Rejected(string EventType, long SequenceNr);

    protected IActorRef StartCounter(string persistenceId, TestProbe probe, string? name = null) =>
        Sys.ActorOf(Props.Create(() => new Counter(persistenceId, probe.Ref)), name);
}
