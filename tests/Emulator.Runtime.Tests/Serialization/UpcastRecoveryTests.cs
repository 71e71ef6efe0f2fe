using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Persistence;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Tests.Support;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Serialization;

/// <summary>
/// Evolving an event type in a real journal: events written under manifests that later retire are recovered by a
/// persistent actor through the upcaster chain, on Akka.Persistence.Sql with SQLite.
/// </summary>
public sealed class UpcastRecoveryTests : EmulatorTestKit
{
    private const string Pid = "cart-1";

    // Each step starts an actor system on a SQLite journal: seconds on a loaded machine, so the waits are generous.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TemporaryDatabaseFile _database = new("upcast");
    private readonly List<ActorSystem> _systems = [];

    // Version 1 of the event; version 2 renamed the field; version 3 added a quantity.
    public sealed record ItemAddedV1(string ItemName);

    public sealed record ItemAddedV2(string Name);

    public sealed record ItemAdded(string Name, int Quantity);

    public sealed record Add(object Event);

    public sealed record Recovered(IReadOnlyList<object> Events, long LastSequenceNr);

    private static JsonNode V1ToV2(JsonNode v1) => new JsonObject { ["name"] = v1["itemName"]!.GetValue<string>() };

    private static JsonNode V2ToV3(JsonNode v2)
    {
        v2["quantity"] = 1;
        return v2;
    }

    [Fact]
    public void Events_under_retired_manifests_recover_through_the_upcaster_chain()
    {
        // Release 1 writes v1 events.
        var release1 = Start(m => m.Register<ItemAddedV1>("item-added.v1"));
        var probe1 = CreateTestProbe(release1);
        var cart1 = release1.ActorOf(Props.Create(() => new Cart(Pid, probe1.Ref)));
        Assert.Empty(probe1.ExpectMsg<Recovered>(Patience).Events);
        cart1.Tell(new Add(new ItemAddedV1("apple")), probe1.Ref);
        cart1.Tell(new Add(new ItemAddedV1("pear")), probe1.Ref);
        probe1.ExpectMsg<ItemAddedV1>(Patience);
        probe1.ExpectMsg<ItemAddedV1>(Patience);
        Stop(release1);

        // Release 2 reads v1 as v2 and writes v2.
        var release2 = Start(m => m
            .Register<ItemAddedV2>("item-added.v2")
            .RegisterUpcaster("item-added.v1", "item-added.v2", V1ToV2));
        var probe2 = CreateTestProbe(release2);
        var cart2 = release2.ActorOf(Props.Create(() => new Cart(Pid, probe2.Ref)));
        var recovered2 = probe2.ExpectMsg<Recovered>(Patience);
        Assert.Equal([new ItemAddedV2("apple"), new ItemAddedV2("pear")], recovered2.Events);
        Assert.Equal(2, recovered2.LastSequenceNr);
        cart2.Tell(new Add(new ItemAddedV2("plum")), probe2.Ref);
        probe2.ExpectMsg<ItemAddedV2>(Patience);
        Stop(release2);

        // Release 3 reads v1 (two hops) and v2 (one hop) as v3.
        var release3 = Start(m => m
            .Register<ItemAdded>("item-added.v3")
            .RegisterUpcaster("item-added.v1", "item-added.v2", V1ToV2)
            .RegisterUpcaster("item-added.v2", "item-added.v3", V2ToV3));
        var probe3 = CreateTestProbe(release3);
        var cart3 = release3.ActorOf(Props.Create(() => new Cart(Pid, probe3.Ref)));
        var recovered3 = probe3.ExpectMsg<Recovered>(Patience);
        Assert.Equal([new ItemAdded("apple", 1), new ItemAdded("pear", 1), new ItemAdded("plum", 1)], recovered3.Events);
        Assert.Equal(3, recovered3.LastSequenceNr);
        cart3.Tell(new Add(new ItemAdded("fig", 4)), probe3.Ref);
        probe3.ExpectMsg<ItemAdded>(Patience);
        Stop(release3);

        // Stored rows keep the manifest they were written under, with the event serializer's id.
        var rows = SqliteQuery.Rows(_database.Path, "SELECT sequence_nr, manifest, serializer_id FROM event_journal WHERE persistence_id = $1 ORDER BY sequence_nr", Pid);
        Assert.Equal(
            [(1L, "item-added.v1"), (2L, "item-added.v1"), (3L, "item-added.v2"), (4L, "item-added.v3")],
            rows.Select(r => ((long)r[0], (string)r[1])));
        Assert.All(rows, r => Assert.Equal((long)EventJsonSerializer.Id, (long)r[2]));
    }

    [Fact]
    public void A_retired_manifest_without_an_upcaster_fails_recovery_and_stops_the_actor()
    {
        var release1 = Start(m => m.Register<ItemAddedV1>("item-added.v1"));
        var probe1 = CreateTestProbe(release1);
        var cart1 = release1.ActorOf(Props.Create(() => new Cart(Pid, probe1.Ref)));
        probe1.ExpectMsg<Recovered>(Patience);
        cart1.Tell(new Add(new ItemAddedV1("apple")), probe1.Ref);
        probe1.ExpectMsg<ItemAddedV1>(Patience);
        Stop(release1);

        // The upcaster was forgotten: recovery must fail loudly rather than skip the event.
        var release2 = Start(m => m.Register<ItemAddedV2>("item-added.v2"));
        var probe2 = CreateTestProbe(release2);
        var cart2 = release2.ActorOf(Props.Create(() => new Cart(Pid, probe2.Ref)));
        probe2.Watch(cart2);
        var failure = probe2.ExpectMsg<RecoveryFailed>(TimeSpan.FromSeconds(15));
        Assert.Contains("Unknown manifest [item-added.v1]", Flatten(failure.Cause));
        probe2.ExpectTerminated(cart2);
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " / " + Flatten(e.InnerException);

    private ActorSystem Start(Action<EventManifests> register)
    {
        var system = ActorSystem.Create($"release{_systems.Count + 1}", TestConfig(JournalSettings.Sqlite(_database.Path), seed: null));
        _systems.Add(system);
        register(EventSerialization.Get(system).Manifests);
        return system;
    }

    private static void Stop(ActorSystem system) => Assert.True(system.Terminate().Wait(TimeSpan.FromSeconds(15)), "system did not terminate");

    protected override void Dispose(bool disposing)
    {
        foreach (var system in _systems)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(15));
        }
        base.Dispose(disposing);
        _database.Dispose();
    }

    public sealed record RecoveryFailed(Exception Cause);

    /// <summary>Persists whatever it is given; reports what it recovered, or why recovery failed.</summary>
    private sealed class Cart(string persistenceId, IActorRef probe) : PersistentActor
    {
        private readonly List<object> _events = [];

        public override string PersistenceId { get; } = persistenceId;

        protected override bool ReceiveRecover(object message)
        {
            switch (message)
            {
                case RecoveryCompleted:
                    probe.Tell(new Recovered([.. _events], LastSequenceNr));
                    return true;
                case SnapshotOffer:
                    return true;
                default:
                    _events.Add(message);
                    return true;
            }
        }

        protected override bool ReceiveCommand(object message)
        {
            if (message is Add add)
            {
                Persist(add.Event, e => Sender.Tell(e));
                return true;
            }
            return false;
        }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            probe.Tell(new RecoveryFailed(reason));
            base.OnRecoveryFailure(reason, message);
        }
    }
}
