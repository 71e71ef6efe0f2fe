using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Deployment;

/// <summary>
/// Kubernetes' Deployment controller: keeps one ReplicaSet per pod template (<c>&lt;deploy&gt;-&lt;pod-template-hash&gt;</c>),
/// rolls from the old ones to the new one (RollingUpdate within maxSurge/maxUnavailable, or Recreate), scales
/// proportionally when replicas change mid-rollout, keeps revisions and their history, cleans up old ReplicaSets beyond
/// revisionHistoryLimit, adopts matching orphan ReplicaSets (releasing owned ones that stop matching) and reports
/// status and the Available/Progressing conditions (with the progress deadline).
/// Each pass sends at most one write to the Deployment itself; the replies queue the next pass.
/// </summary>
public sealed partial class DeploymentController : Controller
{
    /// <summary>The event source component.</summary>
    public const string Component = "deployment-controller";

    private const string ByUid = "uid";
    private const string ByController = "controller";

    private static readonly ResourceType Deployments = ResourceTypes.Deployments;
    private static readonly ResourceType ReplicaSets = ResourceTypes.ReplicaSets;
    private static readonly ResourceType Pods = ResourceTypes.Pods;

    private readonly IActorRef _events;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public DeploymentController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null)
        : base(store, watchHub, [Deployments, ReplicaSets, Pods], resync)
    {
        _events = events;
        Cache(ReplicaSets).AddControllerIndex(ByController);
        Cache(ReplicaSets).AddIndex(ByUid, o => o.Uid is { } uid ? [uid] : []);
        Cache(Pods).AddControllerIndex(ByController);
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == Deployments.Key)
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
            if (obj.Stored.ControllerReference is not { } owner)
            {
                if (type.Key == ReplicaSets.Key && obj.Object.DeletionTimestamp is null)
                {
                    EnqueueSelecting(obj);
                }
                continue;
            }
            if (type.Key == ReplicaSets.Key)
            {
                EnqueueOwner(obj.Namespace, owner);
            }
            else
            {
                // Pods matter only to Recreate, which waits for the old ones to go.
                foreach (var rs in Cache(ReplicaSets).ByIndex(ByUid, owner.Uid))
                {
                    if (rs.Stored.ControllerReference is { Kind: "Deployment" } deploymentRef
                        && Cache(Deployments).Get(rs.Namespace, deploymentRef.Name) is { } d
                        && new WorkloadView(d.Object).StrategyType == "Recreate")
                    {
                        EnqueueOwner(rs.Namespace, deploymentRef);
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Deployments).Get(key.Namespace, key.Name) is not { } cached)
        {
            _createdNewReplicaSet.Remove(key);
            return;
        }
        if (ClaimReplicaSets(key, cached.Object))
        {
            // Adoptions and releases are in flight: their replies queue the next pass with the settled ownership.
            return;
        }
        var pass = new Pass(key, cached, Now, OwnedReplicaSets(cached.Object));
        if (cached.Object.DeletionTimestamp is not null)
        {
            SyncStatusOnly(pass);
            return;
        }
        if (CheckPausedConditions(pass))
        {
            return;
        }
        if (pass.View.Paused || IsScalingEvent(pass))
        {
            Sync(pass);
        }
        else if (pass.View.StrategyType == "Recreate")
        {
            RolloutRecreate(pass);
        }
        else
        {
            RolloutRolling(pass);
        }
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (reply.IsSuccess && tag.State is Scaled scaled && scaled.From != scaled.To)
        {
            var direction = scaled.To > scaled.From ? "up" : "down";
            _events.Tell(new RecordEvent(InvolvedObject.Of(scaled.Deployment), "Normal", "ScalingReplicaSet",
                $"Scaled {direction} replica set {scaled.ReplicaSet} from {scaled.From} to {scaled.To}", Component), Self);
        }
        if (reply.IsSuccess && tag.State is Created created)
        {
            _createdNewReplicaSet[tag.Key] = created.ReplicaSet;
            if (created.Replicas > 0)
            {
                _events.Tell(new RecordEvent(InvolvedObject.Of(created.Deployment), "Normal", "ScalingReplicaSet",
                    $"Scaled up replica set {created.ReplicaSet} from 0 to {created.Replicas}", Component), Self);
            }
        }
        EnqueueWhenWritten(tag.Key);
    }

    /// <summary>A sum of replica counts as an int32, saturated: several ReplicaSets may each ask for int32's maximum.</summary>
    private static int Saturated(long total) => (int)Math.Clamp(total, int.MinValue, int.MaxValue);

    private void EnqueueOwner(string? ns, OwnerReference owner)
    {
        if (owner.Kind == "Deployment" && Cache(Deployments).Get(ns, owner.Name) is { } d && d.Object.Uid == owner.Uid)
        {
            Enqueue(KeyOf(Deployments, d));
        }
    }

    /// <summary>The ReplicaSets this Deployment controls, oldest first.</summary>
    private List<ReplicaSetState> OwnedReplicaSets(KubeObject d) =>
        Cache(ReplicaSets).ByIndex(ByController, d.Uid ?? "")
            .Select(rs => new ReplicaSetState(rs))
            .OrderBy(rs => rs.Created).ThenBy(rs => rs.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>A reconcile pass over one Deployment: its view, its ReplicaSets, and the ReplicaSet writes it plans.</summary>
    private sealed class Pass(ObjectKey key, CachedObject cached, DateTimeOffset now, List<ReplicaSetState> owned)
    {
        public ObjectKey Key { get; } = key;

        public CachedObject Cached { get; } = cached;

        public KubeObject Deployment => Cached.Object;

        public WorkloadView View { get; } = new(cached.Object);

        public DateTimeOffset Now { get; } = now;

        public List<ReplicaSetState> Owned { get; } = owned;

        public int Replicas => View.Replicas;

        public bool IsRolling => View.StrategyType != "Recreate";

        /// <summary>maxSurge (0 for Recreate).</summary>
        public int MaxSurge => IsRolling ? View.RollingUpdateBounds.MaxSurge : 0;

        /// <summary>
        /// replicas + maxSurge, the most pods a rollout may run, saturated at int32's maximum: <c>replicas: 2147483647</c>
        /// is valid, and an overflow would turn the bound negative (and the rollout upside down).
        /// </summary>
        public int MaxTotal => Saturated((long)Replicas + MaxSurge);

        /// <summary>maxUnavailable capped at replicas (0 for Recreate or no replicas).</summary>
        public int MaxUnavailable => !IsRolling || Replicas == 0 ? 0 : Math.Min(View.RollingUpdateBounds.MaxUnavailable, Replicas);
    }

    /// <summary>A ReplicaSet as a pass sees it, with the replicas it plans for it.</summary>
    private sealed class ReplicaSetState(CachedObject cached)
    {
        public CachedObject Cached { get; } = cached;

        public KubeObject Object => Cached.Object;

        public string Name => Object.Name ?? "";

        public DateTimeOffset Created => Object.CreationTimestamp ?? DateTimeOffset.MinValue;

        public int SpecReplicas { get; } = new WorkloadView(cached.Object).Replicas;

        /// <summary>The replicas this pass wants (spec until changed).</summary>
        public int Planned { get; set; } = new WorkloadView(cached.Object).Replicas;

        /// <summary>True when this pass must write the ReplicaSet (size or scale annotations).</summary>
        public bool Dirty { get; set; }

        public int StatusReplicas => (int)(JsonTree.GetInt(Object.Document, "status", "replicas") ?? 0);

        public int Ready => (int)(JsonTree.GetInt(Object.Document, "status", "readyReplicas") ?? 0);

        public int Available => (int)(JsonTree.GetInt(Object.Document, "status", "availableReplicas") ?? 0);

        public long Revision => DeploymentAnnotations.RevisionOf(Object);
    }

    private sealed record Scaled(KubeObject Deployment, string ReplicaSet, int From, int To);

    private sealed record Created(KubeObject Deployment, string ReplicaSet, int Replicas);
}
