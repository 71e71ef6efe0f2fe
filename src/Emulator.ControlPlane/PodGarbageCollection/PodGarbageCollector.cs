using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.PodGarbageCollection;

/// <summary>
/// Kubernetes' pod garbage collector (<c>PodGCController</c>). Every <see cref="CheckPeriod"/> (and when a node goes or
/// a pod ends) it force-deletes, after marking them Failed:
/// <list type="bullet">
/// <item>pods bound to a node that has been missing for <see cref="QuarantineTime"/> (orphaned: no kubelet will ever
/// finish them), with the <c>DisruptionTarget</c> condition, reason <c>DeletionByPodGC</c>;</item>
/// <item>terminated (Succeeded/Failed) pods beyond <c>--terminated-pod-gc-threshold</c>, evicted ones first, then
/// oldest first;</item>
/// <item>terminating pods that were never scheduled (no kubelet will confirm their deletion).</item>
/// </list>
/// Level-triggered over Pods and Nodes; one sweep key.
/// </summary>
public sealed class PodGarbageCollector : Controller
{
    /// <summary>The event source component (Kubernetes' field manager for its status writes).</summary>
    public const string Component = "pod-garbage-collector";

    /// <summary>Kubernetes' default <c>--terminated-pod-gc-threshold</c>.</summary>
    public const int DefaultTerminatedPodThreshold = 12500;

    /// <summary><c>gcCheckPeriod</c>: how often the collector sweeps.</summary>
    public static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(20);

    /// <summary><c>quarantineTime</c>: how long a node must stay missing before its pods count as orphaned.</summary>
    public static readonly TimeSpan QuarantineTime = TimeSpan.FromSeconds(40);

    private const string Terminated = "terminated";
    private const string UnscheduledTerminating = "unscheduled-terminating";
    private static readonly ResourceType Pods = ResourceTypes.Pods;
    private static readonly ResourceType Nodes = ResourceTypes.Nodes;
    private static readonly ObjectKey Sweep = new("podgc", null, "sweep");

    private readonly int _terminatedPodThreshold;

    // Node names pods are bound to that the node cache lacks, and since when (the quarantine).
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);

    // Pods whose deletion this collector already sent (uid): a sweep before the watch catches up must not repeat it.
    private readonly HashSet<string> _deleting = new(StringComparer.Ordinal);

    /// <summary>Creates the collector.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="terminatedPodThreshold">
    /// <c>--terminated-pod-gc-threshold</c>: terminated pods kept before the oldest are deleted (0 or less: never).
    /// </param>
    public PodGarbageCollector(IActorRef store, IActorRef watchHub, int terminatedPodThreshold = DefaultTerminatedPodThreshold)
        : base(store, watchHub, [Pods, Nodes])
    {
        _terminatedPodThreshold = terminatedPodThreshold;
        Cache(Pods).AddIndex(Terminated, (CachedObject pod) => pod.Stored.IsTerminalPod ? [""] : []);
        Cache(Pods).AddIndex(UnscheduledTerminating, (CachedObject pod) => pod.Stored.IsDeleting && string.IsNullOrEmpty(pod.Stored.NodeName) ? [""] : []);
    }

    private sealed record Tick;

    private sealed record PodGcWrite(string Uid);

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("podgc-check", new Tick(), CheckPeriod, CheckPeriod);
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        if (message is Tick)
        {
            Enqueue(Sweep);
            return;
        }
        base.OnOtherMessage(message);
    }

    /// <inheritdoc />
    protected override void OnSynced() => Enqueue(Sweep);

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Nodes.Key)
        {
            if (after is null || before is null)
            {
                // A node went (its pods enter quarantine) or came back (they leave it).
                Enqueue(Sweep);
            }
            return;
        }
        if (after is null)
        {
            if (before is not null)
            {
                _deleting.Remove(before.Stored.Uid);
            }
            return;
        }
        // Read from the stored fields: the collector looks at every pod change, and parses none of them.
        var pod = after.Stored;
        var becameTerminal = pod.IsTerminalPod && (before is null || !before.Stored.IsTerminalPod);
        if ((becameTerminal && _terminatedPodThreshold > 0 && Cache(Pods).ByIndex(Terminated, "").Count > _terminatedPodThreshold)
            || (pod.IsDeleting && string.IsNullOrEmpty(pod.NodeName))
            || (pod.NodeName is { Length: > 0 } node && Cache(Nodes).Get(null, node) is null))
        {
            Enqueue(Sweep);
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (key != Sweep)
        {
            // The base queues every pod after a list; the collector works on the whole set in one sweep.
            Enqueue(Sweep);
            return;
        }
        if (_terminatedPodThreshold > 0)
        {
            CollectTerminated();
        }
        CollectOrphaned();
        CollectUnscheduledTerminating();
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (tag.State is PodGcWrite write && !reply.IsSuccess && reply.Error?.Reason != "NotFound")
        {
            // Failed: let the next sweep try again.
            _deleting.Remove(write.Uid);
        }
    }

    /// <summary><c>gcTerminated</c>: deletes terminated pods beyond the threshold, evicted first, then oldest (then by name).</summary>
    private void CollectTerminated()
    {
        var terminated = Cache(Pods).ByIndex(Terminated, "").Select(c => c.Object).Where(p => !_deleting.Contains(p.Uid ?? "")).ToList();
        var excess = terminated.Count - _terminatedPodThreshold;
        if (excess <= 0)
        {
            return;
        }
        terminated.Sort((a, b) =>
        {
            var evictedA = IsEvicted(a);
            var evictedB = IsEvicted(b);
            if (evictedA != evictedB)
            {
                return evictedA ? -1 : 1;
            }
            var byCreation = Nullable.Compare(a.CreationTimestamp, b.CreationTimestamp);
            return byCreation != 0 ? byCreation : string.CompareOrdinal(a.Name, b.Name);
        });
        foreach (var pod in terminated.Take(excess))
        {
            MarkFailedAndDelete(pod, null);
        }
    }

    /// <summary>
    /// <c>gcOrphaned</c>: pods bound to a node missing from the cache for <see cref="QuarantineTime"/> (a node
    /// re-registering within it keeps its pods) are marked Failed with DisruptionTarget and deleted.
    /// </summary>
    private void CollectOrphaned()
    {
        var now = Now;
        var missing = new Dictionary<string, List<KubeObject>>(StringComparer.Ordinal);
        foreach (var cached in Cache(Pods).All)
        {
            // The node name is a stored field: a sweep over every pod parses only those of missing nodes.
            if (cached.Stored.NodeName is { Length: > 0 } node && Cache(Nodes).Get(null, node) is null)
            {
                if (!missing.TryGetValue(node, out var pods))
                {
                    missing[node] = pods = [];
                }
                pods.Add(cached.Object);
            }
        }
        foreach (var node in _missingSince.Keys.Where(n => !missing.ContainsKey(n)).ToArray())
        {
            _missingSince.Remove(node);
        }
        DateTimeOffset? nextCheck = null;
        foreach (var (node, pods) in missing.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!_missingSince.TryGetValue(node, out var since))
            {
                _missingSince[node] = since = now;
            }
            var until = since + QuarantineTime;
            if (until > now)
            {
                nextCheck = nextCheck is { } at && at < until ? at : until;
                continue;
            }
            foreach (var pod in pods.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                if (!_deleting.Contains(pod.Uid ?? ""))
                {
                    MarkFailedAndDelete(pod, ("DisruptionTarget", "DeletionByPodGC", "PodGC: node no longer exists"));
                }
            }
        }
        if (nextCheck is { } check)
        {
            EnqueueAfter(Sweep, check - now);
        }
    }

    /// <summary><c>gcUnscheduledTerminating</c>: terminating pods never bound to a node have no kubelet to finish them.</summary>
    private void CollectUnscheduledTerminating()
    {
        foreach (var cached in Cache(Pods).ByIndex(UnscheduledTerminating, "").ToArray())
        {
            if (!_deleting.Contains(cached.Object.Uid ?? ""))
            {
                MarkFailedAndDelete(cached.Object, null);
            }
        }
    }

    /// <summary>
    /// <c>markFailedAndDeletePodWithCondition</c>: a pod not yet terminal is first moved to phase Failed (with the
    /// condition, if any) so it ends Failed even with no kubelet left, then it is deleted with grace period 0.
    /// </summary>
    private void MarkFailedAndDelete(KubeObject pod, (string Type, string Reason, string Message)? condition)
    {
        var uid = pod.Uid ?? "";
        _deleting.Add(uid);
        if (!new PodView(pod).IsTerminal)
        {
            var failed = pod.DeepClone();
            // Applied with force in Kubernetes: no resourceVersion precondition.
            failed.Metadata.Remove("resourceVersion");
            var status = failed.EnsureStatus();
            status["phase"] = "Failed";
            if (condition is { } c)
            {
                Conditions.Set(status, c.Type, "True", c.Reason, c.Message, Now);
            }
            UpdateStatus(Sweep, Pods, failed.Document, new PodGcWrite(uid));
        }
        DeleteObject(Sweep, Pods, pod.Namespace, pod.Name ?? "", uid, gracePeriodSeconds: 0, state: new PodGcWrite(uid));
    }

    /// <summary><c>eviction.PodIsEvicted</c>: Failed with reason Evicted.</summary>
    private static bool IsEvicted(KubeObject pod) =>
        JsonTree.GetString(pod.Document, "status", "phase") == "Failed" && JsonTree.GetString(pod.Document, "status", "reason") == "Evicted";
}
