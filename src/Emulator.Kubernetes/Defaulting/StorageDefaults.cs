using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>Defaults of PersistentVolumeClaim and PersistentVolume.</summary>
public static class StorageDefaults
{
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
}
