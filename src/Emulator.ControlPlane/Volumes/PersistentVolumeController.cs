using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Volumes;

/// <summary>
/// Kubernetes' persistent volume controller with an emulated dynamic provisioner (kind's local-path-provisioner) and
/// the pvc/pv protection controllers: it binds each claim to a matching available volume, or provisions one for a claim
/// of a StorageClass (Immediate at once, WaitForFirstConsumer once the scheduler has set the claim's selected node),
/// keeps the Pending/Bound/Released/Lost phases, reclaims released volumes (Delete removes them, Retain keeps them
/// Released), gives claims without a class the default class (retroactive default StorageClass assignment), and removes
/// the protection finalizers once a claim is no longer used by a scheduled pod or a volume no longer bound. Level
/// triggered over claims (its primary type), volumes, StorageClasses and pods; claims and volumes reconcile under their
/// own keys.
/// </summary>
public sealed partial class PersistentVolumeController : Controller
{
    /// <summary>The event source of the binder.</summary>
    public const string Component = "persistentvolume-controller";

    private const string PodsByClaim = "claim";
    private const string VolumesByClaim = "claim";
    private const string DeletingByNamespace = "deleting";
    private static readonly ResourceType Claims = StorageObjects.Claims;
    private static readonly ResourceType Volumes = StorageObjects.Volumes;
    private static readonly ResourceType Classes = StorageObjects.StorageClasses;
    private static readonly ResourceType Pods = ResourceTypes.Pods;

    private readonly IActorRef _events;
    private readonly bool _ensureStandardClass;
    private bool _standardClassEnsured;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="events">The event recorder.</param>
    /// <param name="resync">Periodic resync of the claims (null: none).</param>
    /// <param name="ensureStandardClass">
    /// Create kind's default StorageClass <c>standard</c> when it is missing at start (an addon in
    /// <c>EnsureExists</c> mode: made again at the next start if deleted, never overwritten).
    /// </param>
    public PersistentVolumeController(IActorRef store, IActorRef watchHub, IActorRef events, TimeSpan? resync = null, bool ensureStandardClass = false)
        : base(store, watchHub, [Claims, Volumes, Classes, Pods], resync)
    {
        _events = events;
        _ensureStandardClass = ensureStandardClass;
        Cache(Pods).AddIndex(PodsByClaim, (CachedObject pod) => StorageObjects.PodClaimNames(pod).Select(c => $"{pod.Namespace}/{c}"));
        Cache(Claims).AddIndex(DeletingByNamespace, (CachedObject claim) => claim.Stored.IsDeleting ? [claim.Namespace ?? ""] : []);
        Cache(Volumes).AddIndex(VolumesByClaim, volume =>
            JsonTree.GetObject(volume.Document, "spec", "claimRef") is { } claimRef
                ? [$"{JsonTree.GetString(claimRef, "namespace")}/{JsonTree.GetString(claimRef, "name")}"]
                : []);
    }

    private sealed record ProvisionWrite(KubeObject Claim, string Provisioner, string Volume);

    /// <inheritdoc />
    protected override void OnSynced()
    {
        if (_ensureStandardClass)
        {
            Enqueue(new ObjectKey(Classes.Key, null, StorageObjects.StandardClassName));
        }
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        var obj = (after ?? before)!;
        if (type.Key == Claims.Key)
        {
            Enqueue(KeyOf(Claims, obj));
            // The volumes bound (or pre-bound) to the claim follow it: Released when it goes.
            foreach (var volume in Cache(Volumes).ByIndex(VolumesByClaim, $"{obj.Namespace}/{obj.Name}"))
            {
                Enqueue(KeyOf(Volumes, volume));
            }
        }
        else if (type.Key == Volumes.Key)
        {
            Enqueue(KeyOf(Volumes, obj));
            foreach (var claimRef in new[] { before, after }.Select(v => v is null ? null : JsonTree.GetObject(v.Object.Document, "spec", "claimRef")).OfType<System.Text.Json.Nodes.JsonObject>())
            {
                Enqueue(new ObjectKey(Claims.Key, JsonTree.GetString(claimRef, "namespace"), JsonTree.GetString(claimRef, "name") ?? ""));
            }
            // A volume that became available may bind a waiting claim.
            if (after is not null && JsonTree.GetObject(after.Object.Document, "spec", "claimRef") is null)
            {
                EnqueuePendingClaims();
            }
        }
        else if (type.Key == Classes.Key)
        {
            // A new default class, or the class a claim waits for.
            EnqueuePendingClaims();
        }
        else if (type.Key == Pods.Key && Cache(Claims).ByIndex(DeletingByNamespace, obj.Namespace ?? "").Count > 0)
        {
            // Pods matter to the claims they use: protection, while those are being deleted (none: nothing to read).
            foreach (var pod in new[] { before, after }.OfType<CachedObject>())
            {
                foreach (var claim in StorageObjects.PodClaimNames(pod))
                {
                    if (Cache(Claims).Get(pod.Namespace, claim) is { Stored.IsDeleting: true })
                    {
                        Enqueue(new ObjectKey(Claims.Key, pod.Namespace, claim));
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (key.Resource == Claims.Key)
        {
            if (Cache(Claims).Get(key.Namespace, key.Name) is { } claim)
            {
                SyncClaim(key, claim.Object);
            }
        }
        else if (key.Resource == Volumes.Key)
        {
            if (Cache(Volumes).Get(null, key.Name) is { } volume)
            {
                SyncVolume(key, volume.Object);
            }
        }
        else if (key.Resource == Classes.Key)
        {
            EnsureStandardClass(key);
        }
    }

    /// <inheritdoc />
    protected override void OnWriteReply(StoreReply reply, WriteTag tag)
    {
        base.OnWriteReply(reply, tag);
        if (tag.State is ProvisionWrite provision)
        {
            if (reply.IsSuccess)
            {
                Event(provision.Claim, "Normal", "ProvisioningSucceeded", $"Successfully provisioned volume {provision.Volume}", provision.Provisioner);
            }
            else if (reply.Error is { Reason: not "AlreadyExists" } error)
            {
                Event(provision.Claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{StorageObjects.ClaimClass(provision.Claim)}\": {error.Message}", provision.Provisioner);
            }
        }
        EnqueueWhenWritten(tag.Key);
    }

    private void EnsureStandardClass(ObjectKey key)
    {
        if (!_ensureStandardClass || _standardClassEnsured)
        {
            return;
        }
        _standardClassEnsured = true;
        if (Cache(Classes).Get(null, StorageObjects.StandardClassName) is null)
        {
            CreateObject(key, Classes, StorageObjects.StandardClass());
        }
    }

    private void EnqueuePendingClaims()
    {
        foreach (var claim in Cache(Claims).All)
        {
            if (StorageObjects.VolumeName(claim.Object) is null)
            {
                Enqueue(KeyOf(Claims, claim));
            }
        }
    }

    private void Event(KubeObject obj, string type, string reason, string message, string component = Component) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(obj), type, reason, message, component), Self);
}
