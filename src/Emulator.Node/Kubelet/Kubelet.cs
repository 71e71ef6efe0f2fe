using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Runtime.Actors;

namespace Emulator.Node.Kubelet;

/// <summary>A pod worker asks whether an image must be pulled (the node's image cache lives in the kubelet).</summary>
public sealed record PullImage(string Container, string Image, string Policy);

/// <summary>The kubelet's answer to <see cref="PullImage"/>: present on the node (no pull), or pull it.</summary>
public sealed record PullDecision(string Container, string Image, bool Present);

/// <summary>
/// The node's pod CIDR as its Node object holds it (set by the node IPAM controller): the network plugin's range, from
/// which the kubelet takes pod IPs.
/// </summary>
public sealed record PodCidrAssigned(string Cidr);

/// <summary>
/// The kubelet of one node: watches the pods bound to its node (<c>spec.nodeName</c>) and runs one
/// <see cref="PodWorker"/> per pod. What it runs (pod IPs, container starts, exits and restart counts, pulled images)
/// it records in the host's <see cref="ContainerRuntime"/>, which outlives it: a kubelet that is restarted — its actor
/// killed, its node stopped and started — recalls that state first and adopts the pods still running instead of
/// restarting their containers, so restart counts and start times stay as they were.
/// </summary>
public sealed class Kubelet : EmulatedActor, IWithUnboundedStash
{
    private readonly NodeOptions _node;
    private readonly IActorRef _store;
    private readonly IActorRef _hub;
    private readonly IActorRef _events;
    private readonly IActorRef _runtime;
    private readonly Dictionary<string, PodRecord> _records = new(StringComparer.Ordinal);
    // The addresses of the records' sandboxes, kept with them: an allocation looks a candidate up instead of gathering them.
    private readonly HashSet<string> _ipsInUse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), string> _uidByName = [];
    private readonly Dictionary<string, StoredObject> _waitingForIp = new(StringComparer.Ordinal);
    private readonly HashSet<string> _images = new(StringComparer.Ordinal);
    // The latest version of each pod this kubelet runs, and the usage model of the version it was last computed for
    // (computed when the metrics server scrapes, not on every change: the 10,000-pod path pays nothing for it).
    private readonly Dictionary<string, StoredObject> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (StoredObject Version, ResourceUsageModel Model)> _usage = new(StringComparer.Ordinal);
    // The pod network (host-local IPAM over the node's pod CIDR): unknown until the Node has spec.podCIDR.
    private string? _podCidr;
    private uint _networkBase;
    private uint _networkSize;
    private uint _nextIp = 2;

    /// <summary>Creates the kubelet of <paramref name="node"/>, recording into <paramref name="runtime"/>.</summary>
    public Kubelet(NodeOptions node, IActorRef store, IActorRef hub, IActorRef events, IActorRef runtime)
    {
        _node = node;
        _store = store;
        _hub = hub;
        _events = events;
        _runtime = runtime;
    }

    private sealed record Relist;

    private sealed record RelistTimeout;

    private sealed record Resync;

    /// <summary>
    /// How often the kubelet lists its pods again beside its watch: watch events reach other processes at most once, and
    /// one lost would leave a pod this node never runs.
    /// </summary>
    private static readonly TimeSpan ResyncPeriod = TimeSpan.FromMinutes(1);

    /// <summary>First wait for the store's list before the kubelet lists again; it doubles up to two minutes.</summary>
    private static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaxListTimeout = TimeSpan.FromMinutes(2);

    private TimeSpan _listTimeout = ListTimeout;
    private long _watchedVersion;

    // Pods deleted while this kubelet ran (a uid never comes back): a resync list taken before a delete must not revive one.
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private bool _watching;

    private sealed record RecallAgain;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Recall();
        Become(Recalling);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _hub.Tell(new StopWatch(Self), Self);
        base.PostStop();
    }

    private void Recall()
    {
        _runtime.Tell(new RecallNode(_node.Name), Self);
        // The runtime may be restarting after a journal failure (its supervisor drops messages meanwhile): ask again.
        Timers.StartSingleTimer("recall", new RecallAgain(), TimeSpan.FromSeconds(1));
    }

    private void Recalling(object message)
    {
        switch (message)
        {
            case NodeRecalled recalled:
                Timers.Cancel("recall");
                foreach (var pod in recalled.State.Pods)
                {
                    _records[pod.PodUid] = pod;
                    _ipsInUse.Add(pod.PodIp);
                }
                _images.UnionWith(recalled.State.Images);
                Become(OnReceive);
                Stash.UnstashAll();
                ListPods();
                Timers.StartPeriodicTimer("resync", new Resync(), ResyncPeriod);
                break;
            case RecallAgain:
                Recall();
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ListReply { Correlation: Relist } listed when !_watching:
                Timers.Cancel("relist");
                _watching = true;
                Listed(listed);
                break;
            case ListReply { Correlation: Relist }:
                // A second answer to a list asked again: the watch already runs from the first.
                break;
            case Resync:
                _store.Tell(new ListObjects(ResourceTypes.Pods, null, new ObjectSelector(Fields: "spec.nodeName=" + _node.Name)) { Correlation = new Resync() }, Self);
                break;
            case ListReply { Correlation: Resync } listed when listed.ResourceVersion >= _watchedVersion:
                // Only what the watch has not brought: a pod unknown here, or a newer version of one. A list older than
                // an event already seen is skipped (it could bring back a pod deleted since).
                foreach (var item in listed.Items.Where(i => !_removed.Contains(i.Uid) && (!_pods.TryGetValue(i.Uid, out var known) || known.ResourceVersion < i.ResourceVersion)))
                {
                    Sync(item);
                }
                break;
            case RelistTimeout when !_watching:
                _listTimeout = TimeSpan.FromTicks(Math.Min(MaxListTimeout.Ticks, _listTimeout.Ticks * 2));
                ListPods();
                break;
            case RelistTimeout:
                break;
            case ListReply { Correlation: Resync }:
                break;
            case WatchEvent change:
                _watchedVersion = Math.Max(_watchedVersion, change.Object.ResourceVersion);
                if (change.Type == WatchEventType.Deleted)
                {
                    Removed(change.Object.Uid);
                }
                else
                {
                    Sync(change.Object);
                }
                break;
            case WatchExpired:
                _hub.Tell(new StopWatch(Self), Self);
                _watching = false;
                _listTimeout = ListTimeout;
                ListPods();
                break;
            case PodCidrAssigned assigned:
                NetworkConfigured(assigned.Cidr);
                break;
            case ContainerRecorded recorded:
                if (_records.TryGetValue(recorded.PodUid, out var record))
                {
                    _records[recorded.PodUid] = record.With(recorded.Container);
                    Record(recorded);
                }
                break;
            case PullImage pull:
                // IfNotPresent / Never use an image the node has; Always pulls again (the registry is asked each time).
                Sender.Tell(new PullDecision(pull.Container, pull.Image, pull.Policy != "Always" && _images.Contains(pull.Image)), Self);
                break;
            case ImagePulled pulled:
                // Images stay on the node across kubelet restarts: recorded once.
                if (_images.Add(pulled.Image))
                {
                    Record(pulled);
                }
                break;
            case ReadContainerLog read:
                if (_uidByName.TryGetValue((read.Namespace, read.Pod), out var uid) && _workers.TryGetValue(uid, out var worker))
                {
                    worker.Forward(read);
                }
                else
                {
                    Sender.Tell(new ContainerLogReply(null, ApiStatus.NotFound("pods", "", read.Pod)), Self);
                }
                break;
            case OpenContainerStream open:
                if (_uidByName.TryGetValue((open.Namespace, open.Pod), out var streamUid) && _workers.TryGetValue(streamUid, out var streamWorker))
                {
                    streamWorker.Forward(open);
                }
                else
                {
                    Sender.Tell(new ContainerStreamRefused(new ApiStatus(404, "NotFound", $"pod not found (\"{open.Pod}_{open.Namespace}\")")), Self);
                }
                break;
            case ReadNodeUsage read:
                Sender.Tell(Usage(read), Self);
                break;
            case OpenPodConnection open:
                if (_uidByName.TryGetValue((open.Namespace, open.Pod), out var podUid) && (open.PodUid is null || open.PodUid == podUid)
                    && _workers.TryGetValue(podUid, out var podWorker))
                {
                    podWorker.Forward(open);
                }
                else
                {
                    open.Client.Tell(new PodConnectionRefused(open.ConnectionId, PodConnectionRefusal.PodNotFound,
                        $"pod {open.Pod}_{open.Namespace} not found on node {_node.Name}"), Self);
                }
                break;
            case StoreReply or NodeRecalled or RecallAgain:
                break;
            case Terminated terminated:
                foreach (var (workerUid, workerRef) in _workers.ToArray())
                {
                    if (workerRef.Equals(terminated.ActorRef))
                    {
                        _workers.Remove(workerUid);
                    }
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Tells the runtime of a change, tagged with this node.</summary>
    private void Record(RuntimeEvent change) => _runtime.Tell(change with { Node = _node.Name }, Self);

    /// <summary>
    /// Lists the node's pods (then watches from the list's version). Until an answer comes the list is asked again,
    /// backing off: a list lost while the store moves or starts would otherwise leave the node deaf to its pods, Ready
    /// and running nothing.
    /// </summary>
    private void ListPods()
    {
        _store.Tell(new ListObjects(ResourceTypes.Pods, null, new ObjectSelector(Fields: "spec.nodeName=" + _node.Name)) { Correlation = new Relist() }, Self);
        Timers.StartSingleTimer("relist", new RelistTimeout(), _listTimeout);
    }

    private void Listed(ListReply listed)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in listed.Items)
        {
            present.Add(item.Uid);
            Sync(item);
        }
        // Pods deleted while the kubelet was away: nothing runs them any more.
        foreach (var uid in _records.Keys.Where(u => !present.Contains(u)).ToArray())
        {
            Removed(uid);
        }
        // The pods bound to this node (a field selector on spec.nodeName, as a kubelet watches): the hub finds this watch by node.
        _hub.Tell(new StartWatch(ResourceTypes.Pods.Key, null, listed.ResourceVersion, null, Self, NodeName: _node.Name), Self);
    }

    private void Sync(StoredObject stored)
    {
        var uid = stored.Uid;
        var before = _pods.GetValueOrDefault(uid);
        _pods[uid] = stored;
        if (_workers.TryGetValue(uid, out var worker))
        {
            // A version that changed only the status (most often the worker's own write coming back) is not parsed here:
            // the worker compares it with what it wrote.
            worker.Tell(before is not null && stored.IsPodStatusChangeOf(before) ? new PodStatusChanged(stored) : new PodChanged(new KubeObject(stored.ToJsonObject())), Self);
            return;
        }
        if (!_records.TryGetValue(uid, out var record))
        {
            if (stored.IsTerminalPod && !stored.IsDeleting)
            {
                // Finished before this kubelet knew it (or its record is gone): nothing to run.
                return;
            }
            if (_podCidr is null)
            {
                // The network plugin has no range before the node has a pod CIDR (kindnet waits for spec.podCIDR):
                // the sandbox cannot be created and the pod stays Pending, as the kubelet reports it.
                if (_waitingForIp.TryAdd(uid, stored))
                {
                    _events.Tell(new RecordEvent(InvolvedObject.Of(stored.Parsed), "Warning", "NetworkNotReady",
                        "network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
                        "kubelet", _node.Name), Self);
                }
                _waitingForIp[uid] = stored;
                return;
            }
            if (AllocateIp() is not { } ip)
            {
                // The pod network of the node is full: the sandbox cannot be created; the pod waits (Pending).
                _events.Tell(new RecordEvent(InvolvedObject.Of(stored.Parsed), "Warning", "FailedCreatePodSandBox",
                    $"Failed to create pod sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set: {_podCidr}",
                    "kubelet", _node.Name), Self);
                _waitingForIp[uid] = stored;
                return;
            }
            _waitingForIp.Remove(uid);
            var admitted = new PodAdmitted(uid, stored.Namespace ?? "default", stored.Name, ip, Clock.UtcNow);
            record = PodRecord.Admitted(admitted);
            _records[uid] = record;
            _ipsInUse.Add(ip);
            Record(admitted);
        }
        var self = Self;
        // The worker is made from the stored version (which the kubelet keeps anyway), not a parsed tree: Props keep
        // their arguments for the actor's life, to restart it, and a tree kept there outlived every later version.
        worker = Context.ActorOf(Props.Create(() => new PodWorker(_node, stored, record, self, _store, _events)), $"pod-{uid}");
        Context.Watch(worker);
        _workers[uid] = worker;
        _uidByName[(record.Namespace, record.Name)] = uid;
    }

    private void Removed(string uid)
    {
        _removed.Add(uid);
        _waitingForIp.Remove(uid);
        _pods.Remove(uid);
        _usage.Remove(uid);
        if (_workers.Remove(uid, out var worker))
        {
            Context.Unwatch(worker);
            Context.Stop(worker);
        }
        if (_records.Remove(uid, out var record))
        {
            _ipsInUse.Remove(record.PodIp);
            _uidByName.Remove((record.Namespace, record.Name));
            Record(new PodForgotten(uid));
            // An address is free again: a pod that found the network full can start now.
            if (_waitingForIp.Values.FirstOrDefault() is { } waiting)
            {
                Sync(waiting);
            }
        }
    }

    /// <summary>
    /// The kubelet's usage summary: every running container of the pods it runs, as <see cref="ResourceUsageModel"/>
    /// says (computed now, from the pod as last seen), and the node as the sum of them plus its system daemons.
    /// </summary>
    private NodeUsage Usage(ReadNodeUsage read)
    {
        var now = Clock.UtcNow;
        var pods = new List<PodUsage>();
        var nodeCpu = ResourceUsageModel.SystemCpu.Nanos;
        var nodeMemory = new System.Numerics.BigInteger(ResourceUsageModel.SystemMemory.Value);
        foreach (var (uid, record) in _records)
        {
            if (!_workers.ContainsKey(uid) || !_pods.TryGetValue(uid, out var stored))
            {
                continue;
            }
            if (!_usage.TryGetValue(uid, out var cached) || !ReferenceEquals(cached.Version, stored))
            {
                cached = (stored, ResourceUsageModel.Of(new KubeObject(stored.ToJsonObject())));
                _usage[uid] = cached;
            }
            var containers = new List<ContainerUsage>();
            foreach (var container in record.Containers.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                if (container.Current is not { IsRunning: true } run)
                {
                    continue;
                }
                var (cpu, memory) = cached.Model.Of(container.Name);
                containers.Add(new ContainerUsage(container.Name, run.StartedAt, cpu, memory));
                nodeCpu += cpu;
                nodeMemory += memory;
            }
            if (containers.Count > 0)
            {
                pods.Add(new PodUsage(record.Namespace, record.Name, uid, containers));
            }
        }
        return new NodeUsage(_node.Name, now, Saturated(nodeCpu), Saturated(nodeMemory), pods) { Correlation = read.Correlation };
    }

    private static long Saturated(System.Numerics.BigInteger value) => value > long.MaxValue ? long.MaxValue : (long)value;

    /// <summary>The node's pod CIDR is known (or changed): pods waiting for the network get their sandbox now.</summary>
    private void NetworkConfigured(string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (slash < 0 || !System.Net.IPAddress.TryParse(cidr[..slash], out var address) || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 1 or > 30)
        {
            Log.Warning("node {0} has an unusable pod CIDR {1}", _node.Name, cidr);
            return;
        }
        if (cidr == _podCidr)
        {
            return;
        }
        var bytes = address.GetAddressBytes();
        _networkBase = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        _networkSize = 1u << (32 - prefix);
        _networkBase &= ~(_networkSize - 1);
        _podCidr = cidr;
        _nextIp = 2;
        foreach (var waiting in _waitingForIp.Values.ToList())
        {
            Sync(waiting);
        }
    }

    /// <summary>
    /// The next free address of the node's pod CIDR, as host-local hands them out: from the network's third address
    /// (the first is the network, the second the gateway) to the one before the broadcast address, round-robin.
    /// </summary>
    private string? AllocateIp()
    {
        var hosts = _networkSize - 3;
        for (var attempt = 0u; attempt < hosts; attempt++)
        {
            var value = _networkBase + _nextIp;
            var candidate = $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}";
            _nextIp = _nextIp >= _networkSize - 2 ? 2 : _nextIp + 1;
            if (!_ipsInUse.Contains(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
