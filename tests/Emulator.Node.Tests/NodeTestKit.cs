using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.NodeIpam;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Runtime.Serialization;
using Emulator.TestKit;
using Xunit.Abstractions;

namespace Emulator.Node.Tests;

/// <summary>A deterministic system on virtual time with an API store, watch hub, event recorder and one node host.</summary>
public abstract class NodeTestKit : EmulatorTestKit
{
    /// <summary>The default test system: virtual time, deterministic dispatcher (seed 0), in-memory journal.</summary>
    protected NodeTestKit(Config? config = null, ITestOutputHelper? output = null)
        : base(config, output)
    {
        StoreSerialization.Register(Manifests);
        ContainerRuntimeSerialization.Register(Manifests);
        Hub = Sys.ActorOf(Props.Create(() => new WatchHub(10_000)), "watch-hub");
        Store = Sys.ActorOf(Props.Create(() => new ApiStore(AdmitAll.Instance, Hub, 50_000)), "api-store");
        Events = Sys.ActorOf(Props.Create(() => new EventRecorder(Store)), "events");
        // kube-controller-manager's node IPAM: the kubelets take pod IPs from the CIDR it gives their Node.
        Sys.ActorOf(Props.Create(() => new NodeIpamController(Store, Hub, Events, null)), "node-ipam-controller");
    }

    protected IActorRef Hub { get; }

    protected IActorRef Store { get; }

    protected IActorRef Events { get; }

    protected IActorRef Host { get; private set; } = null!;

    /// <summary>Starts the node host; <paramref name="store"/> stands between its kubelets and <see cref="Store"/> when given.</summary>
    protected IActorRef StartHost(int nodes = 1, TimeSpan? pullDelay = null, IActorRef? store = null)
    {
        var options = new NodeHostOptions(NodeCount: nodes, ImagePullDelay: pullDelay ?? TimeSpan.FromSeconds(2));
        var kubeletStore = store ?? Store;
        Host = Sys.ActorOf(Props.Create(() => new NodeHost(options, kubeletStore, Hub, Events)), "nodes");
        AwaitAssert(() => Assert.True(Send(new GetObject(ResourceTypes.Nodes, null, "node-1")).IsSuccess));
        return Host;
    }

    protected StoreReply Send(object command)
    {
        Store.Tell(command, TestActor);
        return ExpectMsg<StoreReply>();
    }

    protected StoredObject Ok(object command)
    {
        var reply = Send(command);
        Assert.True(reply.IsSuccess, reply.Error?.Message);
        return reply.Object!;
    }

    protected KubeObject Get(ResourceType type, string? ns, string name) => new(Ok(new GetObject(type, ns, name)).ToJsonObject());

    protected KubeObject Pod(string name = "web") => Get(ResourceTypes.Pods, "default", name);

    protected static JsonObject Container(string name = "app", string image = "nginx:1.27", params string[] shell)
    {
        var container = new JsonObject { ["name"] = name, ["image"] = image };
        if (shell.Length > 0)
        {
            container["command"] = new JsonArray("sh", "-c");
            container["args"] = new JsonArray(shell.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
        }
        return container;
    }

    protected KubeObject CreatePod(string name = "web", JsonObject? container = null, string? restartPolicy = null, JsonArray? initContainers = null,
        Dictionary<string, string>? annotations = null, string node = "node-1")
    {
        var spec = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(container ?? Container()) };
        if (restartPolicy is not null)
        {
            spec["restartPolicy"] = restartPolicy;
        }
        if (initContainers is not null)
        {
            spec["initContainers"] = initContainers;
        }
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (annotations is not null)
        {
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
        }
        return new KubeObject(Ok(new CreateObject(ResourceTypes.Pods, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec })).ToJsonObject());
    }

    protected static string? Phase(KubeObject pod) => JsonTree.GetString(pod.Document, "status", "phase");

    protected static JsonObject ContainerStatus(KubeObject pod, string name = "app", string field = "containerStatuses") =>
        JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", field)).Single(c => JsonTree.GetString(c, "name") == name);

    protected static JsonObject Condition(KubeObject pod, string type) =>
        JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "conditions")).Single(c => JsonTree.GetString(c, "type") == type);

    protected static string? Waiting(KubeObject pod, string name = "app") => JsonTree.GetString(ContainerStatus(pod, name), "state", "waiting", "reason");

    protected static long RestartCount(KubeObject pod, string name = "app") => JsonTree.GetInt(ContainerStatus(pod, name), "restartCount") ?? -1;

    protected ContainerLogReply Logs(string pod = "web", bool previous = false, string? container = null, int? tail = null)
    {
        Host.Tell(new ReadContainerLog("node-1", "default", pod, container, previous, tail), TestActor);
        return ExpectMsg<ContainerLogReply>();
    }

    /// <summary>
    /// Moves the virtual clock by <paramref name="duration"/>: every timer fires at its due time and the actors settle
    /// (store replies, journal writes, status updates included) after each one, as <see cref="EmulatorTestKit.Advance"/> does.
    /// </summary>
    protected void Run(TimeSpan duration)
    {
        Advance(duration);
        RunUntilIdleIfDeterministic();
    }

    /// <summary>The events recorded so far, as <c>Reason: message</c>.</summary>
    protected List<string> EventMessages()
    {
        Store.Tell(new ListObjects(ResourceTypes.Events, null), TestActor);
        return ExpectMsg<ListReply>().Items.Select(e => e.ToJsonObject())
            .Select(e => $"{JsonTree.GetString(e, "reason")}: {JsonTree.GetString(e, "message")}").ToList();
    }

    /// <summary>The emulated time (Akka's <c>TestKitBase.Now</c> is the wall clock, which the emulated world does not follow).</summary>
    protected new DateTimeOffset Now => Clock.UtcNow;
}
