using System.Text.Json;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Microsoft.Data.Sqlite;

namespace Emulator.Node.Tests;

/// <summary>
/// The container runtime's journal as it is stored: Akka's in-memory journal keeps events as objects, so this runs on a SQLite
/// journal in a temporary file, where every event goes through the event serializer and its stable manifests.
/// </summary>
public sealed class KubeletJournalTests : NodeTestKit
{
    private readonly string _database;

    public KubeletJournalTests()
        : this(Path.Combine(Path.GetTempPath(), $"emulator-node-tests-{Guid.NewGuid():N}.db"))
    {
    }

    private KubeletJournalTests(string database)
        : base(JournalSettings.Sqlite(database))
    {
        _database = database;
    }

    [Fact]
    public void A_restarted_node_adopts_its_pods_and_images_from_the_stored_journal()
    {
        // The first recovery on a new database also creates its tables and loads the SQL plugin: on a busy machine that
        // takes longer than a single expectation waits, so the store gets its own (real-time) allowance once.
        Store.Tell(new GetObject(ResourceTypes.Namespaces, null, "default"), TestActor);
        Assert.True(ExpectMsg<StoreReply>(TimeSpan.FromSeconds(30)).IsSuccess);
        StartHost();
        CreatePod(container: Container("app", "busybox:1.36", "echo started; sleep 3600"));
        CreatePod("crash", Container("app", "busybox:1.36", "echo x; sleep 5; exit 1"));
        Run(TimeSpan.FromSeconds(18));
        AwaitAssert(() => Assert.Equal(1, RestartCount(Pod("crash"))));
        var before = ContainerStatus(Pod()).DeepClone().AsObject();
        var pulls = EventMessages().Count(m => m == "Pulling: Pulling image \"busybox:1.36\"");

        Host.Tell(new StopNode("node-1"), TestActor);
        ExpectMsg<NodeCommandReply>();
        Run(TimeSpan.FromSeconds(2));
        Host.Tell(new StartNode("node-1"), TestActor);
        ExpectMsg<NodeCommandReply>();
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            Assert.True(JsonTree.DeepEquals(before, ContainerStatus(Pod())), ContainerStatus(Pod()).ToJsonString());
            Assert.True(RestartCount(Pod("crash")) >= 1);
            Assert.Equal("started\n", Logs().Text);
        });
        // The image pulled before the restart is still on the node: no second pull.
        CreatePod("second", Container("app", "busybox:1.36", "sleep 3600"));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod("second"))));
        Assert.Equal(pulls, EventMessages().Count(m => m == "Pulling: Pulling image \"busybox:1.36\""));
        Assert.Contains(EventMessages(), m => m == "Pulled: Container image \"busybox:1.36\" already present on machine");

        // What made that possible is in the database: the host's container runtime journal, written by the event
        // serializer under the runtime's manifests.
        var rows = StoredRows("container-runtime-local");
        Assert.All(rows, row => Assert.Equal(EventJsonSerializer.Id, row.SerializerId));
        var manifests = rows.Select(r => r.Manifest).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("kubelet.pod-admitted.v1", manifests);
        Assert.Contains("kubelet.container-recorded.v1", manifests);
        Assert.Contains("kubelet.image-pulled.v1", manifests);
    }

    [Fact]
    public void A_restarted_container_runtime_recovers_every_node_from_its_journal()
    {
        Store.Tell(new GetObject(ResourceTypes.Namespaces, null, "default"), TestActor);
        Assert.True(ExpectMsg<StoreReply>(TimeSpan.FromSeconds(30)).IsSuccess);
        StartHost(nodes: 2, pullDelay: TimeSpan.Zero);
        CreatePod("one", Container("app", "busybox:1.36", "sleep 3600"));
        CreatePod("crash", Container("app", "busybox:1.36", "echo x; sleep 5; exit 1"), node: "node-2");
        Run(TimeSpan.FromSeconds(16));
        AwaitAssert(() => Assert.Equal(1, RestartCount(Pod("crash"))));
        var started = JsonTree.GetString(ContainerStatus(Pod("one")), "state", "running", "startedAt");

        // The runtime loses its memory (its actor restarts and recovers from the SQLite journal), then both kubelets
        // restart and recall their nodes from it: the pods are adopted, not started again.
        Sys.ActorSelection("/user/nodes/container-runtime-supervisor/container-runtime").Tell(Kill.Instance, TestActor);
        Run(TimeSpan.FromSeconds(1));
        foreach (var node in new[] { "node-1", "node-2" })
        {
            Host.Tell(new StopNode(node), TestActor);
            ExpectMsg<NodeCommandReply>();
        }
        Run(TimeSpan.FromSeconds(2));
        foreach (var node in new[] { "node-1", "node-2" })
        {
            Host.Tell(new StartNode(node), TestActor);
            ExpectMsg<NodeCommandReply>();
        }
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            Assert.Equal(started, JsonTree.GetString(ContainerStatus(Pod("one")), "state", "running", "startedAt"));
            Assert.Equal(0, RestartCount(Pod("one")));
            Assert.True(RestartCount(Pod("crash")) >= 1);
        });
    }

    private List<(string Manifest, long SerializerId)> StoredRows(string persistenceId)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // Akka.Persistence.Sql's SQLite table mapping.
        command.CommandText = "SELECT manifest, serializer_id FROM event_journal WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$id", persistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return rows;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _database, _database + "-wal", _database + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // A file still held open is left to the temp directory's cleanup.
            }
        }
    }
}

/// <summary>The container runtime's journal types are written by the event serializer under their stable manifests.</summary>
public sealed class KubeletSerializationTests : NodeTestKit
{
    [Fact]
    public void Journal_types_keep_their_manifests_and_round_trip()
    {
        // Once the store has answered, persistence (and everything it loaded into the configuration) is running.
        Assert.True(Send(new GetObject(ResourceTypes.Namespaces, null, "default")).IsSuccess);
        var started = new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);
        var run = new ContainerRun("containerd://abc", started, started.AddSeconds(5), 1, "Error");
        var container = new ContainerRecord("app", false, 2, run with { FinishedAt = null, ExitCode = null, Reason = null }, run);
        var pod = new PodRecord("uid-1", "default", "web", "10.244.1.2", started, new Dictionary<string, ContainerRecord> { ["app"] = container });
        var cases = new (object Value, string Manifest)[]
        {
            (new PodAdmitted("uid-1", "default", "web", "10.244.1.2", started) { Node = "node-1" }, "kubelet.pod-admitted.v1"),
            (new ContainerRecorded("uid-1", container), "kubelet.container-recorded.v1"),
            (new PodForgotten("uid-1"), "kubelet.pod-forgotten.v1"),
            (new ImagePulled("busybox:1.36"), "kubelet.image-pulled.v1"),
            (new ContainerRuntimeSnapshot([new NodeRuntimeState("node-1", [pod], ["busybox:1.36"])]), "container-runtime.snapshot.v1"),
        };
        foreach (var (value, manifest) in cases)
        {
            var serializer = Sys.Serialization.FindSerializerFor(value);
            Assert.IsType<EventJsonSerializer>(serializer);
            Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, value));
            var copy = Sys.Serialization.Deserialize(serializer.ToBinary(value), serializer.Identifier, manifest);
            Assert.IsType(value.GetType(), copy);
            Assert.Equal(Json(value), Json(copy));
        }
        var snapshot = (ContainerRuntimeSnapshot)Sys.Serialization.Deserialize(
            Sys.Serialization.FindSerializerFor(cases[^1].Value).ToBinary(cases[^1].Value), EventJsonSerializer.Id, "container-runtime.snapshot.v1");
        var node = Assert.Single(snapshot.Nodes);
        var recovered = Assert.Single(node.Pods).Containers["app"];
        Assert.True(recovered.Current!.IsRunning);
        Assert.Equal(2, recovered.RestartCount);
        Assert.Equal(["busybox:1.36"], node.Images);
        // Rows written before events carried their node still read, as events of no node.
        var old = Sys.Serialization.Deserialize("{\"podUid\":\"uid-1\"}"u8.ToArray(), EventJsonSerializer.Id, "kubelet.pod-forgotten.v1");
        Assert.Null(Assert.IsType<PodForgotten>(old).Node);
    }

    private string Json(object value) => JsonSerializer.Serialize(value, value.GetType(), Manifests.Options);
}
