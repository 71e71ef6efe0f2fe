using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ReplicaSet;

/// <summary>
/// Kubernetes' ReplicaSet controller: keeps as many active pods as a ReplicaSet asks for. It adopts matching orphan
/// pods and releases owned pods that stop matching, creates missing pods in slow-start batches (1, 2, 4…), deletes
/// surplus pods in <see cref="ScaleDownRanking"/> order, and reports the counts and the ReplicaFailure condition in
/// the status. Level-triggered over ReplicaSets and Pods (pods indexed by their controller's uid). The same reconcile
/// keeps ReplicationControllers (<see cref="ReplicatedKind"/>), as Kubernetes' replication manager reuses it.
/// </summary>
public partial class ReplicaSetController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "replicaset-controller";

    /// <summary>Most pods created or deleted per sync.</summary>
    public const int BurstReplicas = 500;

    /// <summary>
    /// What the controller manager's client rate limit (<c>--kube-api-qps</c> 20) makes of a burst of
    /// <see cref="BurstReplicas"/> creations in Kubernetes: 500 / 20 per second. Pass it as the burst pause to pace a
    /// ReplicaSet as a real cluster would; the emulator's default is no pause (the next burst once the last is in).
    /// </summary>
    public static readonly TimeSpan ClientRateBurstPause = TimeSpan.FromSeconds(BurstReplicas / 20);

    internal const string ByController = "controller";
    private readonly TimeSpan _burstPause;
    private const string ByUid = "uid";
    private const string OrphansByNamespace = "orphans";

    private static readonly ResourceType Pods = ResourceTypes.Pods;

    private readonly IActorRef _events;
    private readonly ReplicatedKind _kind;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    /// <param name="burstPause">The emulated time a ReplicaSet waits after a burst of <see cref="BurstReplicas"/> creations.</param>
    public ReplicaSetController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null, TimeSpan burstPause = default)
        : this(ReplicatedKind.ReplicaSet, store, watchHub, events, resync, burstPause)
    {
    }

    /// <summary>Creates the controller for <paramref name="kind"/>.</summary>
    /// <param name="kind">The kind whose replicas it keeps.</param>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    /// <param name="burstPause">The emulated time an object waits after a burst of <see cref="BurstReplicas"/> creations.</param>
    protected ReplicaSetController(ReplicatedKind kind, IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync, TimeSpan burstPause)
        : base(store, watchHub, [kind.Type, Pods], resync)
    {
        _kind = kind;
        _events = events;
        _burstPause = burstPause;
        Cache(Pods).AddControllerIndex(ByController);
        // Adoption looks at orphans only: scanning every pod of the namespace per sync would be quadratic.
        Cache(Pods).AddOrphanIndex(OrphansByNamespace);
        Cache(_kind.Type).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key != Pods.Key)
        {
            base.OnChange(type, before, after);
            return;
        }
        foreach (var pod in new[] { before, after })
        {
            if (pod is null)
            {
                continue;
            }
            if (pod.Stored.ControllerReference is { } owner)
            {
                foreach (var rs in Cache(_kind.Type).ByIndex(ByUid, owner.Uid))
                {
                    Enqueue(KeyOf(_kind.Type, rs));
                }
            }
            else if (pod.Object.DeletionTimestamp is null)
            {
                // An orphan: every ReplicaSet that selects it may adopt it.
                foreach (var rs in Cache(_kind.Type).InNamespace(pod.Namespace ?? ""))
                {
                    if (_kind.Selects(rs.Object, pod.Object))
                    {
                        Enqueue(KeyOf(_kind.Type, rs));
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(_kind.Type).Get(key.Namespace, key.Name) is not { } cached)
        {
            Forget(key);
            return;
        }
        var rs = cached.Object;
        LabelSelector selector;
        try
        {
            selector = _kind.Selector(rs);
        }
        catch (SelectorParseException e)
        {
            Log.Warning("{0} {1} has an invalid selector: {2}", _kind.Kind, key, e.Message);
            return;
        }
        var census = TakeCensus(rs, selector);
        if (ClaimPods(key, rs, selector, census.Released))
        {
            // Adoptions and releases are in flight: their replies queue the next pass with the settled ownership.
            return;
        }
        var retryAt = rs.DeletionTimestamp is null ? ManageReplicas(key, rs, census.Active) : null;
        UpdateStatus(key, cached, census, retryAt);
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        switch (tag.State)
        {
            case PodCreate:
                PodCreated(tag.Key, reply);
                break;
            case PodDelete delete when reply.IsSuccess:
                Event(delete.ReplicaSet, "Normal", "SuccessfulDelete", $"Deleted pod: {delete.Pod}");
                break;
        }
        EnqueueWhenWritten(tag.Key);
    }

    private void Event(KubeObject rs, string type, string reason, string message) =>
        _events.Tell(new Events.RecordEvent(Events.InvolvedObject.Of(rs), type, reason, message, _kind.Component), Self);
}
