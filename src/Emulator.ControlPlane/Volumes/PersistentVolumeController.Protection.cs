using Emulator.ControlPlane.ReplicaSet;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;

namespace Emulator.ControlPlane.Volumes;

public sealed partial class PersistentVolumeController
{
    /// <summary>
    /// The pvc-protection controller: a claim being deleted loses its <c>kubernetes.io/pvc-protection</c> finalizer
    /// (and so goes) once no scheduled, unfinished pod uses it; until then it stays Terminating.
    /// </summary>
    private void ReleaseClaimProtection(ObjectKey key, KubeObject claim)
    {
        if (!claim.Finalizers.Contains(StorageDefaults.ClaimProtectionFinalizer))
        {
            return;
        }
        var inUse = Cache(Pods).ByIndex(PodsByClaim, $"{claim.Namespace}/{claim.Name}")
            .Any(p => p.Stored.NodeName is { Length: > 0 } && !p.Stored.IsTerminalPod);
        if (inUse)
        {
            return;
        }
        var released = claim.DeepClone();
        released.SetFinalizers(claim.Finalizers.Where(f => f != StorageDefaults.ClaimProtectionFinalizer));
        UpdateObject(key, Claims, released.Document);
    }

    /// <summary>
    /// The pv-protection controller: a volume being deleted loses its <c>kubernetes.io/pv-protection</c> finalizer once
    /// no claim is bound to it.
    /// </summary>
    private void ReleaseVolumeProtection(ObjectKey key, KubeObject volume)
    {
        if (!volume.Finalizers.Contains(StorageDefaults.VolumeProtectionFinalizer))
        {
            return;
        }
        var claimRef = JsonTree.GetObject(volume.Document, "spec", "claimRef");
        var claim = claimRef is null ? null : Cache(Claims).Get(JsonTree.GetString(claimRef, "namespace"), JsonTree.GetString(claimRef, "name") ?? "")?.Object;
        if (claim is not null && claim.Uid == JsonTree.GetString(claimRef, "uid") && StorageObjects.VolumeName(claim) == volume.Name)
        {
            return;
        }
        var released = volume.DeepClone();
        released.SetFinalizers(volume.Finalizers.Where(f => f != StorageDefaults.VolumeProtectionFinalizer));
        UpdateObject(key, Volumes, released.Document);
    }
}
