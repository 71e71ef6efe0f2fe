using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Akka.Pattern;
using Emulator.Chaos.Experiments;
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
/// emulated nodes of one or more workers — on virtual time and the seeded deterministic dispatcher, with an in-memory
/// journal (wrapped in the delayable journal, whose delays run on virtual time too): the same experiment with the same
/// seed makes the same run. The store generates names and uids from the seed too.
/// </summary>
/// <remarks>
/// A worker is what one <c>emulator worker</c> process holds: a node host (its node agents, kubelets and container
/// runtime). One worker is the node host of <c>emulator up</c> (<c>/user/nodes</c>, nodes <c>node-1</c>…); with more,
/// worker <c>wK</c> is <c>/user/nodes-wK</c> with nodes <c>wK-node-1</c>…, named as <c>emulator worker --name wK</c>
/// names them.
/// </remarks>
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
    private readonly Func<NodeHostOptions, Props> _nodeHost;
    private readonly IActorRef _workerNodes;
    private readonly IReadOnlyList<Worker> _workers;

    private VirtualCluster(ActorSystem system, VirtualRun run, IActorRef store, Func<NodeHostOptions, Props> nodeHost, IActorRef workerNodes, IReadOnlyList<Worker> workers)
    {
        _system = system;
        _run = run;
        _store = store;
        _nodeHost = nodeHost;
        _workerNodes = workerNodes;
        _workers = workers;
    }

    // One worker process of the cluster: its node host while the process runs (null once killed).
    private sealed class Worker(string name, string actorName, NodeHostOptions options)
    {
        public string Name => name;

        public string ActorName => actorName;

        public NodeHostOptions Options => options;

        public IActorRef? Host { get; set; }
    }

    /// <inheritdoc />
    public bool IsReplayable => true;

    /// <summary>The actor system the cluster runs in.</summary>
    public ActorSystem System => _system;

    /// <summary>Starts the cluster <paramref name="cluster"/> describes (its workers and nodes) on <paramref name="seed"/>.</summary>
    public static Task<VirtualCluster> StartAsync(ClusterSpec cluster, int seed) => StartAsync(cluster.Nodes, seed, cluster.Workers);

    /// <summary>
    /// Starts a cluster of <paramref name="workers"/> workers of <paramref name="nodes"/> nodes each on
    /// <paramref name="seed"/> and waits until the nodes are Ready.
    /// </summary>
    public static async Task<VirtualCluster> StartAsync(int nodes, int seed, int workers = 1)
    {
        var config = EmulatedTime.VirtualConfig()
            .WithFallback(JournalSettings.Delayable(JournalSettings.InMemory()))
            // The faults make actors fail on purpose: the report, not Akka's log, says what happened.
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = OFF\nakka.stdout-loglevel = OFF\nakka.log-dead-letters = off"))
            .WithFallback(RuntimeConfig.Deterministic(seed));
        var system = ActorSystem.Create("emulator", config);
        try
        {
            var run = new VirtualRun(system, TimeSpan.FromSeconds(30));
            var manifests = EventSerialization.Get(system).Manifests;
            StoreSerialization.Register(manifests);
            ContainerRuntimeSerialization.Register(manifests);
            // Each component starts and settles before the next one exists: actors created from outside while others still
            // run would start at a point that depends on the wall clock.
            var hub = system.ActorOf(Props.Create(() => new WatchHub(50_000)), "watch-hub");
            run.Settle();
            // As in the cluster: a store that stops comes back after a backoff and recovers from the journal.
            var store = system.ActorOf(BackoffSupervisor.Props(Backoff.OnStop(
                Props.Create(() => new ApiStore(KubernetesAdmission.Default, hub, 50_000, seed)), "api-store",
                RestartBackoff.Min, RestartBackoff.Max, 0.2, maxNrOfRetries: -1)), "api-store");
            run.Settle();
            var events = system.ActorOf(Props.Create(() => new EventRecorder(store)), "event-recorder");
            run.Settle();
            var single = new NodeHostOptions(nodes, "node-", "4", "16Gi", 110, null, "emulator", null, 1);
            var layout = workers == 1
                ? new[] { new Worker(NodeHostOptions.DefaultHost, "nodes", single) }
                : Enumerable.Range(1, workers).Select(k => new Worker($"w{k}", $"nodes-w{k}", single with { NamePrefix = $"w{k}-node-", Host = $"w{k}" })).ToArray();
            Props NodeHostProps(NodeHostOptions options) => Props.Create(() => new NodeHost(options, store, hub, events));
            IReadOnlyDictionary<string, string> workerOfNode = layout.SelectMany(w => w.Options.Nodes().Select(n => (Node: n.Name, Worker: w.Name))).ToDictionary(p => p.Node, p => p.Worker, StringComparer.Ordinal);
            var workerNodes = system.ActorOf(Props.Create(() => new WorkerNodes(workerOfNode)), "worker-nodes");
            run.Settle();
            foreach (var worker in layout)
            {
                worker.Host = system.ActorOf(NodeHostProps(worker.Options), worker.ActorName);
                workerNodes.Tell(new WorkerHostChanged(worker.Name, worker.Host));
                run.Settle();
            }
            var metrics = system.ActorOf(Props.Create(() => new MetricsServer(store, workerNodes, null)), "metrics-server");
            run.Settle();
            var kinds = KindRegistry.Default.Kinds;
            var options = new KubeControllerManagerOptions(store, hub, events, metrics, kinds.Select(ResourceTypes.Of).DistinctBy(t => t.Key).ToArray(),
                RootCaCertPublisher.CreateSelfSignedCa(), "10.96.0.1", 443, kinds.Select(k => (k.Group, k.Version)).Distinct().ToArray(), RestartBackoff);
            system.ActorOf(Props.Create(() => new ControllerManager(manager => KubeControllerManager.Start(manager, options))), "controller-manager");
            run.Settle();
            var cluster = new VirtualCluster(system, run, store, NodeHostProps, workerNodes, layout);
            await cluster.WaitForNodesAsync(nodes * workers);
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
        var names = new List<string>();
        foreach (var worker in _workers.Where(w => w.Host is not null))
        {
            var hosted = await Settled(worker.Host!.Ask<HostedNodes>(new ListHostedNodes(), AskTimeout));
            names.AddRange(hosted.Nodes.Select(n => n.Name));
        }
        return names;
    }

    /// <inheritdoc />
    public async Task SetNodeRunningAsync(string name, bool running, int member)
    {
        var host = _workers.FirstOrDefault(w => w.Host is not null && w.Options.Nodes().Any(n => n.Name == name))?.Host
            ?? throw new ChaosTargetException($"node {name} is not hosted by a running worker");
        await Settled(host.Ask<NodeCommandReply>(running ? new StartNode(name) : new StopNode(name), AskTimeout));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChaosProcess>> ProcessesAsync(int member) =>
        Task.FromResult<IReadOnlyList<ChaosProcess>>(_workers.Select(w => new ChaosProcess(w.Name, w.Options.Nodes().Select(n => n.Name).ToArray(), w.Host is not null)).ToArray());

    /// <inheritdoc />
    /// <remarks>
    /// The worker's node host is stopped: Akka stops its whole subtree — node agents, kubelets, pod workers, the
    /// container runtime — before any of them handles another message, so no heartbeat, status or journal write leaves
    /// them after the kill, and nothing tells the control plane (no node is drained or marked). Their stop hooks only
    /// release what lives in this process (watch subscriptions, listeners), which a dead process loses as well.
    /// </remarks>
    public async Task KillProcessAsync(string name, int member)
    {
        var worker = _workers.FirstOrDefault(w => w.Name == name) ?? throw new ChaosTargetException($"no worker {name}");
        if (worker.Host is not { } host)
        {
            return;
        }
        worker.Host = null;
        // Every outside message goes in while the actors are idle: one arriving mid-run would land at a point of the
        // seeded order that depends on the machine's timing.
        _workerNodes.Tell(new WorkerHostChanged(name, null));
        _run.Settle();
        var terminated = host.WatchAsync();
        _system.Stop(host);
        await Settled(terminated);
    }

    /// <inheritdoc />
    /// <remarks>
    /// As <c>emulator worker --name</c> started again: a new node host with the same nodes and host name, whose container
    /// runtime recovers from the journal and whose kubelets recall their nodes' pods from it.
    /// </remarks>
    public async Task RestartProcessAsync(string name, int member)
    {
        var worker = _workers.FirstOrDefault(w => w.Name == name) ?? throw new ChaosTargetException($"no worker {name}");
        if (worker.Host is not null)
        {
            return;
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                worker.Host = _system.ActorOf(_nodeHost(worker.Options), worker.ActorName);
                break;
            }
            catch (InvalidActorNameException) when (attempt < 100)
            {
                // The guardian has not yet released the dead incarnation's name.
                await Task.Delay(5);
                _run.Settle();
            }
        }
        // The node host starts (its container runtime recovers, then its nodes start) before anything else goes in.
        _run.Settle();
        _workerNodes.Tell(new WorkerHostChanged(name, worker.Host));
        _run.Settle();
        // The container runtime recovers from the journal through the journal's own tasks: the run goes on only once it
        // has (a command waits in its stash until then), so what the restarted kubelets do next does not depend on how
        // fast the recovery was.
        var runtimePath = $"/user/{worker.ActorName}/container-runtime-supervisor/container-runtime";
        IActorRef? runtime = null;
        for (var attempt = 0; attempt < 1000 && (runtime = ActorTree.Find(_system, runtimePath).FirstOrDefault()) is null; attempt++)
        {
            _run.Settle();
            await Task.Delay(1);
        }
        if (runtime is not null)
        {
            await Settled(runtime.Ask<NodeRecalled>(new RecallNode(worker.Options.Nodes()[0].Name), AskTimeout));
        }
        _run.Settle();
    }

    /// <inheritdoc />
    public Task SetJournalDelayAsync(TimeSpan delay, int member)
    {
        JournalDelay.Get(_system).Delay = delay;
        _run.Settle();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetPartitionedAsync(string address, bool cut, int member) =>
        throw new NotSupportedException("a virtual cluster is one process: there is no link to cut");

    /// <inheritdoc />
    public Task SetLinkLossAsync(string address, double probability, int member) =>
        throw new NotSupportedException("a virtual cluster is one process: there is no link to make lossy");

    // Lets the actors run while a request is answered, and after it (what the reply set off settles too). While the
    // journal is delayed, a write is answered only once its delay has passed on virtual time: the client waits, and
    // emulated time goes on to the next timer each time the actors are idle without the answer — as the same wait
    // would on a real clock, and the same way in every run.
    private async Task<T> Settled<T>(Task<T> request)
    {
        var time = EmulatedTime.Get(_system).Virtual;
        while (!request.IsCompleted)
        {
            _run.Settle();
            if (!request.IsCompleted && JournalDelay.Get(_system).Delay > TimeSpan.Zero && time?.NextDue is { } next)
            {
                _run.Advance(next);
                continue;
            }
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
