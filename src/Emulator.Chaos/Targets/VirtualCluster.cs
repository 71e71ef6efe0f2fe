using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
using Emulator.Cluster;
using Emulator.ControlPlane;
using Emulator.ControlPlane.Admission;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Metrics;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Management;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;
using Emulator.Runtime.Serialization;
using Emulator.Runtime.Time;

namespace Emulator.Chaos.Targets;

/// <summary>
/// A whole cluster in this process — the API store, the watch hub, every controller of the controller manager, the
/// emulated nodes — on virtual time and the seeded deterministic dispatcher, with an in-memory journal: the same
/// experiment with the same seed makes the same run. The store generates names and uids from the seed too.
/// </summary>
public sealed class VirtualCluster : IChaosTarget
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private const string LedgerName = "chaos-ledger";

    // Supervisors start stopped actors again after a backoff on the wall clock, while virtual time waits (see
    // KillActorAsync): short backoffs keep a run of many kills fast; the run does not depend on their length.
    private static readonly (TimeSpan Min, TimeSpan Max) RestartBackoff = (TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100));

    private readonly ActorSystem _system;
    private readonly VirtualRun _run;
    private readonly IActorRef _store;
    private readonly IActorRef _nodes;

    private VirtualCluster(ActorSystem system, VirtualRun run, IActorRef store, IActorRef nodes)
    {
        _system = system;
        _run = run;
        _store = store;
        _nodes = nodes;
    }

    /// <inheritdoc />
    public bool IsReplayable => true;

    /// <summary>The actor system the cluster runs in.</summary>
    public ActorSystem System => _system;

    /// <summary>Starts a cluster of <paramref name="nodes"/> nodes on <paramref name="seed"/> and waits until they are Ready.</summary>
    public static async Task<VirtualCluster> StartAsync(int nodes, int seed)
    {
        var config = EmulatedTime.VirtualConfig()
            .WithFallback(JournalSettings.InMemory())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.log-dead-letters = off"))
            .WithFallback(RuntimeConfig.Deterministic(seed));
        var system = ActorSystem.Create("emulator", config);
        try
        {
            var run = new VirtualRun(system, TimeSpan.FromSeconds(30));
            var manifests = EventSerialization.Get(system).Manifests;
            StoreSerialization.Register(manifests);
            ContainerRuntimeSerialization.Register(manifests);
            var hub = system.ActorOf(Props.Create(() => new WatchHub(50_000)), "watch-hub");
            // As in the cluster: a store that stops comes back after a backoff and recovers from the journal.
            var store = system.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
                Props.Create(() => new ApiStore(KubernetesAdmission.Default, hub, 50_000, seed)), "api-store",
                RestartBackoff.Min, RestartBackoff.Max, 0.2, maxNrOfRetries: -1)), "api-store");
            var events = system.ActorOf(Props.Create(() => new EventRecorder(store)), "event-recorder");
            var host = system.ActorOf(Props.Create(() => new NodeHost(new NodeHostOptions(nodes, "node-", "4", "16Gi", 110, null, "emulator", null, 1), store, hub, events)), "nodes");
            var metrics = system.ActorOf(Props.Create(() => new MetricsServer(store, host, null)), "metrics-server");
            var kinds = KindRegistry.Default.Kinds;
            var options = new KubeControllerManagerOptions(store, hub, events, metrics, kinds.Select(ResourceTypes.Of).DistinctBy(t => t.Key).ToArray(),
                RootCaCertPublisher.CreateSelfSignedCa(), "10.96.0.1", 443, kinds.Select(k => (k.Group, k.Version)).Distinct().ToArray(), RestartBackoff);
            system.ActorOf(Props.Create(() => new ControllerManager(manager => KubeControllerManager.Start(manager, options))), "controller-manager");
            var cluster = new VirtualCluster(system, run, store, host);
            await cluster.WaitForNodesAsync(nodes);
            return cluster;
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    private async Task WaitForNodesAsync(int count)
    {
        for (var waited = 0; waited < 300; waited++)
        {
            var nodes = await ListAsync("nodes");
            if (nodes.Count(Invariants.ObjectState.IsNodeReady) >= count)
            {
                return;
            }
            _run.Advance(TimeSpan.FromSeconds(1));
        }
        throw new InvalidOperationException($"the virtual cluster's {count} nodes did not become Ready within 300 emulated seconds");
    }

    /// <inheritdoc />
    public Task<DateTimeOffset> NowAsync() => Task.FromResult(EmulatedTime.Get(_system).Clock.UtcNow);

    /// <inheritdoc />
    public Task AdvanceAsync(TimeSpan by)
    {
        _run.Advance(by);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ApplyAsync(string manifest)
    {
        // One object at a time, the actors settled in between: a write that arrived while the actors still reacted to the
        // previous one would land at a point that depends on the wall clock, and the run would not replay.
        var lines = new List<string>();
        foreach (var obj in ManifestReader.ReadObjects(manifest).OrderBy(o => o.Kind == "Namespace" ? 0 : 1))
        {
            lines.AddRange(await Settled(ManifestApplier.ApplyTextAsync(_store, obj.Document.ToJsonString(), "manifest", AskTimeout)));
        }
        return lines;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string resource)
    {
        var kind = KindRegistry.Default.FindByAnyName(resource) ?? throw new ArgumentException($"unknown resource {resource}", nameof(resource));
        var reply = await Settled(_store.Ask<ListReply>(new ListObjects(ResourceTypes.Of(kind), null), AskTimeout));
        return reply.Items.Select(i => i.ToJsonObject()).ToArray();
    }

    /// <inheritdoc />
    public async Task<long?> WriteLedgerAsync(long value)
    {
        var configMaps = ResourceTypes.Of("", "configmaps");
        var current = await Settled(_store.Ask<StoreReply>(new GetObject(configMaps, "default", LedgerName), AskTimeout));
        var data = new JsonObject { ["value"] = value.ToString(CultureInfo.InvariantCulture) };
        StoreCommand command = current.Object is { } live
            ? new UpdateObject(configMaps, WithData(live.ToJsonObject(), data))
            : new CreateObject(configMaps, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = LedgerName, ["namespace"] = "default" }, ["data"] = data });
        try
        {
            var reply = await Settled(_store.Ask<StoreReply>(command, AskTimeout));
            return reply.Object?.ResourceVersion;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static JsonObject WithData(JsonObject obj, JsonObject data)
    {
        obj["data"] = data;
        return obj;
    }

    /// <inheritdoc />
    public async Task<(long Value, long ResourceVersion)?> ReadLedgerAsync()
    {
        var reply = await Settled(_store.Ask<StoreReply>(new GetObject(ResourceTypes.Of("", "configmaps"), "default", LedgerName), AskTimeout));
        return reply.Object is { } ledger && ledger.ToJsonObject()["data"]?["value"]?.GetValue<string>() is { } value
            ? (long.Parse(value, CultureInfo.InvariantCulture), ledger.ResourceVersion)
            : null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FindActorsAsync(string pattern, int member) =>
        Task.FromResult<IReadOnlyList<string>>(ActorTree.Find(_system, pattern).Select(a => a.Path.ToStringWithoutAddress()).ToArray());

    /// <inheritdoc />
    public async Task KillActorAsync(string path, bool stop, int member)
    {
        var target = ActorTree.Find(_system, path).FirstOrDefault();
        if (target is null)
        {
            return;
        }
        if (stop)
        {
            _system.Stop(target);
        }
        else
        {
            target.Tell(Kill.Instance, ActorRefs.NoSender);
        }
        _run.Settle();
        // A killed actor is stopped (Akka's default decider); under a backoff supervisor it starts again after a backoff on
        // the wall clock: virtual time waits for the new incarnation, so the run does not depend on how long that took.
        // (Other parents restart on emulated time, as a node agent restarts its kubelet, or not at all.)
        var parent = ActorTree.Find(_system, target.Path.Parent.ToStringWithoutAddress()).FirstOrDefault();
        if (parent is ActorRefWithCell { Underlying: { } cell } && cell.Props.Type == typeof(BackoffSupervisor))
        {
            await WaitUntil(() => ActorTree.Find(_system, path).Any(a => !a.Equals(target)), TimeSpan.FromSeconds(15));
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> NodesAsync(int member)
    {
        var hosted = await Settled(_nodes.Ask<HostedNodes>(new ListHostedNodes(), AskTimeout));
        return hosted.Nodes.Select(n => n.Name).ToArray();
    }

    /// <inheritdoc />
    public async Task SetNodeRunningAsync(string name, bool running, int member)
    {
        await Settled(_nodes.Ask<NodeCommandReply>(running ? new StartNode(name) : new StopNode(name), AskTimeout));
    }

    /// <inheritdoc />
    public Task SetPartitionedAsync(string address, bool cut, int member) =>
        throw new NotSupportedException("a virtual cluster is one process: there is no link to cut");

    // Lets the actors run while a request is answered, and after it (what the reply set off settles too).
    private async Task<T> Settled<T>(Task<T> request)
    {
        while (!request.IsCompleted)
        {
            _run.Settle();
            await Task.WhenAny(request, Task.Delay(1));
        }
        _run.Settle();
        return await request;
    }

    private async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        _run.Settle();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _system.Terminate();
}
