using System.Text;
using System.Text.Json.Nodes;
using Akka.Persistence;
using Emulator.ControlPlane.Store;

namespace Emulator.ControlPlane.Tests;

/// <summary>Snapshots, recovery and the journal types' serialization, through Akka.Persistence (in-memory plugins).</summary>
public sealed class ApiStoreDurabilityTests() : ApiStoreTestKit(snapshotEvery: 5)
{
    [Fact]
    public void A_restarted_store_recovers_from_its_latest_snapshot_and_the_events_after_it()
    {
        for (var i = 0; i < 12; i++)
        {
            Ok(new CreateObject(Pods, Pod($"p{i:00}")));
        }
        var changed = Ok(new GetObject(Pods, "default", "p03")).ToJsonObject();
        changed["metadata"]!["labels"] = new JsonObject { ["changed"] = "yes" };
        Ok(new UpdateObject(Pods, changed));
        Ok(new DeleteObject(Pods, "default", "p07", new DeleteOptions()));
        var before = Request<ListReply>(new ListObjects(Pods, null));

        // Four system namespaces and twelve creates: snapshots at events 5, 10 and 15, each replacing the one before.
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        AwaitAssert(() =>
        {
            snapshots.Tell(new LoadSnapshot("api-store", SnapshotSelectionCriteria.Latest, long.MaxValue), TestActor);
            var latest = ExpectMsg<LoadSnapshotResult>().Snapshot;
            Assert.NotNull(latest);
            Assert.IsType<StoreSnapshot>(latest.Snapshot);
            Assert.Equal(15, latest.Metadata.SequenceNr);
            snapshots.Tell(new LoadSnapshot("api-store", new SnapshotSelectionCriteria(latest.Metadata.SequenceNr - 1, DateTime.MaxValue), long.MaxValue), TestActor);
            Assert.Null(ExpectMsg<LoadSnapshotResult>().Snapshot);
        });

        Watch(Store);
        Sys.Stop(Store);
        ExpectTerminated(Store);
        Store = StartStore("api-store-2");
        var after = Request<ListReply>(new ListObjects(Pods, null));
        Assert.Equal(before.ResourceVersion, after.ResourceVersion);
        Assert.Equal(before.Items.Select(o => (o.Name, o.ResourceVersion, Encoding.UTF8.GetString(o.Json))),
            after.Items.Select(o => (o.Name, o.ResourceVersion, Encoding.UTF8.GetString(o.Json))));
        Assert.Equal(404, Send(new GetObject(Pods, "default", "p07")).Error!.Code);
        Assert.Equal("yes", Ok(new GetObject(Pods, "default", "p03")).Labels["changed"]);
        Assert.Equal(before.ResourceVersion + 1, Ok(new CreateObject(Pods, Pod("next"))).ResourceVersion);
    }

    [Fact]
    public void Journal_events_and_snapshots_round_trip_through_their_registered_manifests()
    {
        var json = Encoding.UTF8.GetBytes("""{"metadata":{"name":"a","namespace":"default","resourceVersion":"7"}}""");
        var values = new object[]
        {
            new ObjectStored("pods", json),
            new ObjectRemoved("pods", "default", "a"),
            new ObjectRemoved("nodes", null, "n1"),
            new StoreSnapshot(["pods", "nodes"], [json, Encoding.UTF8.GetBytes("""{"metadata":{"name":"n1"}}""")]),
        };
        Assert.Equal(["api-store.object-stored.v2", "api-store.object-removed.v1", "api-store.object-removed.v1", "api-store.snapshot.v1"],
            values.Select(v => Manifests.ManifestOf(v.GetType())));
        foreach (var value in values)
        {
            // What Akka.Persistence's journals and snapshot stores do: find the serializer bound to the type, keep the manifest.
            var serializer = Sys.Serialization.FindSerializerFor(value);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, value);
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(value), serializer.Identifier, manifest);
            switch (value)
            {
                case ObjectStored stored:
                    var storedBack = Assert.IsType<ObjectStored>(back);
                    Assert.Equal(stored.Resource, storedBack.Resource);
                    Assert.Equal(stored.Json, storedBack.Json);
                    break;
                case StoreSnapshot snapshot:
                    var snapshotBack = Assert.IsType<StoreSnapshot>(back);
                    Assert.Equal(snapshot.Resources, snapshotBack.Resources);
                    Assert.Equal(snapshot.Objects, snapshotBack.Objects);
                    break;
                default:
                    Assert.Equal(value, back);
                    break;
            }
        }
    }

    [Fact]
    public void An_object_stored_event_embeds_the_object_and_events_written_with_base64_still_read()
    {
        var json = Encoding.UTF8.GetBytes("""{"metadata":{"name":"a","namespace":"default","resourceVersion":"7"},"data":{"k":"v"}}""");
        var (manifest, payload) = Manifests.Serialize(new ObjectStored("configmaps", json));
        Assert.Equal("api-store.object-stored.v2", manifest);
        Assert.Equal("""{"resource":"configmaps","json":{"metadata":{"name":"a","namespace":"default","resourceVersion":"7"},"data":{"k":"v"}}}""",
            Encoding.UTF8.GetString(payload));
        Assert.Equal(json, Assert.IsType<ObjectStored>(Manifests.Deserialize(manifest, payload)).Json);

        // A journal written before the object was embedded carries it as base64 under the retired manifest.
        var v1 = Encoding.UTF8.GetBytes($$"""{"resource":"configmaps","json":"{{Convert.ToBase64String(json)}}"}""");
        var upcast = Assert.IsType<ObjectStored>(Manifests.Deserialize("api-store.object-stored.v1", v1));
        Assert.Equal("configmaps", upcast.Resource);
        Assert.Equal(json, upcast.Json);
    }
}
