using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.History;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.ControlPlane.Volumes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.StatefulSet;

/// <summary>
/// Kubernetes' StatefulSet controller: ordinal pods <c>&lt;set&gt;-&lt;i&gt;</c> with stable identity (hostname,
/// subdomain, the pod-name and pod-index labels) and one PersistentVolumeClaim per volumeClaimTemplate and ordinal, made
/// before the pod and kept (unless the retention policy says Delete); OrderedReady (one pod at a time, each only once the
/// one before is Running and Ready for minReadySeconds; scale-down from the highest ordinal, only when all are healthy)
/// or Parallel; RollingUpdate from the highest ordinal down to the partition, or OnDelete; ControllerRevisions
/// (<see cref="ControllerHistory"/>) for <c>kubectl rollout history|undo</c>; the status counters and revisions.
/// Level-triggered over StatefulSets, their pods, claims and revisions.
/// </summary>
public sealed partial class StatefulSetController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "statefulset-controller";

    /// <summary><c>apps/v1</c> StatefulSets.</summary>
    public static readonly ResourceType StatefulSets = ResourceTypes.Of("apps", "statefulsets");

    private const string ByController = "controller";
    private const string ByUid = "uid";
    private const string OrphansByNamespace = "orphans";
    private static readonly ResourceType Pods = ResourceTypes.Pods;
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly ResourceType Revisions = ControllerHistory.ControllerRevisions;

    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public StatefulSetController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [StatefulSets, Pods, Claims, Revisions], resync)
    {
        _events = events;
        Cache(Pods).AddControllerIndex(ByController, "StatefulSet");
        Cache(Pods).AddOrphanIndex(OrphansByNamespace);
        Cache(StatefulSets).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
        ControllerHistory.AddControllerIndex(Cache(Revisions));
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == StatefulSets.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        foreach (var changed in new[] { before, after }.OfType<CachedObject>())
        {
            if (type.Key == Claims.Key)
            {
                // A claim of ours appeared, went or was bound: the set waiting on it (named <template>-<set>-<i>) looks again.
                foreach (var set in Cache(StatefulSets).InNamespace(changed.Namespace ?? ""))
                {
                    if (changed.Name.Contains("-" + set.Name + "-", StringComparison.Ordinal))
                    {
                        Enqueue(KeyOf(StatefulSets, set));
                    }
                }
                continue;
            }
            if (changed.Stored.ControllerReference is { } owner)
            {
                foreach (var set in Cache(StatefulSets).ByIndex(ByUid, owner.Uid))
                {
                    Enqueue(KeyOf(StatefulSets, set));
                }
            }
            else if (type.Key == Pods.Key && !changed.Stored.IsDeleting)
            {
                foreach (var set in Cache(StatefulSets).InNamespace(changed.Namespace ?? ""))
                {
                    if (IsMemberOf(set.Object, changed.Object))
                    {
                        Enqueue(KeyOf(StatefulSets, set));
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(StatefulSets).Get(key.Namespace, key.Name) is not { } cached)
        {
            return;
        }
        var set = cached.Object;
        LabelSelector selector;
        try
        {
            selector = new WorkloadView(set).Selector;
        }
        catch (SelectorParseException e)
        {
            Log.Warning("StatefulSet {0} has an invalid selector: {1}", key, e.Message);
            return;
        }
        if (AdoptOrphans(key, set, selector))
        {
            return;
        }
        var pods = Cache(Pods).ByIndex(ByController, set.Uid ?? "").Select(p => p.Object).ToList();
        if (EnsureRevisions(key, set, pods) is not { } revisions)
        {
            // A revision is being written (or the collision count bumped): the reply queues the next pass.
            return;
        }
        if (set.DeletionTimestamp is null)
        {
            Sync(key, set, revisions, pods);
        }
        UpdateStatus(key, set, revisions, pods);
        TruncateHistory(key, set, revisions, pods);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        switch (tag.State)
        {
            case PodWrite write when reply.IsSuccess:
                Event(write.Set, "Normal", $"Successful{write.Verb}", $"{write.Verb.ToLowerInvariant()} Pod {write.Pod} in StatefulSet {write.Set.Name} successful");
                break;
            case PodWrite write when reply.Error is { Reason: not ("NotFound" or "Conflict") } error:
                Event(write.Set, "Warning", $"Failed{write.Verb}", $"{write.Verb.ToLowerInvariant()} Pod {write.Pod} in StatefulSet {write.Set.Name} failed error: {error.Message}");
                break;
            case ClaimWrite write when reply.IsSuccess:
                Event(write.Set, "Normal", "SuccessfulCreate", $"create Claim {write.Claim} Pod {write.Pod} in StatefulSet {write.Set.Name} success");
                break;
            case ClaimWrite write when reply.Error is { Reason: not "AlreadyExists" } error:
                Event(write.Set, "Warning", "FailedCreate", $"create Claim {write.Claim} for Pod {write.Pod} in StatefulSet {write.Set.Name} failed error: {error.Message}");
                break;
        }
        EnqueueWhenWritten(tag.Key);
    }

    private sealed record PodWrite(KubeObject Set, string Verb, string Pod);

    private sealed record ClaimWrite(KubeObject Set, string Claim, string Pod);

    /// <summary>Adopts orphan pods that the selector matches and whose name is one of the set's ordinals.</summary>
    private bool AdoptOrphans(ObjectKey key, KubeObject set, LabelSelector selector)
    {
        if (set.DeletionTimestamp is not null || selector.IsEmpty)
        {
            return false;
        }
        var sent = false;
        foreach (var cached in Cache(Pods).ByIndex(OrphansByNamespace, set.Namespace ?? "").ToArray())
        {
            var pod = cached.Object;
            if (pod.ControllerReference is null && pod.DeletionTimestamp is null && IsMemberOf(set, pod) && selector.Matches(pod))
            {
                var adopted = pod.DeepClone();
                adopted.SetOwnerReferences([.. pod.OwnerReferences, OwnerReferenceTo(set)]);
                UpdateObject(key, Pods, adopted.Document);
                sent = true;
            }
        }
        return sent;
    }

    private void Event(KubeObject set, string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(set), type, reason, message, Component), Self);
}
