using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.Volumes;

public sealed partial class PersistentVolumeController
{
    private const string WaitForFirstConsumer = "WaitForFirstConsumer";

    /// <summary>
    /// One step towards a claim's desired state (each pass makes at most one write; its reply queues the next pass):
    /// protection, the default class, binding to a volume (found or provisioned), then the claim's status.
    /// </summary>
    private void SyncClaim(ObjectKey key, KubeObject claim)
    {
        if (claim.DeletionTimestamp is not null)
        {
            ReleaseClaimProtection(key, claim);
            return;
        }
        if (!claim.Finalizers.Contains(StorageDefaults.ClaimProtectionFinalizer))
        {
            var protectedClaim = claim.DeepClone();
            protectedClaim.SetFinalizers([.. claim.Finalizers, StorageDefaults.ClaimProtectionFinalizer]);
            UpdateObject(key, Claims, protectedClaim.Document);
            return;
        }
        if (StorageObjects.VolumeName(claim) is { } volumeName)
        {
            SyncBoundClaim(key, claim, volumeName);
        }
        else
        {
            SyncUnboundClaim(key, claim);
        }
    }

    private void SyncUnboundClaim(ObjectKey key, KubeObject claim)
    {
        var className = StorageObjects.ClaimClass(claim);
        if (className is null && StorageObjects.DefaultClass(Cache(Classes).All.Select(c => c.Object)) is { } defaultClass)
        {
            // Retroactive default StorageClass assignment (GA in 1.28): a claim made before any default existed gets it.
            var assigned = claim.DeepClone();
            assigned.EnsureSpec()["storageClassName"] = defaultClass.Name;
            UpdateObject(key, Claims, assigned.Document);
            return;
        }
        var storageClass = className is { Length: > 0 } ? Cache(Classes).Get(null, className)?.Object : null;
        var delayed = storageClass is not null && JsonTree.GetString(storageClass.Document, "volumeBindingMode") == WaitForFirstConsumer;
        var selectedNode = claim.Annotations.GetValueOrDefault(StorageObjects.SelectedNodeAnnotation);
        if (FindVolume(claim, className ?? "") is { } found && (!delayed || selectedNode is not null || IsPreBound(found, claim)))
        {
            Bind(key, claim, found);
            return;
        }
        if (className is not { Length: > 0 })
        {
            Event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            return;
        }
        if (storageClass is null)
        {
            Event(claim, "Warning", "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found");
            return;
        }
        if (delayed && selectedNode is null)
        {
            Event(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            return;
        }
        var provisioner = JsonTree.GetString(storageClass.Document, "provisioner") ?? "";
        if (provisioner == StorageObjects.NoProvisioner)
        {
            // Pre-created volumes only: the claim waits for one that matches.
            Event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            return;
        }
        if (claim.Annotations.GetValueOrDefault(StorageObjects.StorageProvisionerAnnotation) != provisioner)
        {
            // The binder hands the claim to the (external) provisioner, as it does for CSI and local-path provisioners.
            var handed = claim.DeepClone();
            handed.SetAnnotation(StorageObjects.StorageProvisionerAnnotation, provisioner);
            handed.SetAnnotation(StorageObjects.BetaStorageProvisionerAnnotation, provisioner);
            UpdateObject(key, Claims, handed.Document);
            Event(claim, "Normal", "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
            return;
        }
        Provision(key, claim, storageClass, provisioner, selectedNode);
    }

    /// <summary>
    /// The volume for an unbound claim: one already pre-bound to it (by its claimRef), else the smallest available
    /// volume of its class whose access modes, volume mode, capacity and the claim's selector fit.
    /// </summary>
    private KubeObject? FindVolume(KubeObject claim, string className)
    {
        foreach (var cached in Cache(Volumes).ByIndex(VolumesByClaim, $"{claim.Namespace}/{claim.Name}"))
        {
            if (IsPreBound(cached.Object, claim) && cached.Object.DeletionTimestamp is null)
            {
                return cached.Object;
            }
        }
        var requested = StorageObjects.RequestedStorage(claim);
        var modes = StringList(JsonTree.GetArray(claim.Document, "spec", "accessModes"));
        var volumeMode = JsonTree.GetString(claim.Document, "spec", "volumeMode") ?? "Filesystem";
        LabelSelector? selector = null;
        if (JsonTree.GetObject(claim.Document, "spec", "selector") is { } selectorJson)
        {
            try
            {
                selector = LabelSelector.FromJson(selectorJson);
            }
            catch (SelectorParseException)
            {
                return null;
            }
        }
        return Cache(Volumes).All.Select(c => c.Object)
            .Where(v => v.DeletionTimestamp is null
                && JsonTree.GetObject(v.Document, "spec", "claimRef") is null
                && JsonTree.GetString(v.Document, "status", "phase") is null or "Available" or "Pending"
                && StorageObjects.VolumeClass(v) == className
                && (JsonTree.GetString(v.Document, "spec", "volumeMode") ?? "Filesystem") == volumeMode
                && modes.IsSubsetOf(StringList(JsonTree.GetArray(v.Document, "spec", "accessModes")))
                && StorageObjects.Capacity(v) >= requested
                && (selector is null || selector.Matches(v)))
            .OrderBy(StorageObjects.Capacity)
            .ThenBy(v => v.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static bool IsPreBound(KubeObject volume, KubeObject claim) =>
        JsonTree.GetObject(volume.Document, "spec", "claimRef") is { } claimRef
        && JsonTree.GetString(claimRef, "namespace") == claim.Namespace
        && JsonTree.GetString(claimRef, "name") == claim.Name
        && (JsonTree.GetString(claimRef, "uid") is not { Length: > 0 } uid || uid == claim.Uid);

    /// <summary>
    /// Kubernetes' <c>bind</c>, one write per pass: the volume's claimRef (marked bound-by-controller when the binder
    /// chose it), the volume's phase Bound, then the claim's volumeName with the bind-completed annotations.
    /// </summary>
    private void Bind(ObjectKey key, KubeObject claim, KubeObject volume)
    {
        if (JsonTree.GetString(volume.Document, "spec", "claimRef", "uid") != claim.Uid)
        {
            var bound = volume.DeepClone();
            if (JsonTree.GetObject(volume.Document, "spec", "claimRef") is null)
            {
                bound.SetAnnotation(StorageObjects.BoundByControllerAnnotation, "yes");
            }
            bound.EnsureSpec()["claimRef"] = ClaimReference(claim);
            UpdateObject(key, Volumes, bound.Document);
            return;
        }
        if (SetVolumePhase(key, volume, "Bound"))
        {
            return;
        }
        var bindingClaim = claim.DeepClone();
        bindingClaim.EnsureSpec()["volumeName"] = volume.Name;
        bindingClaim.SetAnnotation(StorageObjects.BindCompletedAnnotation, "yes");
        bindingClaim.SetAnnotation(StorageObjects.BoundByControllerAnnotation, "yes");
        UpdateObject(key, Claims, bindingClaim.Document);
    }

    /// <summary>A claim bound to a volume: check the volume is there and bound back, then report Bound with its capacity and access modes.</summary>
    private void SyncBoundClaim(ObjectKey key, KubeObject claim, string volumeName)
    {
        if (Cache(Volumes).Get(null, volumeName)?.Object is not { } volume)
        {
            if (SetClaimStatus(key, claim, "Lost", null))
            {
                Event(claim, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
            }
            return;
        }
        var claimRefUid = JsonTree.GetString(volume.Document, "spec", "claimRef", "uid");
        if (JsonTree.GetObject(volume.Document, "spec", "claimRef") is null || (IsPreBound(volume, claim) && claimRefUid != claim.Uid))
        {
            // Bound by the user through spec.volumeName: the binder completes the volume's side.
            Bind(key, claim, volume);
            return;
        }
        if (claimRefUid != claim.Uid)
        {
            if (SetClaimStatus(key, claim, "Lost", null))
            {
                Event(claim, "Warning", "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
            }
            return;
        }
        if (!claim.Annotations.ContainsKey(StorageObjects.BindCompletedAnnotation))
        {
            var completed = claim.DeepClone();
            completed.SetAnnotation(StorageObjects.BindCompletedAnnotation, "yes");
            UpdateObject(key, Claims, completed.Document);
            return;
        }
        if (SetVolumePhase(key, volume, "Bound"))
        {
            return;
        }
        SetClaimStatus(key, claim, "Bound", volume);
    }

    /// <summary>
    /// A volume's phase from its claimRef: none (or pre-bound to a claim not made yet) Available; its claim bound to it
    /// Bound; its claim gone Released, then reclaimed (Delete removes it, Retain keeps it Released).
    /// </summary>
    private void SyncVolume(ObjectKey key, KubeObject volume)
    {
        if (volume.DeletionTimestamp is not null)
        {
            ReleaseVolumeProtection(key, volume);
            return;
        }
        if (!volume.Finalizers.Contains(StorageDefaults.VolumeProtectionFinalizer))
        {
            var protectedVolume = volume.DeepClone();
            protectedVolume.SetFinalizers([.. volume.Finalizers, StorageDefaults.VolumeProtectionFinalizer]);
            UpdateObject(key, Volumes, protectedVolume.Document);
            return;
        }
        if (JsonTree.GetObject(volume.Document, "spec", "claimRef") is not { } claimRef)
        {
            SetVolumePhase(key, volume, "Available");
            return;
        }
        var uid = JsonTree.GetString(claimRef, "uid");
        var claim = Cache(Claims).Get(JsonTree.GetString(claimRef, "namespace"), JsonTree.GetString(claimRef, "name") ?? "")?.Object;
        if (uid is not { Length: > 0 })
        {
            SetVolumePhase(key, volume, "Available");
            return;
        }
        if (claim is null || claim.Uid != uid)
        {
            if (SetVolumePhase(key, volume, "Released"))
            {
                return;
            }
            Reclaim(key, volume);
            return;
        }
        if (StorageObjects.VolumeName(claim) == volume.Name)
        {
            SetVolumePhase(key, volume, "Bound");
        }
    }

    /// <summary>A released volume's reclaim policy: Delete removes it (the provisioner deletes the storage); Retain keeps it for the administrator.</summary>
    private void Reclaim(ObjectKey key, KubeObject volume)
    {
        switch (JsonTree.GetString(volume.Document, "spec", "persistentVolumeReclaimPolicy"))
        {
            case "Delete":
                DeleteObject(key, Volumes, null, volume.Name ?? "", volume.Uid);
                break;
            case "Recycle":
                Event(volume, "Warning", "VolumeFailedRecycle", "Recycle is not supported by the emulated volume plugins");
                break;
        }
    }

    /// <summary>Writes a volume's phase when it differs; true when a write went out.</summary>
    private bool SetVolumePhase(ObjectKey key, KubeObject volume, string phase)
    {
        if (JsonTree.GetString(volume.Document, "status", "phase") == phase)
        {
            return false;
        }
        var updated = volume.DeepClone();
        var status = updated.EnsureStatus();
        status["phase"] = phase;
        status["lastPhaseTransitionTime"] = Rfc3339Time.Format(Now);
        UpdateStatus(key, Volumes, updated.Document);
        return true;
    }

    /// <summary>Writes a claim's phase, with the bound volume's access modes and capacity (none without a volume); true when a write went out.</summary>
    private bool SetClaimStatus(ObjectKey key, KubeObject claim, string phase, KubeObject? volume)
    {
        var status = claim.Status?.DeepClone() as JsonObject ?? [];
        status["phase"] = phase;
        if (volume is not null)
        {
            status["accessModes"] = JsonTree.GetArray(volume.Document, "spec", "accessModes")?.DeepClone();
            status["capacity"] = JsonTree.GetObject(volume.Document, "spec", "capacity")?.DeepClone();
        }
        else
        {
            status.Remove("accessModes");
            status.Remove("capacity");
        }
        if (JsonTree.DeepEquals(status, claim.Status))
        {
            return false;
        }
        var updated = claim.DeepClone();
        updated.Document["status"] = status;
        UpdateStatus(key, Claims, updated.Document);
        return true;
    }

    private static JsonObject ClaimReference(KubeObject claim) => new()
    {
        ["kind"] = "PersistentVolumeClaim",
        ["namespace"] = claim.Namespace,
        ["name"] = claim.Name,
        ["uid"] = claim.Uid,
        ["apiVersion"] = "v1",
        ["resourceVersion"] = claim.ResourceVersion,
    };

    private static HashSet<string> StringList(JsonArray? array) =>
        (array ?? []).Select(JsonTree.AsString).OfType<string>().ToHashSet(StringComparer.Ordinal);
}
