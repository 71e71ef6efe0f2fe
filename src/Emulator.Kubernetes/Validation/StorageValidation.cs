using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of StorageClass (<c>pkg/apis/storage/validation</c>) and PersistentVolume (<c>pkg/apis/core/validation</c>).</summary>
public static class StorageValidation
{
    private static readonly string[] ClassReclaimPolicies = ["Delete", "Retain"];
    private static readonly string[] VolumeReclaimPolicies = ["Delete", "Recycle", "Retain"];
    private static readonly string[] BindingModes = ["Immediate", "WaitForFirstConsumer"];
    private static readonly string[] VolumeAccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    // The volume sources a PersistentVolume may name (exactly one of them).
    private static readonly string[] VolumeSources =
    [
        "hostPath", "local", "csi", "nfs", "gcePersistentDisk", "awsElasticBlockStore", "iscsi", "glusterfs", "rbd", "flexVolume",
        "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "storageos",
    ];

    /// <summary>StorageClass: a provisioner (a qualified name), a supported reclaim policy and volume binding mode.</summary>
    public static void ValidateStorageClass(KubeObject storageClass, List<FieldError> errors)
    {
        var doc = storageClass.Document;
        var provisioner = JsonTree.GetString(doc, "provisioner") ?? "";
        if (provisioner.Length == 0)
        {
            errors.Add(FieldError.Required("provisioner"));
        }
        else
        {
            foreach (var message in NameSyntax.IsQualifiedName(provisioner.ToLowerInvariant()))
            {
                errors.Add(FieldError.Invalid("provisioner", provisioner, message));
            }
        }
        if (JsonTree.GetString(doc, "reclaimPolicy") is { } reclaim && !ClassReclaimPolicies.Contains(reclaim))
        {
            errors.Add(FieldError.NotSupported("reclaimPolicy", reclaim, ClassReclaimPolicies));
        }
        var mode = JsonTree.GetString(doc, "volumeBindingMode") ?? "";
        if (mode.Length == 0)
        {
            errors.Add(FieldError.Required("volumeBindingMode"));
        }
        else if (!BindingModes.Contains(mode))
        {
            errors.Add(FieldError.NotSupported("volumeBindingMode", mode, BindingModes));
        }
    }

    /// <summary>StorageClass updates: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed at creation.</summary>
    public static void ValidateStorageClassUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (!JsonTree.DeepEquals(updated.Document["parameters"], old.Document["parameters"]))
        {
            errors.Add(FieldError.Forbidden("parameters", "updates to parameters are forbidden."));
        }
        if (JsonTree.GetString(updated.Document, "provisioner") != JsonTree.GetString(old.Document, "provisioner"))
        {
            errors.Add(FieldError.Forbidden("provisioner", "updates to provisioner are forbidden."));
        }
        if (JsonTree.GetString(updated.Document, "reclaimPolicy") != JsonTree.GetString(old.Document, "reclaimPolicy"))
        {
            errors.Add(FieldError.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        }
        MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "volumeBindingMode"), JsonTree.GetString(old.Document, "volumeBindingMode"), "volumeBindingMode", errors);
    }

    /// <summary>PersistentVolume: access modes, a storage capacity, exactly one volume source, a supported reclaim policy.</summary>
    public static void ValidateVolume(KubeObject volume, List<FieldError> errors)
    {
        var spec = volume.Spec ?? new JsonObject();
        if (spec["accessModes"] is not JsonArray { Count: > 0 } modes)
        {
            errors.Add(FieldError.Required("spec.accessModes"));
        }
        else
        {
            foreach (var mode in modes.Select(JsonTree.AsString))
            {
                if (!VolumeAccessModes.Contains(mode ?? ""))
                {
                    errors.Add(FieldError.NotSupported("spec.accessModes", mode ?? "", VolumeAccessModes));
                }
            }
        }
        if (spec["capacity"] is not JsonObject { Count: > 0 } capacity)
        {
            errors.Add(FieldError.Required("spec.capacity"));
        }
        else
        {
            foreach (var (resource, _) in capacity)
            {
                if (resource != "storage")
                {
                    errors.Add(FieldError.NotSupported("spec.capacity", resource, ["storage"]));
                }
            }
        }
        var sources = VolumeSources.Count(s => spec[s] is JsonObject);
        if (sources == 0)
        {
            errors.Add(FieldError.Required("spec", "must specify a volume type"));
        }
        else if (sources > 1)
        {
            errors.Add(FieldError.Forbidden("spec", "may not specify more than 1 volume type"));
        }
        if (JsonTree.GetString(spec, "persistentVolumeReclaimPolicy") is { } reclaim && !VolumeReclaimPolicies.Contains(reclaim))
        {
            errors.Add(FieldError.NotSupported("spec.persistentVolumeReclaimPolicy", reclaim, VolumeReclaimPolicies));
        }
        if (JsonTree.GetString(spec, "storageClassName") is { Length: > 0 } className)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(className))
            {
                errors.Add(FieldError.Invalid("spec.storageClassName", className, message));
            }
        }
    }
}
