using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Scheduling;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.NodeLifecycle;

/// <summary>
/// kube-controller-manager's node lifecycle controller with its NoExecute taint manager. Every
/// <see cref="MonitorPeriod"/> it checks each node's heartbeats (its Lease <c>kube-node-lease/&lt;node&gt;</c> renewals and
/// the Ready condition's <c>lastHeartbeatTime</c>, timed by when this controller saw them change): silent past the grace
/// period, the node's conditions become <c>Unknown</c> (<c>NodeStatusUnknown</c>), its pods lose Ready, and a
/// <c>NodeNotReady</c> event is recorded. It keeps the condition taints (unreachable, not-ready, pressures, unschedulable)
/// in line with the node, and evicts pods from NoExecute-tainted nodes: at once when not tolerated, else
/// <c>tolerationSeconds</c> after the taint's <c>timeAdded</c>. As in Kubernetes, no NoExecute taints are added while every
/// node is not Ready (master disruption mode) or while a small zone is partially disrupted, and in a healthy zone they are
/// added to one node per <see cref="EvictionInterval"/>. Not modelled: the reduced rate of large partially disrupted
/// zones, and deleting pods of nodes that no longer exist (pod GC).
/// </summary>
public sealed class NodeLifecycleController : Controller
{
    /// <summary>node-monitor-period.</summary>
    public static readonly TimeSpan MonitorPeriod = TimeSpan.FromSeconds(5);

    /// <summary>node-monitor-grace-period (v1.32+).</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(50);

    /// <summary>node-startup-grace-period: for a node whose kubelet never posted a Ready condition.</summary>
    public static readonly TimeSpan StartupGracePeriod = TimeSpan.FromSeconds(60);

    /// <summary>In a healthy zone, one node a time gets Ready's NoExecute taint, then the next after this (eviction rate 0.1/s).</summary>
    public static readonly TimeSpan EvictionInterval = TimeSpan.FromSeconds(10);

    /// <summary>Share of not-Ready nodes from which a zone is partially disrupted.</summary>
    public const double UnhealthyZoneThreshold = 0.55;

    /// <summary>Zones up to this size stop evicting in partial disruption.</summary>
    public const int LargeClusterThreshold = 50;

    /// <summary>The namespace of node leases.</summary>
    public const string LeaseNamespace = "kube-node-lease";

    private const string Component = "node-controller";
    private const string EvictionComponent = "taint-eviction-controller";
    private const string ByNode = "node";
    private static readonly string[] NodeConditionTypes = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    private readonly IActorRef _events;
    private readonly Dictionary<string, Health> _health = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evicting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastNoExecuteTaint = new(StringComparer.Ordinal);
    private bool _masterDisruption;

    /// <summary>Creates the controller.</summary>
    public NodeLifecycleController(IActorRef store, IActorRef watchHub, IActorRef events)
        : base(store, watchHub, [ResourceTypes.Nodes, ResourceTypes.Leases, ResourceTypes.Pods])
    {
        _events = events;
        Cache(ResourceTypes.Pods).AddIndex(ByNode, (CachedObject pod) => pod.Stored.NodeName is { Length: > 0 } node ? [node] : []);
    }

    private sealed record Monitor;

    /// <summary>What this controller last saw of a node's heartbeats, and when they last changed (its own clock).</summary>
    private sealed class Health
    {
        public DateTimeOffset Probe { get; set; }

        public string? Heartbeat { get; set; }

        public string? Renewed { get; set; }

        public string? Ready { get; set; }
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("node-monitor", new Monitor(), MonitorPeriod, MonitorPeriod);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == ResourceTypes.Nodes.Key)
        {
            _zones = null;
            if (after is null)
            {
                _health.Remove(before!.Name);
            }
            else
            {
                Observe(after.Object);
            }
            Enqueue(KeyOf(type, (after ?? before)!));
        }
        else if (type.Key == ResourceTypes.Leases.Key)
        {
            if (after is { Namespace: LeaseNamespace } lease && Cache(ResourceTypes.Nodes).Get(null, lease.Name) is { } node)
            {
                Observe(node.Object);
                Enqueue(KeyOf(ResourceTypes.Nodes, node));
            }
        }
        else
        {
            // A pod arriving on a NoExecute-tainted node is for the taint manager.
            foreach (var obj in new[] { before, after })
            {
                if (obj is not null && obj.Stored.NodeName is { Length: > 0 } nodeName
                    && Cache(ResourceTypes.Nodes).Get(null, nodeName) is { } node && HasNoExecuteTaint(node.Object))
                {
                    Enqueue(new ObjectKey(ResourceTypes.Nodes.Key, null, nodeName));
                }
            }
            if (after is null && before is not null)
            {
                _evicting.Remove(before.Stored.Uid);
            }
        }
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        if (message is Monitor)
        {
            foreach (var node in Cache(ResourceTypes.Nodes).All)
            {
                Enqueue(KeyOf(ResourceTypes.Nodes, node));
            }
            return;
        }
        base.OnOtherMessage(message);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (tag.Type.Key == ResourceTypes.Nodes.Key)
        {
            // A node write is one step: take the next with the written view; a refused one is tried again later.
            if (reply.IsSuccess)
            {
                Enqueue(tag.Key);
            }
            else if (reply.Error is not { Reason: "Conflict" or "NotFound" })
            {
                EnqueueAfter(tag.Key, MonitorPeriod);
            }
        }
        else if (tag.State is string uid && !reply.IsSuccess && reply.Error is not { Reason: "NotFound" })
        {
            _evicting.Remove(uid);
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(ResourceTypes.Nodes).Get(null, key.Name) is not { } cached)
        {
            return;
        }
        var node = cached.Object;
        var health = Observe(node);
        if (MarkUnknownIfSilent(key, node, health))
        {
            return;
        }
        var ready = ReadyStatus(node);
        if (health.Ready == "True" && ready != "True")
        {
            _events.Tell(new RecordEvent(InvolvedObject.Of(node), "Normal", "NodeNotReady", $"Node {key.Name} status is now: NodeNotReady", Component), Self);
            MarkPodsNotReady(key);
        }
        else if (health.Ready is not null && health.Ready != "True" && ready == "True")
        {
            _events.Tell(new RecordEvent(InvolvedObject.Of(node), "Normal", "NodeReady", $"Node {key.Name} status is now: NodeReady", Component), Self);
        }
        health.Ready = ready;
        var mode = NoExecuteModeOf(node);
        var limited = mode == NoExecuteMode.Normal && AddsReadyNoExecute(node);
        if (limited && _lastNoExecuteTaint.TryGetValue(ZoneOf(node), out var last) && Now < last + EvictionInterval)
        {
            // The zone's rate limiter (0.1 nodes/s): this node's turn comes later.
            mode = NoExecuteMode.Hold;
            EnqueueAfter(key, last + EvictionInterval - Now);
        }
        if (NodeTaints.Reconciled(node, Now, mode) is { } taints)
        {
            if (limited && mode == NoExecuteMode.Normal)
            {
                _lastNoExecuteTaint[ZoneOf(node)] = Now;
            }
            var updated = (JsonObject)node.Document.DeepClone();
            ((JsonObject)(updated["spec"] ??= new JsonObject()))["taints"] = taints;
            UpdateObject(key, ResourceTypes.Nodes, updated);
            return;
        }
        EvictIntolerant(key, node);
    }

    /// <summary>
    /// Kubernetes' disruption handling: when every node of every zone is not Ready the control plane assumes the fault is
    /// its own (master disruption mode) and takes Ready's NoExecute taints off; leaving that mode restarts every node's
    /// grace period. A zone of at most <see cref="LargeClusterThreshold"/> nodes in partial disruption (more than two and
    /// at least 55 % not Ready) gets no new NoExecute taints (its eviction rate drops to 0).
    /// </summary>
    private Dictionary<string, (int Ready, int NotReady)>? _zones;
    private DateTimeOffset _zonesAt;

    private static bool HasNoExecuteTaint(KubeObject node) =>
        JsonTree.Objects(JsonTree.GetArray(node.Document, "spec", "taints")).Any(t => JsonTree.GetString(t, "effect") == Taints.NoExecute);

    private NoExecuteMode NoExecuteModeOf(KubeObject node)
    {
        // Counted once per node change (or per emulated second: readiness also depends on the time since the last
        // heartbeat), not once per node reconcile, which would be quadratic in nodes.
        if (_zones is null || Now - _zonesAt > TimeSpan.FromSeconds(1))
        {
            _zones = Cache(ResourceTypes.Nodes).All.GroupBy(n => ZoneOf(n.Object), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g =>
                {
                    var ready = g.Count(n => IsReady(n.Object));
                    return (Ready: ready, NotReady: g.Count() - ready);
                }, StringComparer.Ordinal);
            _zonesAt = Now;
        }
        var zones = _zones;
        var allDisrupted = zones.Count > 0 && zones.Values.All(z => z.Ready == 0 && z.NotReady > 0);
        if (allDisrupted != _masterDisruption)
        {
            _masterDisruption = allDisrupted;
            if (allDisrupted)
            {
                Log.Info("Controller detected that all Nodes are not-Ready. Entering master disruption mode.");
            }
            else
            {
                Log.Info("Controller detected that some Nodes are Ready. Exiting master disruption mode.");
                foreach (var health in _health.Values)
                {
                    health.Probe = Now;
                }
            }
        }
        if (_masterDisruption)
        {
            return NoExecuteMode.Remove;
        }
        var zone = zones[ZoneOf(node)];
        var partial = zone.NotReady > 2 && (double)zone.NotReady / (zone.Ready + zone.NotReady) >= UnhealthyZoneThreshold;
        return partial && zone.Ready + zone.NotReady <= LargeClusterThreshold ? NoExecuteMode.Hold : NoExecuteMode.Normal;
    }

    /// <summary>Whether the node is to get Ready's NoExecute taint without carrying either yet (a swap is not rate limited).</summary>
    private static bool AddsReadyNoExecute(KubeObject node)
    {
        static bool IsReadyNoExecute((string Key, string Effect) t) => t.Effect == Taints.NoExecute && t.Key is NodeTaints.Unreachable or NodeTaints.NotReady;
        return NodeTaints.Desired(node).Any(IsReadyNoExecute) && !Taints.Of(node).Select(t => (Taints.Key(t), Taints.Effect(t))).Any(IsReadyNoExecute);
    }

    /// <summary>Ready True and not silent past its grace period (a node about to be marked Unknown already counts as not Ready).</summary>
    private bool IsReady(KubeObject node) =>
        ReadyStatus(node) == "True" && !(_health.TryGetValue(node.Name ?? "", out var health) && Now > health.Probe + GraceOf(node));

    private static TimeSpan GraceOf(KubeObject node) =>
        node.Status is { } status && Conditions.Find(status, "Ready") is not null ? GracePeriod : StartupGracePeriod;

    private static string ZoneOf(KubeObject node) =>
        (node.Labels.GetValueOrDefault("topology.kubernetes.io/region") ?? "") + ":\0:" + (node.Labels.GetValueOrDefault("topology.kubernetes.io/zone") ?? "");

    /// <summary>Takes in the node's heartbeats; a change since the last look restarts its grace period.</summary>
    private Health Observe(KubeObject node)
    {
        var name = node.Name ?? "";
        var heartbeat = node.Status is { } status && Conditions.Find(status, "Ready") is { } c ? JsonTree.GetString(c, "lastHeartbeatTime") : null;
        var renewed = Cache(ResourceTypes.Leases).Get(LeaseNamespace, name) is { } lease ? JsonTree.GetString(lease.Object.Document, "spec", "renewTime") : null;
        if (!_health.TryGetValue(name, out var health))
        {
            // As Kubernetes: a node that never posted Ready is timed from its creation, any other from now.
            _health[name] = health = new Health
            {
                Probe = heartbeat is null ? node.CreationTimestamp ?? Now : Now,
                Heartbeat = heartbeat,
                Renewed = renewed,
                Ready = ReadyStatus(node),
            };
            return health;
        }
        if (heartbeat != health.Heartbeat || renewed != health.Renewed)
        {
            health.Heartbeat = heartbeat;
            health.Renewed = renewed;
            health.Probe = Now;
        }
        return health;
    }

    private bool MarkUnknownIfSilent(ObjectKey key, KubeObject node, Health health)
    {
        if (Now <= health.Probe + GraceOf(node))
        {
            return false;
        }
        var updated = (JsonObject)node.Document.DeepClone();
        var newStatus = updated["status"] as JsonObject ?? [];
        updated["status"] = newStatus;
        var changed = false;
        foreach (var type in NodeConditionTypes)
        {
            if (Conditions.Find(newStatus, type) is not { } condition)
            {
                changed |= Conditions.Set(newStatus, type, "Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.", Now);
            }
            else if (JsonTree.GetString(condition, "status") != "Unknown")
            {
                var heartbeat = condition["lastHeartbeatTime"]?.DeepClone();
                Conditions.Set(newStatus, type, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", Now);
                if (heartbeat is not null)
                {
                    Conditions.Find(newStatus, type)!["lastHeartbeatTime"] = heartbeat;
                }
                changed = true;
            }
        }
        if (!changed)
        {
            return false;
        }
        UpdateStatus(key, ResourceTypes.Nodes, updated);
        return true;
    }

    private void MarkPodsNotReady(ObjectKey nodeKey)
    {
        foreach (var pod in Cache(ResourceTypes.Pods).ByIndex(ByNode, nodeKey.Name).OrderBy(p => (p.Namespace, p.Name)))
        {
            if (pod.Object.Status is not { } status || Conditions.Find(status, "Ready") is not { } ready || JsonTree.GetString(ready, "status") != "True")
            {
                continue;
            }
            var updated = (JsonObject)pod.Object.Document.DeepClone();
            var newStatus = (JsonObject)updated["status"]!;
            Conditions.Set(newStatus, "Ready", "False", JsonTree.GetString(ready, "reason"), JsonTree.GetString(ready, "message"), Now);
            UpdateStatus(nodeKey, ResourceTypes.Pods, updated);
        }
    }

    /// <summary>The taint manager: evicts the pods the node's NoExecute taints no longer allow; wakes up for the next due eviction.</summary>
    private void EvictIntolerant(ObjectKey nodeKey, KubeObject node)
    {
        var noExecute = Taints.Of(node).Where(t => Taints.Effect(t) == Taints.NoExecute).ToList();
        if (noExecute.Count == 0)
        {
            return;
        }
        DateTimeOffset? next = null;
        foreach (var pod in Cache(ResourceTypes.Pods).ByIndex(ByNode, nodeKey.Name).OrderBy(p => (p.Namespace, p.Name)))
        {
            if (pod.Stored.IsDeleting || new PodView(pod.Object).IsTerminal || _evicting.Contains(pod.Stored.Uid))
            {
                continue;
            }
            var tolerations = JsonTree.Objects(JsonTree.GetArray(pod.Object.Document, "spec", "tolerations")).ToList();
            var due = EvictionTime(tolerations, noExecute);
            if (due is null)
            {
                continue;
            }
            if (due <= Now)
            {
                _evicting.Add(pod.Stored.Uid);
                _events.Tell(new RecordEvent(InvolvedObject.Of(pod.Object), "Normal", "TaintManagerEviction",
                    $"Marking for deletion Pod {pod.Namespace}/{pod.Name}", EvictionComponent), Self);
                MarkDisruptionTarget(nodeKey, pod.Object);
                DeleteObject(nodeKey, ResourceTypes.Pods, pod.Namespace, pod.Name, pod.Stored.Uid, state: pod.Stored.Uid);
            }
            else if (next is null || due < next)
            {
                next = due;
            }
        }
        if (next is { } wake)
        {
            EnqueueAfter(nodeKey, wake - Now);
        }
    }

    /// <summary>
    /// The taint eviction controller's <c>addConditionAndDeletePod</c>: before deleting, the pod gets the
    /// <c>DisruptionTarget</c> condition (reason <c>DeletionByTaintManager</c>), so a Job's pod failure policy can tell
    /// the eviction from a failure of its own. Patched in Kubernetes (no resourceVersion precondition); the store handles
    /// this write before the delete that follows it.
    /// </summary>
    private void MarkDisruptionTarget(ObjectKey nodeKey, KubeObject pod)
    {
        var marked = pod.DeepClone();
        marked.Metadata.Remove("resourceVersion");
        if (Conditions.Set(marked.EnsureStatus(), "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", Now))
        {
            UpdateStatus(nodeKey, ResourceTypes.Pods, marked.Document);
        }
    }

    /// <summary>When a pod must leave: now for an untolerated taint, else the earliest taint's timeAdded + tolerationSeconds; null: never.</summary>
    private DateTimeOffset? EvictionTime(IReadOnlyList<JsonObject> tolerations, IEnumerable<JsonObject> noExecute)
    {
        DateTimeOffset? due = null;
        foreach (var taint in noExecute)
        {
            if (Taints.MinTolerationTime(tolerations, [taint]) is not { } allowed)
            {
                return Now;
            }
            if (allowed == TimeSpan.MaxValue)
            {
                continue;
            }
            var added = Rfc3339Time.TryParse(JsonTree.GetString(taint, "timeAdded"), out var time) ? time : Now;
            var at = added + allowed;
            if (due is null || at < due)
            {
                due = at;
            }
        }
        return due;
    }

    private static string? ReadyStatus(KubeObject node) =>
        node.Status is { } status && Conditions.Find(status, "Ready") is { } c ? JsonTree.GetString(c, "status") : null;
}
