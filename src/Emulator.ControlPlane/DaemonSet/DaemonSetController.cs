using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.DaemonSet;

/// <summary>
/// Kubernetes' DaemonSet controller: one pod per eligible node (nodeSelector, required node affinity, taints against
/// the tolerations daemon pods get), pinned by a <c>matchFields metadata.name</c> node affinity and bound by the
/// scheduler. Nodes that stop qualifying lose their pod, duplicates go (the oldest stays), failed pods are deleted and
/// replaced with a per-node back-off. The template is snapshotted in ControllerRevisions (<see cref="ControllerHistory"/>);
/// RollingUpdate (maxUnavailable or maxSurge) and OnDelete roll pods to the current revision. Level-triggered over
/// DaemonSets, Pods, Nodes and ControllerRevisions; one <see cref="Reconcile"/> per DaemonSet.
/// </summary>
public sealed partial class DaemonSetController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "daemonset-controller";

    /// <summary>Most pods created or deleted per sync (the controller's <c>BurstReplicas</c>).</summary>
    public const int BurstReplicas = 250;

    private const string ByController = "controller";
    private const string ByUid = "uid";
    private const string OrphansByNamespace = "orphans";

    private static readonly ResourceType DaemonSets = ResourceTypes.Of("apps", "daemonsets");
    private static readonly ResourceType Pods = ResourceTypes.Pods;
    private static readonly ResourceType Nodes = ResourceTypes.Nodes;
    private static readonly ResourceType Revisions = ControllerHistory.ControllerRevisions;

    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public DaemonSetController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [DaemonSets, Pods, Nodes, Revisions], resync)
    {
        _events = events;
        Cache(Pods).AddControllerIndex(ByController);
        Cache(Pods).AddOrphanIndex(OrphansByNamespace);
        Cache(DaemonSets).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
        ControllerHistory.AddControllerIndex(Cache(Revisions));
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        base.PreStart();
        // The failed-pod back-off forgets entries idle for twice its cap, as the controller's periodic backoff GC does.
        Timers.StartPeriodicTimer("failed-pods-backoff-gc", new CollectBackoff(), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    private sealed record CollectBackoff;

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        if (message is CollectBackoff)
        {
            _failedPodsBackoff.Collect(Now);
            return;
        }
        base.OnOtherMessage(message);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Nodes.Key)
        {
            // Only what decides eligibility matters (labels, taints, the node coming or going); kubelet heartbeats don't.
            if (before is null || after is null || !SameSchedulingFacts(before.Object, after.Object))
            {
                foreach (var ds in Cache(DaemonSets).All)
                {
                    Enqueue(KeyOf(DaemonSets, ds));
                }
            }
            return;
        }
        if (type.Key != Pods.Key && type.Key != Revisions.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        foreach (var obj in new[] { before, after })
        {
            if (obj is null)
            {
                continue;
            }
            if (obj.Stored.ControllerReference is { Kind: "DaemonSet" } owner)
            {
                foreach (var ds in Cache(DaemonSets).ByIndex(ByUid, owner.Uid))
                {
                    Enqueue(KeyOf(DaemonSets, ds));
                }
            }
            else if (obj.Stored.ControllerReference is null && !obj.Stored.IsDeleting)
            {
                // An orphan: every DaemonSet that selects it may adopt it.
                foreach (var ds in Cache(DaemonSets).InNamespace(obj.Namespace ?? ""))
                {
                    if (Selects(ds.Object, obj.Object))
                    {
                        Enqueue(KeyOf(DaemonSets, ds));
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(DaemonSets).Get(key.Namespace, key.Name) is not { } cached)
        {
            Forget(key);
            return;
        }
        var ds = cached.Object;
        LabelSelector selector;
        try
        {
            selector = new WorkloadView(ds).Selector;
        }
        catch (SelectorParseException e)
        {
            Log.Warning("DaemonSet {0} has an invalid selector: {1}", key, e.Message);
            return;
        }
        if (selector.IsEmpty)
        {
            Event(ds, "Warning", "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.");
            return;
        }
        // A DaemonSet being deleted: its history may already be gone, so its status cannot be computed; the garbage
        // collector removes its pods.
        if (ds.DeletionTimestamp is not null)
        {
            return;
        }
        if (ClaimPods(key, ds, selector) | ClaimRevisions(key, ds, selector))
        {
            // Adoptions and releases are in flight: their replies queue the next pass with the settled ownership.
            return;
        }
        if (ConstructHistory(key, ds) is not { } history)
        {
            // The current revision is being created (or renumbered after a collision): continue once it is in.
            return;
        }
        var probe = ProbePod(ds);
        var eligibility = new SortedDictionary<string, Eligibility>(StringComparer.Ordinal);
        foreach (var node in Cache(Nodes).All)
        {
            eligibility[node.Name] = NodeShouldRunDaemonPod(probe, node.Object);
        }
        var nodeToPods = NodeToDaemonPods(ds);
        Manage(key, ds, eligibility, nodeToPods, history.Hash);
        // Roll only once the manage pass has nothing in flight (Kubernetes: expectations satisfied after manage).
        if (WritesInFlight(key) == 0 && new WorkloadView(ds).StrategyType == "RollingUpdate")
        {
            RollingUpdate(key, ds, eligibility, nodeToPods, history.Hash);
        }
        CleanupHistory(key, ds, history.Old, nodeToPods);
        UpdateStatus(key, cached, eligibility, nodeToPods, history.Hash);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        switch (tag.State)
        {
            case PodCreate create:
                PodCreated(tag.Key, create, reply);
                break;
            case PodDelete delete when reply.IsSuccess:
                Event(delete.DaemonSet, "Normal", "SuccessfulDelete", $"Deleted pod: {delete.Pod}");
                break;
            case PodDelete delete when reply.Error is { Reason: not "NotFound" } error:
                Event(delete.DaemonSet, "Warning", "FailedDelete", $"Error deleting: {error.Message}");
                break;
        }
        EnqueueWhenWritten(tag.Key);
    }

    private static bool SameSchedulingFacts(KubeObject before, KubeObject after) =>
        JsonTree.DeepEquals(JsonTree.Get(before.Document, "metadata", "labels"), JsonTree.Get(after.Document, "metadata", "labels"))
        && JsonTree.DeepEquals(JsonTree.Get(before.Document, "spec", "taints"), JsonTree.Get(after.Document, "spec", "taints"));

    private static bool Selects(KubeObject ds, KubeObject obj) => new WorkloadView(ds).Selects(obj);

    private void Forget(ObjectKey key)
    {
        _slowStart.Remove(key);
        _failedPodsBackoff.ForgetOwner(key);
    }

    private void Event(KubeObject ds, string type, string reason, string message) =>
        _events.Tell(new Events.RecordEvent(Events.InvolvedObject.Of(ds), type, reason, message, Component), Self);
}
