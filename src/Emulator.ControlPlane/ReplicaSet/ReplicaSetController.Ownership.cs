using System.Text.Json.Nodes;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.ReplicaSet;

public partial class ReplicaSetController
{
    /// <summary>
    /// Releases the owned pods the selector no longer matches (<paramref name="released"/>, found by the census) and
    /// adopts orphan pods it matches (not while the ReplicaSet is being deleted). Returns true when any such write was
    /// sent.
    /// </summary>
    private bool ClaimPods(ObjectKey key, KubeObject rs, LabelSelector selector, List<CachedObject> released)
    {
        var uid = rs.Uid ?? "";
        var deleting = rs.DeletionTimestamp is not null;
        foreach (var cached in released)
        {
            var pod = cached.Object;
            var release = pod.DeepClone();
            release.SetOwnerReferences(pod.OwnerReferences.Where(r => r.Uid != uid));
            UpdateObject(key, Pods, release.Document);
        }
        var sent = released.Count > 0;
        if (deleting || selector.IsEmpty)
        {
            return sent;
        }
        foreach (var cached in Cache(Pods).ByIndex(OrphansByNamespace, rs.Namespace ?? "").ToArray())
        {
            var pod = cached.Object;
            if (!cached.Stored.IsDeleting && cached.Stored.ControllerReference is null && selector.Matches(cached.Stored.Labels))
            {
                var adopted = pod.DeepClone();
                adopted.SetOwnerReferences([.. pod.OwnerReferences, OwnerReferenceTo(_kind, rs)]);
                UpdateObject(key, Pods, adopted.Document);
                sent = true;
            }
        }
        return sent;
    }

    /// <summary>The controller reference a ReplicaSet's (or ReplicationController's) pods carry.</summary>
    internal static OwnerReference OwnerReferenceTo(ReplicatedKind kind, KubeObject rs) =>
        new(kind.ApiVersion, kind.Kind, rs.Name ?? "", rs.Uid ?? "", Controller: true, BlockOwnerDeletion: true);

    /// <summary>A pod made from the ReplicaSet's template (Kubernetes' <c>GetPodFromTemplate</c>): name <c>&lt;rs&gt;-&lt;5 random&gt;</c>.</summary>
    internal static JsonObject PodFromTemplate(ReplicatedKind kind, KubeObject rs)
    {
        var template = JsonTree.GetObject(rs.Document, "spec", "template") ?? [];
        var metadata = new JsonObject
        {
            ["generateName"] = rs.Name + "-",
            ["namespace"] = rs.Namespace,
        };
        foreach (var field in new[] { "labels", "annotations", "finalizers" })
        {
            if (JsonTree.Get(template, "metadata", field) is { } value)
            {
                metadata[field] = value.DeepClone();
            }
        }
        metadata["ownerReferences"] = new JsonArray(OwnerReferenceTo(kind, rs).ToJson());
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }
}
