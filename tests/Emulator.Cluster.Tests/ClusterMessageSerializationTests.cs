using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Node.Containers.Network;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;

namespace Emulator.Cluster.Tests;

/// <summary>
/// Every message that crosses processes goes through <see cref="ClusterMessageSerializer"/> (not Akka's catch-all
/// JSON) and comes back equal; and the store answers correctly when every message it sends and receives is
/// serialized (<c>akka.actor.serialize-messages</c>), as it does when it runs in another process.
/// </summary>
public sealed class ClusterMessageSerializationTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config SerializeEverything = ConfigurationFactory.ParseString("""
        akka.actor.serialize-messages = on
        akka.loglevel = WARNING
        """).WithFallback(ClusterMessages.Serialization).WithFallback(JournalSettings.InMemory()).WithFallback(RuntimeConfig.Defaults);

    public ClusterMessageSerializationTests()
        : base(SerializeEverything, "cluster-messages")
    {
        StoreSerialization.Register(EventSerialization.Get(Sys).Manifests);
    }

    /// <summary>A correlation as components use them: a private record of their own.</summary>
    private sealed record Relist(string Node, int Attempt);

    private static JsonObject Pod(string name, string node = "worker-1-node-0") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = "u-" + name, ["resourceVersion"] = "7", ["labels"] = new JsonObject { ["app"] = "web" } },
        ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "nginx" }) },
    };

    private static StoredObject Stored(string name) => StoredObject.From("pods", Pod(name));

    public static TheoryData<string> Messages() => [.. Samples().Select(s => s.GetType().Name).Distinct()];

    private static IEnumerable<object> Samples(IActorRef? actor = null)
    {
        var ownership = new FieldOwnership("kubectl-client-side-apply", "scale", "apps/v1") { Applied = true };
        yield return new CreateObject(ResourceTypes.Pods, Pod("a"), DryRun: true)
        {
            Ownership = ownership,
            Correlation = new Relist("n", 2),
            UserInfo = new JsonObject { ["username"] = "jane", ["groups"] = new JsonArray("dev", "system:authenticated") },
        };
        yield return new UpdateObject(ResourceTypes.Pods, Pod("a"), UpdateScope.Status) { Ownership = ownership, Correlation = "by-string" };
        yield return new DeleteObject(ResourceTypes.Pods, "default", "a", new DeleteOptions(30, "uid-1", "12", "Foreground", true)) { Correlation = 42L };
        yield return new GetObject(ResourceTypes.Nodes, null, "worker-1-node-0");
        yield return new ListObjects(ResourceTypes.Pods, "default", new ObjectSelector("app=web", "spec.nodeName=n1"), 500, ("default", "a")) { Correlation = new StoreRequestToken(12) };
        yield return new ListObjects(ResourceTypes.Namespaces, null, ObjectSelector.Deleting);
        yield return new BindPod("default", "a", "worker-1-node-0", "u-a") { Correlation = new Relist("x", 1) };
        yield return new GetStoreInfo();
        yield return new StoreReply(Stored("a"), null) { Correlation = new Relist("n", 3) };
        yield return new StoreReply(null, ApiStatus.Invalid("Pod", "", "a", [new StatusCause("FieldValueRequired", "Required value", "spec.containers")]) with { RetryAfterSeconds = 3 });
        yield return new ListReply([Stored("a"), Stored("b")], 99, 4) { Correlation = new Relist("n", 4) };
        yield return new StoreRequestToken(7);
        yield return new StoreInfo(Guid.Parse("0d9b0e8e-4b73-4c55-8d9c-1f0f0a7c9a11"), 10, 1, 120);
        yield return new WatchEvent(WatchEventType.Modified, Stored("a"), Stored("a"));
        yield return new ReadContainerLog("worker-1-node-0", "default", "a", "c", Previous: true, TailLines: 10, Timestamps: true);
        yield return new ContainerLogReply("line 1\nline 2\n", null) { Running = true, TotalLines = 2 };
        yield return new StopNode("worker-1-node-0");
        yield return new StartNode("worker-1-node-0");
        yield return new ListHostedNodes();
        yield return new HostedNodes([("worker-1-node-0", true), ("worker-1-node-1", false)]);
        yield return new NodeCommandReply(true, "node worker-1-node-0 stopped");
        yield return new ReadNodeUsage("worker-1-node-0", new Relist("usage", 1));
        yield return new NodeUsage("worker-1-node-0", DateTimeOffset.Parse("2026-01-01T00:00:05Z", System.Globalization.CultureInfo.InvariantCulture), 1_000_000, 2_000_000,
            [new PodUsage("default", "a", "u-a", [new ContainerUsage("c", DateTimeOffset.Parse("2026-01-01T00:00:01Z", System.Globalization.CultureInfo.InvariantCulture), 5, 6)])])
        { Correlation = new Relist("usage", 1) };
        yield return new NodeUsageUnavailable("worker-1-node-0", "node stopped") { Correlation = new Relist("usage", 2) };
        var client = actor ?? ActorRefs.Nobody;
        yield return new BridgeOpen(new OpenContainerStream("worker-1-node-0", "default", "a", "c", ["sh", "-c", "echo hi"], true, true, false, true, client), null);
        yield return new BridgeOpen(null, new OpenPodConnection("worker-1-node-0", "default", "a", 80, "7", client) { PodUid = "u-a" });
        yield return new BridgeFrame(3, new ContainerOutput(2, [0, 1, 2, 255]));
        yield return new BridgeFrame(4, new ContainerStreamEnded(3));
        yield return new BridgeAck(4);
        yield return new BridgeEnd("connection reset by peer");
        yield return new OpenContainerStream("worker-1-node-0", "default", "a", "", [], true, true, true, false, client);
        yield return new OpenPodConnection("worker-1-node-0", "default", "a", 8080, "8", client) { SourceAddress = "10.244.1.5" };
        yield return new ContainerStreamOpened(client);
        yield return new ContainerStreamRefused(new ApiStatus(404, "NotFound", "container not found (\"c\")"));
        yield return new ContainerStdin([104, 105, 10]);
        yield return new ContainerStdinClosed();
        yield return new TerminalResize(80, 24);
        yield return new CloseContainerStream(client);
        yield return new ContainerOutput(1, [104, 105, 10]);
        yield return new ContainerStreamEnded(null, "the container's session was lost");
        yield return new PodConnectionOpened("7", client);
        yield return new PodConnectionRefused("7", PodConnectionRefusal.ConnectionRefused, "dial tcp4 127.0.0.1:81: connect: connection refused");
        yield return new PodConnectionData("7", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"));
        yield return new PodConnectionWriteClosed("7");
        yield return new PodConnectionClosed("7", "connection reset by peer");
        yield return new PodRoutesSequence(12);
        yield return new PodRoutesWanted();
        yield return new PodRoutesAnnounced(true, 12, [
            new AnnouncedPodRoute("10.244.1.5", "default", "a", "worker-1-node-0",
                [new EmulatedServerDescription(ServerFlavor.HttpEcho, [5678], "a", "10.244.1.5", "hello", "1.0"), new EmulatedServerDescription(ServerFlavor.Nginx, [80], "a", "10.244.1.5", "", "1.27.3")]),
            new AnnouncedPodRoute("10.244.1.6", null, null, null, null),
        ]);
    }

    [Fact]
    public void Every_cluster_message_has_a_sample_here()
    {
        Assert.Equal(ClusterMessages.All.OrderBy(t => t.Name), Samples().Select(s => s.GetType()).Distinct().OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_cluster_serializer(string typeName)
    {
        foreach (var message in Samples(TestActor).Where(s => s.GetType().Name == typeName))
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<ClusterMessageSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            var bytes = serializer.ToBinary(message);
            var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(message.GetType(), back);
            // Records holding JSON trees or stored objects compare by reference: compare their serialized forms, and
            // the parts that records compare by value.
            Assert.Equal(bytes, serializer.ToBinary(back));
            Assert.Equal(Correlation(message), Correlation(back));
        }
    }

    private static object? Correlation(object message) => message switch
    {
        StoreCommand command => command.Correlation,
        StoreReply reply => reply.Correlation,
        ListReply reply => reply.Correlation,
        ReadNodeUsage read => read.Correlation,
        NodeUsage usage => usage.Correlation,
        NodeUsageUnavailable unavailable => unavailable.Correlation,
        _ => null,
    };

    [Fact]
    public void A_stored_object_arrives_indexed()
    {
        var change = new WatchEvent(WatchEventType.Added, Stored("a"));
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(change);
        var back = (WatchEvent)serializer.FromBinary(serializer.ToBinary(change), ClusterMessages.ManifestOf(typeof(WatchEvent)));
        Assert.Equal(("pods", "default", "a", "u-a", 7L), (back.Object.Resource, back.Object.Namespace, back.Object.Name, back.Object.Uid, back.ResourceVersion));
        Assert.Equal("web", back.Object.Labels["app"]);
        Assert.Null(back.Previous);
    }

    [Fact]
    public async Task The_store_answers_with_every_message_serialized()
    {
        var hub = CreateTestProbe();
        var store = Sys.ActorOf(Props.Create(() => new ApiStore(KubernetesAdmission.Default, hub.Ref, 50_000)), "api-store");
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "default" } };
        store.Tell(new CreateObject(ResourceTypes.Namespaces, ns) { Correlation = new Relist("ns", 1) }, TestActor);
        Assert.Equal(new Relist("ns", 1), ExpectMsg<StoreReply>(TimeSpan.FromSeconds(10)).Correlation);
        var pod = Pod("a");
        pod["metadata"]!.AsObject().Remove("uid");
        pod["metadata"]!.AsObject().Remove("resourceVersion");
        var created = await store.Ask<StoreReply>(new CreateObject(ResourceTypes.Pods, pod), TimeSpan.FromSeconds(10));
        Assert.True(created.IsSuccess, created.Error?.Message);
        var other = Pod("b", "worker-2-node-0");
        other["metadata"]!.AsObject().Remove("uid");
        other["metadata"]!.AsObject().Remove("resourceVersion");
        Assert.True((await store.Ask<StoreReply>(new CreateObject(ResourceTypes.Pods, other), TimeSpan.FromSeconds(10))).IsSuccess);
        // The selector travels as data and the store evaluates it.
        store.Tell(new ListObjects(ResourceTypes.Pods, null, new ObjectSelector(Fields: "spec.nodeName=worker-2-node-0")) { Correlation = new Relist("list", 1) }, TestActor);
        var listed = ExpectMsg<ListReply>(TimeSpan.FromSeconds(10));
        Assert.Equal(["b"], listed.Items.Select(i => i.Name));
        Assert.Equal(new Relist("list", 1), listed.Correlation);
        var change = hub.FishForMessage<WatchEvent>(e => e.Object.Name == "b", TimeSpan.FromSeconds(10));
        Assert.Equal(WatchEventType.Added, change.Type);
        Assert.Equal(created.Object!.ResourceVersion + 1, change.ResourceVersion);
    }

    [Fact]
    public async Task A_correlation_that_cannot_travel_stays_with_the_store_client()
    {
        // Components talk to their member's client locally, unserialized; the client's hop to the store is serialized.
        var plain = ActorSystem.Create("plain", ClusterMessages.Serialization.WithFallback(JournalSettings.InMemory()).WithFallback(RuntimeConfig.Defaults));
        try
        {
            StoreSerialization.Register(EventSerialization.Get(plain).Manifests);
            var store = plain.ActorOf(Props.Create(() => new ApiStore(KubernetesAdmission.Default, ActorRefs.Nobody, 50_000)), "api-store");
            var remote = plain.ActorOf(Props.Create(() => new SerializingLink(store)), "link");
            var client = plain.ActorOf(Props.Create(() => new StoreClient(remote)), "store-client");
            // A parsed object, as the scheduler keeps in its binding's correlation: it is not serializable, and need not be.
            var local = new JsonObject { ["parsed"] = true };
            var reply = await client.Ask<StoreReply>(new GetObject(ResourceTypes.Namespaces, null, "missing") { Correlation = local }, TimeSpan.FromSeconds(10));
            Assert.Same(local, reply.Correlation);
            Assert.Equal(404, reply.Error!.Code);
            Assert.Same(local, (await client.Ask<ListReply>(new ListObjects(ResourceTypes.Namespaces, null) { Correlation = local }, TimeSpan.FromSeconds(10))).Correlation);
            Assert.NotEqual(Guid.Empty, (await client.Ask<StoreInfo>(new GetStoreInfo(), TimeSpan.FromSeconds(10))).Incarnation);
        }
        finally
        {
            await plain.Terminate();
        }
    }

    /// <summary>Stands for the network between a member and the store: every message through it is serialized and read back.</summary>
    private sealed class SerializingLink : ReceiveActor
    {
        public SerializingLink(IActorRef store)
        {
            var serialization = Context.System.Serialization;
            object Across(object message)
            {
                var serializer = serialization.FindSerializerFor(message);
                Assert.IsType<ClusterMessageSerializer>(serializer);
                return serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
            }
            ReceiveAny(message =>
            {
                if (Sender.Equals(store))
                {
                    return;
                }
                var caller = Sender;
                var reply = store.Ask(Across(message), TimeSpan.FromSeconds(10)).Result;
                caller.Tell(Across(reply));
            });
        }
    }
}
