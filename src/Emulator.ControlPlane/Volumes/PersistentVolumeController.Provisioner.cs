using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Volumes;

public sealed partial class PersistentVolumeController
{
    /// <summary>
    /// The emulated provisioner (as kind's local-path-provisioner does it): a volume <c>pvc-&lt;claim uid&gt;</c> with the
    /// requested capacity and the claim's access modes, pre-bound to the claim, with the class's reclaim policy, a host
    /// path under <see cref="StorageObjects.LocalPathRoot"/> and, when the scheduler chose a node, node affinity to it.
    /// The binder then binds the two on the next pass.
    /// </summary>
    private void Provision(ObjectKey key, KubeObject claim, KubeObject storageClass, string provisioner, string? selectedNode)
    {
        var name = "pvc-" + claim.Uid;
        Event(claim, "Normal", "Provisioning", $"External provisioner is provisioning volume for claim \"{claim.Namespace}/{claim.Name}\"", provisioner);
        CreateObject(key, Volumes, NewVolume(name, claim, storageClass, provisioner, selectedNode), new ProvisionWrite(claim, provisioner, name));
    }

    /// <summary>The volume the emulated provisioner makes for a claim.</summary>
    internal static JsonObject NewVolume(string name, KubeObject claim, KubeObject storageClass, string provisioner, string? selectedNode)
    {
        var annotations = new JsonObject { [StorageObjects.ProvisionedByAnnotation] = provisioner };
        if (selectedNode is not null)
        {
            annotations[StorageObjects.SelectedNodeAnnotation] = selectedNode;
        }
        var spec = new JsonObject
        {
            ["capacity"] = new JsonObject { ["storage"] = JsonTree.GetString(claim.Document, "spec", "resources", "requests", "storage") },
            ["accessModes"] = JsonTree.GetArray(claim.Document, "spec", "accessModes")?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
            ["claimRef"] = ClaimReference(claim),
            ["persistentVolumeReclaimPolicy"] = JsonTree.GetString(storageClass.Document, "reclaimPolicy") ?? "Delete",
            ["storageClassName"] = storageClass.Name,
            ["volumeMode"] = JsonTree.GetString(claim.Document, "spec", "volumeMode") ?? "Filesystem",
            ["hostPath"] = new JsonObject
            {
                ["path"] = $"{StorageObjects.LocalPathRoot}/{name}_{claim.Namespace}_{claim.Name}",
                ["type"] = "DirectoryOrCreate",
            },
        };
        if (JsonTree.GetArray(storageClass.Document, "mountOptions") is { Count: > 0 } mountOptions)
        {
            spec["mountOptions"] = mountOptions.DeepClone();
        }
        if (selectedNode is not null)
        {
            // A local volume lives on one node: pods using it can only run there.
            spec["nodeAffinity"] = new JsonObject
            {
                ["required"] = new JsonObject
                {
                    ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                    {
                        ["matchExpressions"] = new JsonArray(new JsonObject
                        {
                            ["key"] = "kubernetes.io/hostname",
                            ["operator"] = "In",
                            ["values"] = new JsonArray(selectedNode),
                        }),
                    }),
                },
            };
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations },
            ["spec"] = spec,
        };
    }
}
