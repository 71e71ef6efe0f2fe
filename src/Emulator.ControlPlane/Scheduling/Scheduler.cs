using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>
/// kube-scheduler's default profile: places each pending pod of <c>default-scheduler</c> on a node that passes every
/// filter (<see cref="Filters"/>), preferring the best score (<see cref="Scoring"/>), and binds it (<see cref="BindPod"/>).
/// A pod that fits nowhere gets <c>PodScheduled=False</c> <c>Unschedulable</c> and a <c>FailedScheduling</c> event, and is
/// retried when nodes or pods change and every <see cref="UnschedulableFlush"/>. Pods bound by this scheduler whose bind
/// has not come back yet count on their node (the assume cache), so two pods scheduled in a row never overcommit it.
/// Pending pods are taken highest <c>spec.priority</c> first, then in queue order (PrioritySort); a pod that fits
/// nowhere may preempt pods of lower priority (<see cref="Preempt"/>).
/// Volumes are respected as the VolumeBinding plugin does (<see cref="VolumeBinding"/>): a pod with a missing or unbound
/// Immediate claim waits, and for a pod with WaitForFirstConsumer claims the scheduler writes the chosen node on the
/// claims (<c>volume.kubernetes.io/selected-node</c>) and binds the pod once they are bound (PreBind).
/// </summary>
public sealed partial class Scheduler : Controller
{
    /// <summary>The scheduler name this scheduler serves.</summary>
    public const string Name = "default-scheduler";

    /// <summary>How often unschedulable pods are retried even when nothing changed (podMaxInUnschedulablePodsDuration).</summary>
    public static readonly TimeSpan UnschedulableFlush = TimeSpan.FromMinutes(5);

    /// <summary>How long an assumed pod waits for its bind's reply before it is forgotten and scheduled again.</summary>
    public static readonly TimeSpan BindTimeoutAfter = TimeSpan.FromSeconds(30);

    /// <summary>kube-scheduler's <c>podInitialBackoffSeconds</c>: the wait before a pod whose binding failed is tried again.</summary>
    public static readonly TimeSpan PodInitialBackoff = TimeSpan.FromSeconds(1);

    /// <summary>How long a pod waits for its WaitForFirstConsumer claims to be bound before it is scheduled again (VolumeBinding's bindTimeoutSeconds).</summary>
    public static readonly TimeSpan VolumeBindTimeout = TimeSpan.FromSeconds(600);

    private const string ByNode = "node";
    private readonly IActorRef _events;
    private readonly Dictionary<ObjectKey, (string Node, KubeObject Pod)> _assumed = [];
    // The node view, kept up to date from pod and node changes (kube-scheduler's cache and its snapshot): each node's
    // info, and which version of each pod is counted on which node (its bound version, or its assumed one).
    private readonly Dictionary<string, NodeInfo> _nodeInfos = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectKey, (string Node, KubeObject Pod)> _counted = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CachedObject, KubeObject> _boundPods = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<KubeObject, StoredObject> _boundVersions = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CachedObject, KubeObject> _unboundPods = [];
    private readonly HashSet<ObjectKey> _unschedulable = [];
    // Unschedulable pods turned away by InterPodAffinity or PodTopologySpread: other pods' placement can change that.
    private readonly HashSet<ObjectKey> _waitingForPods = [];
    private readonly HashSet<ObjectKey> _pending = [];
    // When each pod waiting to be scheduled entered the queue (PrioritySort's timestamp): first seen, or last failed.
    private readonly Dictionary<ObjectKey, long> _queuedAt = [];
    private long _queueClock;
    // Assumed pods whose WaitForFirstConsumer claims got the chosen node and are not bound yet: bound once they are.
    private readonly Dictionary<ObjectKey, PodVolumes> _waitingForVolumes = [];
    private long _turn;
    private bool _roundScheduled;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">Its watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="seed">Where the rotation among equally scored nodes starts.</param>
    public Scheduler(IActorRef store, IActorRef watchHub, IActorRef events, int seed = 0)
        : base(store, watchHub, [ResourceTypes.Pods, ResourceTypes.Nodes, StorageObjects.Claims, StorageObjects.Volumes, StorageObjects.StorageClasses, ResourceTypes.Namespaces])
    {
        _events = events;
        _turn = seed;
        Cache(ResourceTypes.Pods).AddIndex(ByNode, (CachedObject pod) => pod.Stored.NodeName is { Length: > 0 } node ? [node] : []);
    }

    private sealed record BindTag(ObjectKey Key, string Node, KubeObject Pod);

    private sealed record FlushUnschedulable;

    private sealed record ScheduleRound;

    private sealed record BindTimeout(ObjectKey Key, string? Uid);

    private sealed record SelectedNodeWrite(ObjectKey Pod, string? Uid);

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("flush-unschedulable", new FlushUnschedulable(), UnschedulableFlush, UnschedulableFlush);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == StorageObjects.Claims.Key || type.Key == StorageObjects.Volumes.Key || type.Key == StorageObjects.StorageClasses.Key)
        {
            // A claim made or bound, a volume or class added: pods waiting on them may go on.
            if (type.Key == StorageObjects.Claims.Key)
            {
                BindPodsWithBoundVolumes();
            }
            RetryUnschedulable();
            return;
        }
        if (type.Key == ResourceTypes.Namespaces.Key)
        {
            // A namespace selector of an affinity term may select it now.
            RetryWaitingForPods();
            return;
        }
        if (type.Key == ResourceTypes.Nodes.Key)
        {
            NodeChanged(before, after);
            if (before is null || after is null || SchedulingSignature(before.Object) != SchedulingSignature(after.Object))
            {
                RetryUnschedulable();
            }
            return;
        }
        var key = KeyOf(type, (after ?? before)!);
        Recount(key);
        if (after is not null && NeedsScheduling(after))
        {
            _queuedAt.TryAdd(key, _queueClock++);
            // A pod that already failed is retried on cluster changes, not on its own status write; a spec change counts.
            if (!_unschedulable.Contains(key) || before is null || !JsonTree.DeepEquals(Unbound(before).Spec, Unbound(after).Spec))
            {
                Enqueue(key);
            }
            return;
        }
        _unschedulable.Remove(key);
        _queuedAt.Remove(key);
        _nominated.Remove(key);
        // A pod placed or relabelled may satisfy another's pod affinity or change a spread's counts (the AssignedPodAdd
        // and AssignedPodUpdate events that re-queue pods InterPodAffinity or PodTopologySpread turned away).
        if (after is not null && IsBound(after)
            && (before is null || !IsBound(before) || !before.Stored.HasSameLabels(after.Stored)))
        {
            RetryWaitingForPods();
        }
        // A bound pod that went (or just finished) may have freed room.
        if (before is not null && IsBound(before)
            && (after is null || !IsBound(after) || (!before.Stored.IsTerminalPod && after.Stored.IsTerminalPod)))
        {
            RetryUnschedulable();
        }
    }

    /// <summary>
    /// Queues the pod for the next scheduling round: the pods queued in one turn are then scheduled in Kubernetes'
    /// PrioritySort order (higher <c>spec.priority</c> first, then the one longest in the queue).
    /// </summary>
    protected override void Reconcile(ObjectKey key)
    {
        _pending.Add(key);
        if (!_roundScheduled)
        {
            _roundScheduled = true;
            Self.Tell(new ScheduleRound(), Self);
        }
    }

    private void Round()
    {
        _roundScheduled = false;
        var pods = Cache(ResourceTypes.Pods);
        var order = _pending
            .Select(key => (Key: key, Pod: pods.Get(key.Namespace, key.Name) is { } cached ? Unbound(cached) : null))
            .OrderByDescending(p => p.Pod is null ? 0 : JsonTree.GetInt(p.Pod.Document, "spec", "priority") ?? 0)
            .ThenBy(p => _queuedAt.GetValueOrDefault(p.Key, long.MaxValue))
            .ThenBy(p => p.Pod?.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(p => p.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Name, StringComparer.Ordinal)
            .Select(p => p.Key)
            .ToList();
        _pending.Clear();
        // The node view of the round, updated as pods are placed: scheduling a pod costs O(nodes), not O(pods in the
        // cluster).
        var nodes = NodeInfos();
        foreach (var key in order)
        {
            try
            {
                ScheduleOne(key, nodes);
            }
            catch (Exception e) when (e is not ActorKilledException)
            {
                Log.Error(e, "Scheduling {0} failed", key);
                EnqueueAfter(key, TimeSpan.FromSeconds(5));
            }
        }
    }

    private void ScheduleOne(ObjectKey key, IReadOnlyList<NodeInfo> allNodes)
    {
        if (Cache(ResourceTypes.Pods).Get(key.Namespace, key.Name) is not { } cached || !NeedsScheduling(cached) || _assumed.ContainsKey(key))
        {
            _unschedulable.Remove(key);
            return;
        }
        var pod = Unbound(cached);
        if (JsonTree.GetArray(pod.Document, "spec", "schedulingGates") is { Count: > 0 })
        {
            // Gated pods wait, visibly, until every gate is removed (a spec change re-queues them).
            _unschedulable.Add(key);
            SetScheduledCondition(key, cached, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates");
            return;
        }
        var volumes = VolumeBinding.PreFilter(pod,
            (ns, name) => Cache(StorageObjects.Claims).Get(ns, name)?.Object,
            name => Cache(StorageObjects.Volumes).Get(null, name)?.Object,
            name => Cache(StorageObjects.StorageClasses).Get(null, name)?.Object);
        if (volumes.Unresolvable is { } unresolvable)
        {
            Unschedulable(key, cached, Filters.PreFilterFitErrorMessage(allNodes.Count, unresolvable));
            return;
        }
        var requests = PodUsage.Of(pod).Requests;
        var ports = PodUsage.Of(pod).HostPorts;
        var nodes = WithNominatedPods(key, pod, allNodes);
        var spread = PodTopologySpread.PreFilter(pod, nodes);
        var podAffinity = InterPodAffinity.PreFilter(pod, nodes, NamespaceLabels);
        var feasible = new List<NodeInfo>();
        var failures = new List<(NodeInfo Node, IReadOnlyList<FilterFailure> Failures)>();
        var terms = new PodSchedulingTerms(pod);
        foreach (var node in nodes)
        {
            var failed = Filters.Run(terms, requests, ports, node, volumes.Volumes, spread, podAffinity);
            if (failed.Count == 0)
            {
                feasible.Add(node);
            }
            else
            {
                failures.Add((node, failed));
            }
        }
        if (feasible.Count == 0)
        {
            if (spread is not null || podAffinity is not null)
            {
                _waitingForPods.Add(key);
            }
            var outcome = Preempt(key, pod, nodes, failures, volumes.Volumes);
            var reasons = failures.Select(f => f.Failures).ToList();
            Unschedulable(key, cached, outcome switch
            {
                PreemptionOutcome.Nominated => Filters.FitErrorMessage(nodes.Count, reasons, postFilterMessage: ""),
                PreemptionOutcome.NotEligible notEligible => Filters.FitErrorMessage(nodes.Count, reasons, postFilterMessage: "preemption: " + notEligible.Message),
                _ => Filters.FitErrorMessage(nodes.Count, reasons),
            }, (outcome as PreemptionOutcome.Nominated)?.Node);
            return;
        }
        var chosen = Scoring.Pick(feasible, Scoring.Score(terms, feasible, nodes, NamespaceLabels), _turn++);
        _unschedulable.Remove(key);
        _waitingForPods.Remove(key);
        _nominated.Remove(key);
        _assumed[key] = (chosen, pod);
        Recount(key);
        if (volumes.Volumes.DelayedClaims.Count > 0)
        {
            // VolumeBinding's PreBind: the claims learn the node (the provisioner makes their volumes there), and the pod is
            // bound once they are bound.
            _waitingForVolumes[key] = volumes.Volumes;
            Timers.StartSingleTimer(("bind-timeout", key), new BindTimeout(key, pod.Uid), VolumeBindTimeout);
            foreach (var claim in VolumeBinding.SelectNode(volumes.Volumes, chosen))
            {
                UpdateObject(key, StorageObjects.Claims, claim, new SelectedNodeWrite(key, pod.Uid));
            }
            BindPodsWithBoundVolumes();
            return;
        }
        SendBind(key, chosen, pod);
    }

    private void SendBind(ObjectKey key, string node, KubeObject pod)
    {
        Timers.StartSingleTimer(("bind-timeout", key), new BindTimeout(key, pod.Uid), BindTimeoutAfter);
        Store.Tell(new BindPod(key.Namespace!, key.Name, node, pod.Uid) { Correlation = new BindTag(key, node, pod) }, Self);
    }

    /// <summary>Binds the pods waiting for their WaitForFirstConsumer claims whose claims are all bound now.</summary>
    private void BindPodsWithBoundVolumes()
    {
        foreach (var (key, volumes) in _waitingForVolumes.ToArray())
        {
            var claims = volumes.DelayedClaims.Select(c => Cache(StorageObjects.Claims).Get(c.Namespace, c.Name ?? "")?.Object).ToList();
            if (claims.Any(c => c is null || StorageObjects.VolumeName(c) is null) || !_assumed.TryGetValue(key, out var assumed))
            {
                continue;
            }
            _waitingForVolumes.Remove(key);
            SendBind(key, assumed.Node, assumed.Pod);
        }
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (tag.State is SelectedNodeWrite write && !reply.IsSuccess && _assumed.TryGetValue(write.Pod, out var assumed) && assumed.Pod.Uid == write.Uid)
        {
            // The claim changed under us (or went): forget the choice and schedule the pod again with what is there now.
            Timers.Cancel(("bind-timeout", write.Pod));
            _assumed.Remove(write.Pod);
            Recount(write.Pod);
            _waitingForVolumes.Remove(write.Pod);
            Enqueue(write.Pod);
        }
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        switch (message)
        {
            case StoreReply { Correlation: BindTag tag } reply:
                Bound(reply, tag);
                break;
            case FlushUnschedulable:
                RetryUnschedulable();
                break;
            case ScheduleRound:
                Round();
                break;
            case BindTimeout timeout when _assumed.TryGetValue(timeout.Key, out var assumed) && assumed.Pod.Uid == timeout.Uid:
                // The bind's reply never came (the store restarted), or the pod's volumes were not bound in time: forget the
                // assumption and look again.
                _assumed.Remove(timeout.Key);
                Recount(timeout.Key);
                _waitingForVolumes.Remove(timeout.Key);
                Enqueue(timeout.Key);
                RetryUnschedulable();
                break;
            case BindTimeout:
                break;
            default:
                base.OnOtherMessage(message);
                break;
        }
    }

    private void Bound(StoreReply reply, BindTag tag)
    {
        Timers.Cancel(("bind-timeout", tag.Key));
        _assumed.Remove(tag.Key);
        if (reply.IsSuccess && reply.Object is { } stored)
        {
            Cache(ResourceTypes.Pods).Observe(stored);
            Recount(tag.Key);
            // The cache took the bind in without a change event: pods waiting for this one's placement look again.
            RetryWaitingForPods();
            _events.Tell(new RecordEvent(InvolvedObject.Of(tag.Pod), "Normal", "Scheduled",
                $"Successfully assigned {tag.Key.Namespace}/{tag.Key.Name} to {tag.Node}", Name), Self);
            return;
        }
        if (reply.Error is { Reason: not "NotFound" } error)
        {
            // Already bound or being deleted (Conflict): the watch brings the truth. Either way the pod goes back to the
            // queue with kube-scheduler's initial pod back-off, not at once: the cache may still hold the pod as it was
            // (the store's event of the winning write comes once it is durable), and binding again from it would fail
            // again without end.
            Log.Debug("Binding {0} to {1} failed: {2}", tag.Key, tag.Node, error.Message);
            EnqueueAfter(tag.Key, PodInitialBackoff);
        }
        Recount(tag.Key);
        // The assumed pod no longer occupies its node: others may fit now.
        RetryUnschedulable();
    }

    private void Unschedulable(ObjectKey key, CachedObject cached, string message, string? nominatedNode = null)
    {
        _unschedulable.Add(key);
        // Back in the queue after the pods queued meanwhile (the queue refreshes a failed pod's timestamp).
        _queuedAt[key] = _queueClock++;
        _events.Tell(new RecordEvent(InvolvedObject.Of(Unbound(cached)), "Warning", "FailedScheduling", message, Name), Self);
        SetScheduledCondition(key, cached, "Unschedulable", message, nominatedNode);
    }

    private void SetScheduledCondition(ObjectKey key, CachedObject cached, string reason, string message, string? nominatedNode = null)
    {
        var updated = (JsonObject)Unbound(cached).Document.DeepClone();
        var status = updated["status"] as JsonObject ?? [];
        updated["status"] = status;
        var changed = Conditions.Set(status, "PodScheduled", "False", reason, message, Now);
        if (nominatedNode is not null && JsonTree.GetString(status, "nominatedNodeName") != nominatedNode)
        {
            status["nominatedNodeName"] = nominatedNode;
            changed = true;
        }
        if (changed)
        {
            UpdateStatus(key, ResourceTypes.Pods, updated);
        }
    }

    private void RetryWaitingForPods()
    {
        _waitingForPods.IntersectWith(_unschedulable);
        foreach (var key in _waitingForPods)
        {
            Enqueue(key);
        }
    }

    private IReadOnlyDictionary<string, string>? NamespaceLabels(string name) => Cache(ResourceTypes.Namespaces).Get(null, name)?.Object.Labels;

    private void RetryUnschedulable()
    {
        foreach (var key in _unschedulable)
        {
            Enqueue(key);
        }
    }

    /// <summary>Every node with what its bound and assumed pods use, in name order.</summary>
    private List<NodeInfo> NodeInfos() => [.. _nodeInfos.Values.OrderBy(n => n.Name, StringComparer.Ordinal)];

    /// <summary>A node added, changed or gone: a changed node's info carries its pods over to the new version.</summary>
    private void NodeChanged(CachedObject? before, CachedObject? node)
    {
        if (node is null)
        {
            _nodeInfos.Remove(before!.Name);
            return;
        }
        if (_nodeInfos.TryGetValue(node.Name, out var info))
        {
            _nodeInfos[node.Name] = info.WithNode(node.Object);
            return;
        }
        // A new node: the pods already counted on it (bound before the scheduler saw the node, or assumed there).
        info = new NodeInfo(node.Object);
        foreach (var pod in Cache(ResourceTypes.Pods).ByIndex(ByNode, node.Name))
        {
            if (_counted.TryGetValue(KeyOf(ResourceTypes.Pods, pod), out var counted) && counted.Node == node.Name)
            {
                info.Add(counted.Pod);
            }
        }
        foreach (var (key, assumed) in _assumed)
        {
            if (assumed.Node == node.Name && _counted.TryGetValue(key, out var counted) && counted.Node == node.Name && ReferenceEquals(counted.Pod, assumed.Pod))
            {
                info.Add(assumed.Pod);
            }
        }
        _nodeInfos[node.Name] = info;
    }

    /// <summary>
    /// Counts a pod where it is now: on its node while bound and not finished, or on the node it is assumed on while
    /// the cache still shows it unbound (until the bind comes back).
    /// </summary>
    private void Recount(ObjectKey key)
    {
        var had = _counted.TryGetValue(key, out var was);
        (string Node, KubeObject Pod)? now = null;
        if (Cache(ResourceTypes.Pods).Get(key.Namespace, key.Name) is { } current)
        {
            if (current.Stored.NodeName is { Length: > 0 } node)
            {
                if (!current.Stored.IsTerminalPod)
                {
                    now = (node, BoundPod(current, had && was.Node == node ? was.Pod : null));
                }
            }
            else if (_assumed.TryGetValue(key, out var assumed))
            {
                now = assumed;
            }
        }
        if (had && now is { } same && same.Node == was.Node)
        {
            if (!ReferenceEquals(same.Pod, was.Pod))
            {
                _counted[key] = same;
                _nodeInfos.GetValueOrDefault(same.Node)?.Replace(was.Pod, same.Pod);
            }
            return;
        }
        if (had)
        {
            _counted.Remove(key);
            _nodeInfos.GetValueOrDefault(was.Node)?.Remove(was.Pod);
        }
        if (now is { } placed)
        {
            _counted[key] = placed;
            _nodeInfos.GetValueOrDefault(placed.Node)?.Add(placed.Pod);
        }
    }

    /// <summary>
    /// A bound pod as the node infos count it: its usage read from a private parse, its document shared only once a
    /// plugin reads it (affinity, spread, preemption). Most bound pods are never read again, and a parsed tree held
    /// for each would be most of what the scheduler costs the garbage collector. A version with the spec and owner of
    /// the one counted before (<paramref name="before"/>: the kubelet's status writes) takes its usage without a parse.
    /// One per cached version, so that <see cref="Recount"/> sees an unchanged version as the same pod.
    /// </summary>
    private KubeObject BoundPod(CachedObject cached, KubeObject? before)
    {
        if (_boundPods.TryGetValue(cached, out var known))
        {
            return known;
        }
        var pod = KubeObject.Deferred(() => cached.Object.Document);
        if (before is not null && _boundVersions.TryGetValue(before, out var was) && was.HasSamePodSpec(cached.Stored)
            && was.ControllerReference?.Uid == cached.Stored.ControllerReference?.Uid)
        {
            PodUsage.Of(pod, PodUsage.Of(before));
        }
        else
        {
            PodUsage.Of(pod, cached.Peek());
        }
        _boundPods.Add(cached, pod);
        _boundVersions.Add(pod, cached.Stored);
        return pod;
    }

    /// <summary>
    /// A pod version the scheduler reads while the pod waits to be placed, parsed privately once per version. The shared
    /// parse would live as long as the watch window keeps the version (long after the pod is bound), and thousands of
    /// pending pods' trees outliving their use were most of what the garbage collector promoted.
    /// </summary>
    private KubeObject Unbound(CachedObject cached) => _unboundPods.GetValue(cached, static c => c.Peek());

    private static bool IsBound(CachedObject pod) => pod.Stored.NodeName is { Length: > 0 };

    private bool NeedsScheduling(CachedObject pod) =>
        !IsBound(pod) && !pod.Stored.IsDeleting && !pod.Stored.IsTerminalPod && new PodView(Unbound(pod)).SchedulerName == Name;

    /// <summary>What of a node can change a scheduling decision (not its heartbeats).</summary>
    private static string SchedulingSignature(KubeObject node) =>
        JsonTree.ToCompactJson(node.Spec) + JsonTree.ToCompactJson(JsonTree.Get(node.Document, "metadata", "labels"))
        + JsonTree.ToCompactJson(JsonTree.Get(node.Document, "status", "allocatable"));
}
