using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Defaults of PersistentVolumeClaim, PersistentVolume and StorageClass.</summary>
public static class StorageDefaults
{
    /// <summary>The finalizer that keeps a claim while a pod uses it (StorageObjectInUseProtection admission).</summary>
    public const string ClaimProtectionFinalizer = "kubernetes.io/pvc-protection";

    /// <summary>The finalizer that keeps a volume while a claim is bound to it (StorageObjectInUseProtection admission).</summary>
    public const string VolumeProtectionFinalizer = "kubernetes.io/pv-protection";

    /// <summary>Claim (object or StatefulSet template): volumeMode Filesystem, status phase Pending.</summary>
    public static void ApplyClaim(JsonObject claim)
    {
        JsonTree.SetDefaultString(JsonTree.Ensure(claim, "spec"), "volumeMode", "Filesystem");
        JsonTree.SetDefaultString(JsonTree.Ensure(claim, "status"), "phase", "Pending");
    }

    /// <summary>Volume: persistentVolumeReclaimPolicy Retain, volumeMode Filesystem, status phase Pending.</summary>
    public static void ApplyVolume(KubeObject volume)
    {
        var spec = volume.EnsureSpec();
        JsonTree.SetDefaultString(spec, "persistentVolumeReclaimPolicy", "Retain");
        JsonTree.SetDefaultString(spec, "volumeMode", "Filesystem");
        JsonTree.SetDefaultString(volume.EnsureStatus(), "phase", "Pending");
    }

    /// <summary>StorageClass (<c>pkg/apis/storage/v1/defaults.go</c>): reclaimPolicy Delete, volumeBindingMode Immediate.</summary>
    public static void ApplyStorageClass(KubeObject storageClass)
    {
        JsonTree.SetDefaultString(storageClass.Document, "reclaimPolicy", "Delete");
        JsonTree.SetDefaultString(storageClass.Document, "volumeBindingMode", "Immediate");
    }

    /// <summary>
    /// The StorageObjectInUseProtection admission plugin: a new claim gets <c>kubernetes.io/pvc-protection</c>, a new
    /// volume <c>kubernetes.io/pv-protection</c>, so neither goes while in use (the protection controllers remove them).
    /// </summary>
    public static void AddProtectionFinalizer(KubeObject obj)
    {
        var finalizer = obj.Kind == "PersistentVolume" ? VolumeProtectionFinalizer : ClaimProtectionFinalizer;
        var metadata = JsonTree.Ensure(obj.Document, "metadata");
        if (metadata["finalizers"] is not JsonArray finalizers)
        {
            metadata["finalizers"] = new JsonArray(finalizer);
        }
        else if (!finalizers.Any(f => JsonTree.AsString(f) == finalizer))
        {
            finalizers.Add(finalizer);
        }
    }
}
